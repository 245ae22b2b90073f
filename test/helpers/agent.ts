/** Running `kubecerts agent` as a real process in tests, reading its JSON log lines, and ageing a node's certificates. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BIN, runCli } from './cli.js';
import { REPO } from './tmp.js';

export interface LogLine {
  readonly time: string;
  readonly level: string;
  readonly msg: string;
  readonly [k: string]: unknown;
}

export interface AgentRun {
  readonly child: ChildProcess;
  /** stderr so far */
  stderr(): string;
  /** the JSON log lines so far */
  lines(): LogLine[];
  /** resolves when a log line with this msg appears (rejects after timeoutMs) */
  waitFor(msg: string, timeoutMs?: number): Promise<LogLine>;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; lines: LogLine[] }>;
}

export const parseLog = (stderr: string): LogLine[] =>
  stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);

/**
 * Starts `kubecerts agent <args> --log-format json`; `env` is added to a minimal environment; `wrap` runs it under
 * another command (e.g. strace with fault injection).
 */
export function startAgent(args: readonly string[], env: Record<string, string> = {}, wrap: readonly string[] = []): AgentRun {
  const argv = [process.execPath, BIN, 'agent', ...args, '--log-format', 'json'];
  const [cmd, ...rest] = [...wrap, ...argv] as [string, ...string[]];
  const child = spawn(cmd, rest, {
    cwd: REPO, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stdout?.resume();
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; lines: LogLine[] }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr: err, lines: parseLog(err) })),
  );
  return {
    child,
    stderr: () => err,
    lines: () => parseLog(err),
    async waitFor(msg, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = parseLog(err).find((l) => l.msg === msg);
        if (hit) return hit;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`agent ended before "${msg}": ${err}`);
        if (Date.now() > deadline) throw new Error(`no "${msg}" within ${timeoutMs} ms: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    done,
  };
}

/** The usual node flags of a simulated node folder (`<dir>/pki`, kubeconfigs in `<dir>`). */
export const nodeFlags = (nodeDir: string): string[] => [
  '--cert-dir', join(nodeDir, 'pki'), '--kubeconfig-dir', nodeDir, '--manifests-dir', join(nodeDir, 'manifests'),
];

/** Re-signs every leaf and kubeconfig of the node as if 364 days ago, so they expire in about a day. */
export async function expireInADay(nodeDir: string): Promise<void> {
  const then = new Date(Date.now() - 364 * 86_400_000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
  const r = await runCli(['certs', 'renew', 'all', '--cert-dir', join(nodeDir, 'pki'), '--kubeconfig-dir', nodeDir, '--no-backup'], { faketime: then });
  if (r.code !== 0) throw new Error(`ageing ${nodeDir} failed: ${r.stderr}`);
}

/** Residual time in seconds of every certificate of the node (check-expiration -o json), by name. */
export async function residuals(nodeDir: string): Promise<Map<string, number>> {
  const r = await runCli(['certs', 'check-expiration', '--cert-dir', join(nodeDir, 'pki'), '--kubeconfig-dir', nodeDir, '-o', 'json']);
  if (r.code !== 0) throw new Error(`check-expiration failed: ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as { certificates: { name: string; residualTime: number }[] };
  return new Map(doc.certificates.map((c) => [c.name, c.residualTime]));
}

/** NotAfter (RFC 3339) of every certificate of the node, by name: equal maps mean nothing was renewed. */
export async function expirations(nodeDir: string): Promise<Map<string, string>> {
  const r = await runCli(['certs', 'check-expiration', '--cert-dir', join(nodeDir, 'pki'), '--kubeconfig-dir', nodeDir, '-o', 'json']);
  if (r.code !== 0) throw new Error(`check-expiration failed: ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as { certificates: { name: string; expirationDate: string }[] };
  return new Map(doc.certificates.map((c) => [c.name, c.expirationDate]));
}
