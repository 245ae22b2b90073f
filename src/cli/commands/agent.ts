/** `kubecerts agent`: the per-node loop (or one run with --once) described in src/agent/loop.ts. */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '../../lib/duration.js';
import { describe, ExitRequest, UsageError } from '../../errors.js';
import { noLock, type Lock } from '../../coord/lock.js';
import { makeLogger } from '../../agent/log.js';
import { runLoop, runOnce, type AgentOptions } from '../../agent/loop.js';
import { previousLastSuccess } from '../../agent/metrics.js';
import { parseRenewBefore } from '../../agent/policy.js';
import { parseStaticPod } from '../../node/manifests.js';
import { defaultHoldingDir } from '../../ops/control-plane-restart.js';
import { VERSION } from '../../lib/version.js';
import { runConfigFrom } from '../config-flags.js';
import { hostPath } from '../global-flags.js';
import { clockOf, type Io } from '../io.js';

type Opts = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function ms(opts: Opts, key: string, flag: string, dflt: string, min = 1): number {
  const text = str(opts[key]) ?? dflt;
  const v = parseDuration(text);
  if (v === undefined || v < min) throw new UsageError(`invalid ${flag} "${text}": use a duration such as 30s, 1h or 30d`);
  return v;
}

/** The local etcd member's client URL from its static-pod manifest, if there is a manifest. */
function manifestEtcdEndpoint(manifestsDir: string): string | undefined {
  const path = join(manifestsDir, 'etcd.yaml');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read the etcd manifest ${path}: ${describe(err)}`);
  }
  const local = parseStaticPod(text, path, 'etcd').endpoints.find((e) => e.name === 'etcd-client');
  return local ? `https://${local.host.includes(':') ? `[${local.host}]` : local.host}:${local.port}` : undefined;
}

/** Reads the client credentials for etcd: the healthcheck client, else the API server's etcd client certificate. */
function etcdCredentials(certDir: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  const read = (n: string): Buffer => readFileSync(join(certDir, n));
  let ca: Buffer;
  try {
    ca = read('etcd/ca.crt');
  } catch (err) {
    throw new UsageError(`--lock etcd needs the etcd CA: ${describe(err)}`, { hint: 'on a node without a local etcd use --lock none' });
  }
  const errors: string[] = [];
  for (const base of ['etcd/healthcheck-client', 'apiserver-etcd-client']) {
    try {
      return { ca, cert: read(`${base}.crt`), key: read(`${base}.key`) };
    } catch (err) {
      errors.push(describe(err));
    }
  }
  throw new UsageError(`--lock etcd needs a client certificate signed by the etcd CA: ${errors.join('; ')}`);
}

export default async function agent(_args: unknown[], opts: Opts, io: Io): Promise<void> {
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
  const log = makeLogger(logFormat, (l) => io.stderr.write(l), () => io.now());

  let endpoints = str(opts['etcdEndpoints'])?.split(',').map((s) => s.trim()).filter(Boolean);
  const fromManifest = manifestEtcdEndpoint(manifestsDir);
  const lockKind = str(opts['lock']) ?? (fromManifest !== undefined || endpoints !== undefined ? 'etcd' : 'none');
  if (lockKind !== 'etcd' && lockKind !== 'none') throw new UsageError(`invalid --lock "${lockKind}": etcd or none`);
  const node = cfg.nodeName;
  let lock: Lock = noLock;
  if (lockKind === 'etcd') {
    endpoints ??= [fromManifest ?? 'https://127.0.0.1:2379'];
    const { etcdLock } = await import('../../coord/etcd-lock.js');
    lock = etcdLock({
      endpoints, ...etcdCredentials(cfg.certificatesDir), name: str(opts['lockName']) ?? 'kubecerts-renew', ttlSeconds: Math.round(ttlMs / 1000),
      identity: `node=${node} host=${hostname()} pid=${process.pid}`, callTimeoutMs,
    });
  }

  const abort = new AbortController();
  const onSignal = (): void => {
    if (!abort.signal.aborted) log('info', 'signal received: finishing the current step, starting no new one');
    abort.abort();
  };
  const signals = ['SIGTERM', 'SIGINT'] as const;
  for (const s of signals) process.on(s, onSignal);
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
    signal: abort.signal,
    state: {
      node, lock: lockKind, version: VERSION, lastRun: undefined, lastSuccess: textfileDir ? previousLastSuccess(textfileDir) : undefined,
      lastRunOk: undefined, lastError: undefined, lockHeld: false, lockUp: true, due: 0,
    },
  };
  log('info', 'agent starting', { node, lock: lockKind, endpoints, once, renewBefore: renewBefore.text, textfile: textfileDir ? join(textfileDir, 'kubecerts.prom') : undefined });
  let code;
  try {
    code = once ? await runOnce(o) : await runLoop(o, periodMs, jitter);
  } finally {
    for (const s of signals) process.off(s, onSignal);
    await lock.close();
  }
  if (code !== 0) throw new ExitRequest(code);
}
