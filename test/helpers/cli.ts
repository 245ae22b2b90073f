import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './tmp.js';

export const BIN = join(REPO, 'dist', 'bin.cjs');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** run under libfaketime at this moment ("2026-01-10 10:00:00") */
  readonly faketime?: string;
  /** run as uid/gid 65534 (nobody) when we are root, so permission checks apply */
  readonly unprivileged?: boolean;
  readonly env?: Record<string, string>;
  readonly cwd?: string;
}

const NOBODY = 65534;

/** Runs the built CLI as a real process. */
export function runCli(args: readonly string[], o: CliOptions = {}): Promise<CliResult> {
  const cmd = o.faketime ? 'faketime' : process.execPath;
  const argv = o.faketime ? [o.faketime, process.execPath, BIN, ...args] : [BIN, ...args];
  const asNobody = o.unprivileged === true && process.getuid?.() === 0;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {
      cwd: o.cwd ?? REPO,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/tmp', ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asNobody ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Writes a PKI with `kubecerts init` into dir/pki and dir. */
export async function initPki(
  dir: string,
  o: { algorithm?: string; node?: string; address?: string; port?: number; faketime?: string; extra?: string[] } = {},
): Promise<{ certDir: string; kubeconfigDir: string }> {
  const certDir = join(dir, 'pki');
  const r = await runCli(
    [
      'init', '--cert-dir', certDir, '--kubeconfig-dir', dir,
      '--apiserver-advertise-address', o.address ?? '127.0.0.1',
      '--node-name', o.node ?? 'cp1',
      '--encryption-algorithm', o.algorithm ?? 'ECDSA-P256',
      '--apiserver-bind-port', String(o.port ?? 6443),
      ...(o.extra ?? []),
    ],
    o.faketime ? { faketime: o.faketime } : {},
  );
  if (r.code !== 0) throw new Error(`kubecerts init failed (${r.code}): ${r.stderr}`);
  return { certDir, kubeconfigDir: dir };
}
