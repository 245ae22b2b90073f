/**
 * Runs a command (kubectl) synchronously in its own process group, bounded by a timeout that ends the whole group.
 * Node's spawnSync kills only the child it started on timeout and then waits for its pipes to close: a grandchild
 * holding stdout (a credential plugin, a pager) would keep the call waiting long past the timeout. Here a small Node
 * supervisor starts the command as a process-group leader and, on timeout, sends SIGKILL to the whole group, so the
 * call returns within the timeout (plus the supervisor's start). Own code: no npm library runs a process group
 * synchronously with a group-wide timeout.
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

// The supervisor: argv = [command, timeoutMs, ...args]; prints one JSON line {code, stdout, stderr, timedOut, error}.
const SUPERVISOR = `
const { spawn } = require('node:child_process');
const [cmd, ms, ...args] = process.argv.slice(1);
const out = [], err = [];
let timedOut = false, error;
const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
child.stdout.on('data', (d) => out.push(d));
child.stderr.on('data', (d) => err.push(d));
const timer = setTimeout(() => { timedOut = true; try { process.kill(-child.pid, 'SIGKILL'); } catch {} finish(-1); }, Number(ms));
let done = false;
function finish(code) {
  if (done) return;
  done = true;
  clearTimeout(timer);
  process.stdout.write(JSON.stringify({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut, error }));
  process.exit(0);
}
child.on('error', (e) => { error = e.message; finish(-1); });
child.on('close', (code) => finish(code === null ? -1 : code));
child.on('exit', () => { try { process.kill(-child.pid, 'SIGKILL'); } catch {} });
`;

/**
 * Runs `command args` (no shell) in a new process group; after `timeoutMs` the group is killed (SIGKILL) and the
 * result says so (`timedOutSeconds`). Output is capped at 64 MiB. Never throws: a command that cannot start comes
 * back with code -1 and the reason in stderr.
 */
export function runGroupSync(command: string, args: readonly string[], timeoutMs: number): GroupRunResult {
  const r = spawnSync(process.execPath, ['-e', SUPERVISOR, command, String(timeoutMs), ...args], {
    encoding: 'utf8', maxBuffer: 160 * 1024 * 1024, timeout: timeoutMs + 10_000,
  });
  try {
    const v = JSON.parse(r.stdout) as { code: number; stdout: string; stderr: string; timedOut: boolean; error?: string };
    return { code: v.code, stdout: v.stdout.slice(0, 64 * 1024 * 1024), stderr: v.stderr || (v.error ?? ''), ...(v.timedOut ? { timedOutSeconds: Math.round(timeoutMs / 1000) } : {}) };
  } catch {
    return { code: -1, stdout: '', stderr: r.error?.message ?? `cannot run ${command}` };
  }
}
