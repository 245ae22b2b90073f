/**
 * `kubecerts agent`: one run is check-expiration → textfile → (if a certificate is within --renew-before, or a
 * restart of an earlier run is pending) cluster lock → renew with backup → restart and verify the components that
 * use the replaced files → release → textfile. The loop repeats runs with a jittered period until SIGTERM.
 *
 * Crash safety: the components to restart are recorded (`<cert-dir>/.kubecerts-agent-restart.json`) before the
 * renewal commits, and removed only once they were restarted and verified; renew's journal completes a commit a
 * killed run left half done; `control-plane restart` puts back a manifest a killed run left out. So the next run
 * (on any schedule) finishes what a killed one started.
 */
import { join } from 'node:path';
import { realNodeHost } from '../store/node-host.js';
import type { RunConfig } from '../config/types.js';
import { describe, ExitCode, KubecertsError, type ExitCodeValue } from '../errors.js';
import { removeQuietly, writeFileAtomic } from '../store/fs-atomic.js';
import { LockError, type Lock } from '../coord/lock.js';
import type { ExpirationReport } from '../pki/expiration.js';
import { restartStepText } from '../output/control-plane-text.js';
import type { Logger } from './log.js';
import { writeTextfile, type AgentState } from './metrics.js';
import { isDue, type RenewBefore } from './policy.js';
import { affectedComponents, checkNode, renewableNames, renewCertificates, restartAndVerify, type ComponentName } from './steps.js';

export interface AgentOptions {
  readonly cfg: RunConfig;
  readonly manifestsDir: string;
  readonly holdingDir: string;
  readonly textfileDir: string | undefined;
  readonly renewBefore: RenewBefore;
  readonly lock: Lock;
  /** how long one run waits for the cluster lock, ms */
  readonly lockWaitMs: number;
  readonly restartTimeoutMs: number;
  readonly probeTimeoutMs: number;
  readonly log: Logger;
  readonly now: () => Date;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** SIGTERM: a step that started finishes (a restart puts its manifest back); no new step starts */
  readonly signal: AbortSignal;
  readonly state: AgentState;
}

interface Pending {
  /** names as recorded; the restart refuses unknown ones */
  readonly components: ComponentName[];
}

const pendingPath = (cfg: RunConfig): string => join(cfg.certificatesDir, '.kubecerts-agent-restart.json');

/** The restart an earlier run recorded and did not finish; an unreadable record is an error, not "none". */
function readPending(cfg: RunConfig): Pending | undefined {
  let text: string;
  try {
    text = realNodeHost().read(pendingPath(cfg)).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KubecertsError('AGENT_PENDING', `cannot read ${pendingPath(cfg)}: ${describe(err)}`);
  }
  try {
    const v = JSON.parse(text) as Pending;
    if (!Array.isArray(v.components)) throw new Error('no components list');
    return v;
  } catch (err) {
    throw new KubecertsError('AGENT_PENDING', `${pendingPath(cfg)} is not a restart record (${describe(err)}): inspect and remove it`);
  }
}

const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);

class StepError extends KubecertsError {
  constructor(readonly reason: string, message: string, cause?: unknown) {
    super(`AGENT_${reason.toUpperCase()}`, message, cause === undefined ? {} : { cause });
  }
}

/**
 * One run of the agent. Returns the exit code: 0 (nothing due, or renewed and restarted), 4 (the cluster lock could
 * not be taken: no quorum, busy, unreachable; nothing was changed), 1 (check, renewal or restart failed).
 */
