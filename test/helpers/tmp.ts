import { mkdtempSync, rmSync, cpSync, chmodSync, chownSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(REPO, '..', 'shared', 'fixtures', 'real-pki');

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh temp dir, removed after the test file. Mode 0755 so an unprivileged child can enter it. */
export function tempDir(prefix = 'kubecerts-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(d, 0o755);
  made.push(d);
  return d;
}

/** Copies a real kubeadm tree (read-only in shared/) and gives it kubeadm's modes: keys 0600, the rest 0644. */
export function copyFixture(version: 'v1.16' | 'v1.29', dest = join(tempDir(), 'kubernetes')): string {
  cpSync(join(FIXTURES, version), dest, { recursive: true });
  const walk = (d: string): void => {
    chmodSync(d, 0o755);
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else chmodSync(p, /\.(key|conf)$/.test(n) ? 0o600 : 0o644);
    }
  };
  walk(dest);
  return dest;
}

/** SHA-256 of some bytes, hex. */
export const digest = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** Every file below `dir` with the digest of its bytes (symlinks by target), for "nothing changed" assertions. */
export function snapshotTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.set(p.slice(dir.length + 1), `symlink -> ${readlinkSync(p)}`);
      else if (st.isDirectory()) walk(p);
      else out.set(p.slice(dir.length + 1), digest(readFileSync(p)));
    }
  };
  walk(dir);
  return out;
}

/** Hands a whole tree to uid/gid 65534 (when we are root), so an unprivileged CLI run owns it. */
export function chownTreeToNobody(dir: string): void {
  if (process.getuid?.() !== 0) return;
  const walk = (d: string): void => {
    chownSync(d, 65534, 65534);
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (lstatSync(p).isDirectory()) walk(p);
      else chownSync(p, 65534, 65534);
    }
  };
  walk(dir);
}

/** Every kubecerts temp file (`.<name>.kubecerts-<hex>.tmp`) below `dir`; a missing dir has none. */
/** A pid lock file (or takeover guard) written aside before it is linked into place (src/store/file-lock.ts). */
export const LOCK_STAGING = /\.kubecerts\.lock(\.takeover)?\.\d+\.[0-9a-f]{8}\.new$/;

export function kubecertsTemps(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (lstatSync(p).isDirectory()) walk(p);
      else if (/kubecerts-[0-9a-f]+\.tmp$/.test(n) || LOCK_STAGING.test(n)) out.push(p);
    }
  };
  try {
    walk(dir);
  } catch {
    // absent
  }
  return out;
}
