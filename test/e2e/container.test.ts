/**
 * The container recipe, checked without a container engine: the Dockerfile's COPY sources exist after
 * `npm run build:sea` and pass .dockerignore, its entry point is the copied executable, the executable needs only the
 * libraries of the distroless/cc base, and the README's `docker run … --rootfs /host …` commands work when the
 * single executable runs them against a PKI placed where their volume mounts put the host's /etc/kubernetes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { createProgram } from '../../src/cli/program.js';
import { ensureSea } from '../helpers/sea.js';
import { REPO, tempDir } from '../helpers/tmp.js';

const DOCKERFILE = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
const instructions = DOCKERFILE.split('\n').filter((l) => /^[A-Z]+ /.test(l));
const copies = instructions.filter((l) => l.startsWith('COPY ')).map((l) => l.split(/\s+/).slice(1) as [string, string]);
/** distroless/cc-debian12: glibc 2.36, libstdc++ of GCC 12 (GLIBCXX_3.4.30), libgcc_s */
const BASE_LIBS = new Set(['libc.so.6', 'libm.so.6', 'libdl.so.2', 'libpthread.so.0', 'librt.so.1', 'libstdc++.so.6', 'libgcc_s.so.1', 'ld-linux-x86-64.so.2']);
const BASE_MAX: Record<string, string> = { GLIBC: '2.36', GLIBCXX: '3.4.30', CXXABI: '1.3.13', GCC: '12.0.0' };

/** `docker run` lines of the README: mounts, image and the arguments after it. */
const RUNS = readFileSync(join(REPO, 'README.md'), 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('docker run '))
  .map((l) => {
    const words = l.split(/\s+/);
    const mounts: [string, string][] = [];
    let i = 2;
    for (; words[i]!.startsWith('-'); i++) if (words[i] === '-v') mounts.push(words[++i]!.split(':').slice(0, 2) as [string, string]);
    return { line: l, mounts, image: words[i]!, args: words.slice(i + 1) };
  });

const versionAtMost = (v: string, max: string): boolean => {
  const a = v.split('.').map(Number);
  const b = max.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return true;
};

describe('the container recipe', () => {
  let sea = '';
  beforeAll(() => {
    sea = ensureSea();
  });

  it('copies the single executable onto the minimal base and runs it as the entry point', () => {
    expect(instructions[0]).toBe('FROM gcr.io/distroless/cc-debian12');
    expect(copies).toEqual([['dist/kubecerts', '/usr/local/bin/kubecerts']]);
    for (const [src] of copies) expect(existsSync(join(REPO, src)), src).toBe(true);
    expect(instructions).toContain('ENTRYPOINT ["/usr/local/bin/kubecerts"]');
    // .dockerignore excludes everything but what is copied
    const ignore = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore).toEqual(['*', ...copies.map(([src]) => `!${src}`)]);
  });

  it('the executable needs only the libraries and symbol versions of distroless/cc-debian12', () => {
    const dynamic = execFileSync('readelf', ['-d', sea], { encoding: 'utf8' });
    const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[(.+?)\]/g)].map((m) => m[1]!);
    expect(needed.length).toBeGreaterThan(0);
    expect(needed.filter((l) => !BASE_LIBS.has(l))).toEqual([]);
    const versions = execFileSync('objdump', ['-p', sea], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const wanted = [...versions.matchAll(/ (GLIBC|GLIBCXX|CXXABI|GCC)_([0-9.]+)\n/g)].map((m) => [m[1]!, m[2]!] as const);
    expect(wanted.length).toBeGreaterThan(0);
    expect(wanted.filter(([lib, v]) => !versionAtMost(v, BASE_MAX[lib]!))).toEqual([]);
  });

  it('the README runs it with --rootfs /host and mounts the host folders at the same path below /host', () => {
    expect(RUNS.length).toBeGreaterThanOrEqual(2);
    for (const r of RUNS) {
      expect(r.image, r.line).toBe('kubecerts');
      expect(r.args.slice(0, 2), r.line).toEqual(['--rootfs', '/host']);
      for (const [host, inside] of r.mounts) expect(inside, r.line).toBe(`/host${host}`);
      expect(r.mounts.map(([host]) => host), r.line).toContain('/etc/kubernetes');
    }
  });

  it('the README commands succeed against a PKI where their mounts put it', () => {
    const root = tempDir();
    const hostRoot = join(root, 'host');
    mkdirSync(join(hostRoot, 'etc', 'kubernetes'), { recursive: true });
    const init = spawnSync(sea, ['init', '--cert-dir', join(hostRoot, 'etc/kubernetes/pki'), '--kubeconfig-dir', join(hostRoot, 'etc/kubernetes'), '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'cp1', '--encryption-algorithm', 'ECDSA-P256'], { encoding: 'utf8' });
    expect(init.status, init.stderr).toBe(0);
    const io: Io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, now: () => new Date() };
    // --rootfs comes with the kubeadm-conformance work; until it is in the program, the same paths as flags
    const hasRootfs = createProgram(io).options.some((o) => o.long === '--rootfs');
    for (const r of RUNS) {
      const rest = r.args.slice(2);
      const args = hasRootfs ? ['--rootfs', hostRoot, ...rest] : [...rest, '--cert-dir', join(hostRoot, 'etc/kubernetes/pki'), '--kubeconfig-dir', join(hostRoot, 'etc/kubernetes')];
      const run = spawnSync(sea, args, { encoding: 'utf8', cwd: root, env: { PATH: '/usr/bin:/bin' } });
      expect(run.status, `${r.line}: ${run.stderr}`).toBe(0);
      expect(run.stdout, r.line).toMatch(/CERTIFICATE AUTHORITY|Done renewing certificates/);
    }
  });
});
