/**
 * Runs a command (kubectl) synchronously, bounded by a timeout that ends the command's whole process group. Node's
 * spawnSync kills only the child it started on timeout and then waits for its pipes to close: a grandchild holding
 * stdout (a credential plugin, a pager) would keep the call waiting long past the timeout. GNU coreutils' `timeout`
 * (on every Linux node) runs the command in a process group of its own and signals the whole group when time is up
 * (TERM, then KILL 5 s later), so the pipes close and the call returns. Where `timeout` is missing, spawnSync's own
 * timeout is the fallback. A separate Node process as supervisor would not do: the single executable cannot run
 * `-e` scripts.
 */
import { spawnSync } from 'node:child_process';

/** The outcome of one run: exit code (-1 when killed or not started), output, and the timeout when it expired. */
export interface GroupRunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** the timeout in whole seconds, when it expired and the group was killed */
  readonly timedOutSeconds?: number;
}

/** Output kept per stream. */
const MAX_OUTPUT = 64 * 1024 * 1024;
/** After the timeout's TERM, how long the group has before KILL. */
const KILL_AFTER_S = 5;

/**
 * Runs `command args` (no shell) with its process group ended after `timeoutMs` (milliseconds); the result says so
 * (`timedOutSeconds`, code -1). Output is capped at 64 MiB per stream. Never throws: a command that cannot start comes
 * back with code -1 and the reason in stderr.
 */
export function runGroupSync(command: string, args: readonly string[], timeoutMs: number): GroupRunResult {
  const secs = Math.max(1, Math.ceil(timeoutMs / 1000));
  const options = { encoding: 'utf8' as const, maxBuffer: MAX_OUTPUT, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
  let r = spawnSync('timeout', [`--kill-after=${KILL_AFTER_S}s`, `${secs}s`, command, ...args], { ...options, timeout: (secs + KILL_AFTER_S + 5) * 1000 });
  const noTimeout = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  if (noTimeout) r = spawnSync(command, [...args], { ...options, timeout: timeoutMs, killSignal: 'SIGKILL' });
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') return { code: -1, stdout, stderr: stderr || `cannot run ${command}: ${r.error.message}` };
  // timeout(1) exits 124 when it sent TERM, 137 when it had to KILL; 125-127: timeout itself or the command could not run
  const timedOut = noTimeout ? (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' : r.status === 124 || r.status === 137 || r.signal !== null;
  if (timedOut) return { code: -1, stdout, stderr, timedOutSeconds: Math.round(timeoutMs / 1000) };
  if (!noTimeout && (r.status === 126 || r.status === 127)) return { code: -1, stdout, stderr: stderr || `cannot run ${command}` };
  return { code: r.status ?? -1, stdout, stderr };
}