export async function runOnce(o: AgentOptions): Promise<ExitCodeValue> {
  const { log, state, cfg } = o;
  const start = o.now();
  state.lastRun = seconds(start);
  let report: ExpirationReport | undefined;
  const publish = (): void => {
    if (!o.textfileDir) return;
    try {
      writeTextfile(o.textfileDir, report, state);
    } catch (err) {
      log('error', 'cannot write the textfile', { dir: o.textfileDir, error: describe(err) });
    }
  };
  const fail = (reason: string, err: unknown, code: ExitCodeValue): ExitCodeValue => {
    state.lastRunOk = false;
    state.lastError = reason;
    log('error', 'run failed', { reason, error: describe(err), hint: err instanceof KubecertsError ? err.hint : undefined });
    publish();
    return code;
  };
  const renewable = renewableNames(cfg);
  /** the renewable certificates of `r` within --renew-before */
  const dueIn = (r: ExpirationReport): string[] =>
    r.certificates
      .filter((c) => renewable.has(c.name) && !c.missing && !c.error && !c.externallyManaged && c.notAfter !== undefined && isDue(o.renewBefore, c.notBefore, c.notAfter, r.now))
      .map((c) => c.name);
  let due: string[];
  let pending: Pending | undefined;
  try {
    report = checkNode(cfg, start, (line) => log('warn', line));
    due = dueIn(report);
    pending = readPending(cfg);
  } catch (err) {
    return fail('check', err, ExitCode.failed);
  }
  for (const r of report.certificates) if (r.error) log('warn', 'certificate unreadable', { name: r.name, path: r.path, error: r.error });
  state.due = due.length;
  log('info', 'checked', { due, pendingRestart: pending?.components, renewBefore: o.renewBefore.text });
  if (due.length === 0 && !pending) {
    state.lastRunOk = true;
    state.lastError = undefined;
    state.lastSuccess = seconds(o.now());
    publish();
    return ExitCode.ok;
  }
  publish();

  let hold;
  try {
    hold = await o.lock.acquire({ waitMs: o.lockWaitMs, signal: o.signal });
  } catch (err) {
    if (err instanceof LockError) {
      state.lockUp = err.reason === 'busy' || err.reason === 'aborted';
      return fail(err.reason, err, err.reason === 'aborted' ? ExitCode.ok : err.exitCode);
    }
    state.lockUp = false;
    return fail('unreachable', err, ExitCode.locked);
  }
  state.lockUp = true;
  state.lockHeld = true;
  publish();
  log('info', 'lock acquired', { lock: o.lock.kind, critical: 'enter', at: Date.now() });
  let code: ExitCodeValue = ExitCode.ok;
  try {
    let components = pending?.components ?? [];
    if (due.length > 0 && !o.signal.aborted) {
      let r;
      try {
        r = await renewCertificates(cfg, due, {
          now: o.now(),
          warn: (line) => log('warn', line),
          beforeCommit: (paths) => {
            components = [...new Set([...components, ...affectedComponents(o.manifestsDir, paths)])];
            if (components.length > 0) writeFileAtomic(pendingPath(cfg), `${JSON.stringify({ components })}\n`, { mode: 0o600 });
          },
        });
      } catch (err) {
        throw new StepError('renew', `renewal failed, nothing was replaced: ${describe(err)}`, err);
      }
      if (r.recovered >= 0) log('info', 'completed an interrupted renewal', { files: r.recovered });
      log('info', 'renewed', { certificates: r.renewed, backup: r.backupDir });
    }
    if (components.length > 0 && !o.signal.aborted && !hold.lost()) {
      log('info', 'restarting', { components });
      const rep = await restartAndVerify(components, {
        manifestsDir: o.manifestsDir, holdingDir: o.holdingDir, timeoutMs: o.restartTimeoutMs, probeTimeoutMs: o.probeTimeoutMs,
        now: o.now, sleep: (ms) => o.sleep(ms, new AbortController().signal), signal: o.signal,
        onStep: (s) => log('info', 'restart step', { component: s.component, step: restartStepText(s) }),
      });
      for (const x of rep.outcomes) log(x.result === 'failed' ? 'error' : 'info', `restart ${x.result}`, { component: x.component, error: x.result === 'failed' ? x.error : undefined });
      if (!rep.ok) throw new StepError('restart', `restart failed: ${rep.outcomes.filter((x) => x.result === 'failed').map((x) => x.component).join(', ')}; it is retried next run`);
      removeQuietly(pendingPath(cfg));
    } else if (hold.lost()) {
      throw new StepError('unreachable', 'the cluster lock was lost (lease expired or etcd unreachable); the restart is left for the next run');
    }
  } catch (err) {
    // renewal errors come wrapped in a StepError; anything else was raised by the restart (plan refused, busy)
    code = fail(err instanceof StepError ? err.reason : 'restart', err, ExitCode.failed);
  } finally {
    log('info', 'lock released', { lock: o.lock.kind, critical: 'exit', at: Date.now() });
    state.lockHeld = false;
    await hold.release();
  }
  try {
    report = checkNode(cfg, o.now(), (line) => log('warn', line));
    state.due = dueIn(report).length;
  } catch (err) {
    log('warn', 'cannot check after the renewal', { error: describe(err) });
  }
  if (code === ExitCode.ok) {
    state.lastRunOk = true;
    state.lastError = undefined;
    state.lastSuccess = seconds(o.now());
  }
  publish();
  return code;
}

/** `--period` with jitter: period × (1 + jitter × r), r uniform in [0, 1) (apimachinery's wait.Jitter). */
export const jittered = (periodMs: number, jitter: number, random: () => number = Math.random): number => Math.round(periodMs * (1 + jitter * random()));

/** Runs until the signal: a run at once, then one per jittered period. Returns the exit code of the last run. */
export async function runLoop(o: AgentOptions, periodMs: number, jitter: number): Promise<ExitCodeValue> {
  let code: ExitCodeValue = ExitCode.ok;
  while (!o.signal.aborted) {
    code = await runOnce(o);
    if (o.signal.aborted) break;
    const wait = jittered(periodMs, jitter);
    o.log('info', 'sleeping', { seconds: Math.round(wait / 1000) });
    await o.sleep(wait, o.signal);
  }
  o.log('info', 'stopped', { signal: 'SIGTERM' });
  return code;
}
