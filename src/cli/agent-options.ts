/** `kubecerts agent`'s flags as the loop's options, with the cluster lock they choose (etcd or none). */
import { hostname } from 'node:os';
import { makeLogger, type Logger } from '../agent/log.js';
import type { AgentOptions } from '../agent/loop.js';
import { previousLastSuccess } from '../agent/metrics.js';
import { parseRenewBefore } from '../agent/policy.js';
import { noLock, type Lock } from '../coord/lock.js';
import { UsageError } from '../errors.js';
import { parseDuration } from '../lib/duration.js';
import { VERSION } from '../lib/version.js';
import { defaultHoldingDir } from '../ops/control-plane-restart.js';
import { localEtcdClientUrl, readEtcdClientCredentials } from '../store/etcd-client-files.js';
import { runConfigFrom } from './config-flags.js';
import { hostPath } from './global-flags.js';
import { clockOf, type Io } from './io.js';

type Opts = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The duration flag `flag` (commander key `key`) in ms, `dflt` when absent; UsageError below `min` ms or unparsable. */
function ms(opts: Opts, key: string, flag: string, dflt: string, min = 1): number {
  const text = str(opts[key]) ?? dflt;
  const v = parseDuration(text);
  if (v === undefined || v < min) throw new UsageError(`invalid ${flag} "${text}": use a duration such as 30s, 1h or 30d`);
  return v;
}

/** The agent's run: its loop options, the loop's period (ms) and jitter (a fraction), and what the start line says. */
export interface AgentRun {
  readonly o: AgentOptions;
  readonly once: boolean;
  readonly periodMs: number;
  readonly jitter: number;
  readonly log: Logger;
  readonly lock: Lock;
  readonly lockKind: 'etcd' | 'none';
  readonly endpoints: string[] | undefined;
}

/**
 * Parses the agent's flags (`opts`, commander's parsed options) into its run; the etcd lock is created (not yet
 * connected) when chosen. Throws UsageError for a bad flag value or missing etcd credentials.
 */
export async function agentRun(opts: Opts, io: Io, signal: AbortSignal): Promise<AgentRun> {
  const cfg = runConfigFrom(opts);
  const manifestsDir = str(opts['manifestsDir']) ?? hostPath('/etc/kubernetes/manifests');
  const holdingDir = str(opts['holdingDir']) ?? defaultHoldingDir(manifestsDir);
  const textfileDir = str(opts['textfileDir']);
  const renewBefore = parseRenewBefore(str(opts['renewBefore']) ?? '720h');
  const logFormat = str(opts['logFormat']) ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`invalid --log-format "${logFormat}": text or json`);
  const periodMs = ms(opts, 'period', '--period', '1h', 1000);
  const jitter = Number(str(opts['jitter']) ?? '0.1');
  if (!(jitter >= 0 && jitter <= 1)) throw new UsageError(`invalid --jitter "${String(opts['jitter'])}": a fraction of the period between 0 and 1`);
  const once = opts['once'] === true;
  const lockWaitMs = ms(opts, 'lockWait', '--lock-wait', once ? '10m' : '1h');
  const ttlMs = ms(opts, 'lockTtl', '--lock-ttl', '60s', 5000);
  const callTimeoutMs = ms(opts, 'etcdTimeout', '--etcd-timeout', '5s');
  const log: Logger = makeLogger(logFormat, (l) => io.stderr.write(l), () => io.now());

  let endpoints = str(opts['etcdEndpoints'])?.split(',').map((s) => s.trim()).filter(Boolean);
  const fromManifest = localEtcdClientUrl(manifestsDir);
  const lockKind = str(opts['lock']) ?? (fromManifest !== undefined || endpoints !== undefined ? 'etcd' : 'none');
  if (lockKind !== 'etcd' && lockKind !== 'none') throw new UsageError(`invalid --lock "${lockKind}": etcd or none`);
  const node = cfg.nodeName;
  let lock: Lock = noLock;
  if (lockKind === 'etcd') {
    endpoints ??= [fromManifest ?? 'https://127.0.0.1:2379'];
    const { etcdLock } = await import('../coord/etcd-lock.js');
    lock = etcdLock({
      endpoints, ...readEtcdClientCredentials(cfg.certificatesDir), name: str(opts['lockName']) ?? 'kubecerts-renew', ttlSeconds: Math.round(ttlMs / 1000),
      identity: `node=${node} host=${hostname()} pid=${process.pid}`, callTimeoutMs,
    });
  }

  const o: AgentOptions = {
    cfg, manifestsDir, holdingDir, textfileDir, renewBefore, lock, lockWaitMs,
    restartTimeoutMs: ms(opts, 'restartTimeout', '--restart-timeout', '90s'), probeTimeoutMs: ms(opts, 'probeTimeout', '--probe-timeout', '2s'),
    log, now: () => io.now(),
    sleep: async (t, signal) => {
      try {
        await clockOf(io).sleep(t, signal);
      } catch {
        // aborted: the loop ends
      }
    },
    signal,
    state: {
      node, lock: lockKind, version: VERSION, lastRun: undefined, lastSuccess: textfileDir ? previousLastSuccess(textfileDir) : undefined,
      lastRunOk: undefined, lastError: undefined, lockHeld: false, lockUp: true, due: 0,
    },
  };
  return { o, once, periodMs, jitter, log, lock, lockKind, endpoints };
}
