/**
 * The V8 code cache of dist/main.cjs is used only where it matches: its name carries main.cjs's SHA-256, the Node.js
 * version and the architecture, because V8's own check (its version, its flags, the source's length) accepts a cache
 * for a different main.cjs of the same length and would then run stale code; a cache V8 rejects is ignored.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initPki } from '../helpers/cli.js';
import { REPO, tempDir } from '../helpers/tmp.js';

const DIST = join(REPO, 'dist');
const cacheName = (source: string | Buffer): string => `main.cjs.${createHash('sha256').update(source).digest('hex').slice(0, 16)}.${process.version}-${process.arch}.cache`;

/** Whether V8 rejects `cache` for `file` in a node started with `flags`, compiled as bin.cjs compiles it. */
function rejected(file: string, cache: string, flags: string[] = []): boolean {
  const probe = `const { readFileSync } = require('node:fs'); const { wrap } = require('node:module'); const { Script } = require('node:vm');
const s = new Script(wrap(readFileSync(${JSON.stringify(file)}, 'utf8')), { filename: ${JSON.stringify(file)}, cachedData: readFileSync(${JSON.stringify(cache)}) });
process.stdout.write(String(s.cachedDataRejected));`;
  const r = spawnSync(process.execPath, [...flags, '-e', probe], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout === 'true';
}

describe('the V8 code cache of main.cjs', () => {
  let pki = { certDir: '', kubeconfigDir: '' };
  beforeAll(async () => {
    pki = await initPki(tempDir());
  });
  const check = (bin: string, env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [bin, 'certs', 'check-expiration', '--cert-dir', pki.certDir, '--kubeconfig-dir', pki.kubeconfigDir], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', ...env } });

  it('is named after main.cjs, the Node.js version and the architecture, and V8 accepts it here', () => {
    const caches = readdirSync(DIST).filter((f) => f.endsWith('.cache'));
    expect(caches).toEqual([cacheName(readFileSync(join(DIST, 'main.cjs')))]);
    expect(rejected(join(DIST, 'main.cjs'), join(DIST, caches[0]!))).toBe(false);
  });

  it('V8 rejects it under other V8 flags, and kubecerts then compiles main.cjs and works the same', () => {
    const cache = join(DIST, cacheName(readFileSync(join(DIST, 'main.cjs'))));
    expect(rejected(join(DIST, 'main.cjs'), cache, ['--max-old-space-size=100'])).toBe(true);
    const plain = check(join(DIST, 'bin.cjs'));
    const flagged = check(join(DIST, 'bin.cjs'), { NODE_OPTIONS: '--max-old-space-size=100' });
    expect(flagged.status, flagged.stderr).toBe(0);
    expect(flagged.stdout.replace(/\d+[dhm]/g, '')).toBe(plain.stdout.replace(/\d+[dhm]/g, ''));
  });

  it("stack traces name kubecerts/dist/main.cjs, not the build machine's path", () => {
    const copy = join(tempDir(), 'dist');
    cpSync(DIST, copy, { recursive: true, filter: (src) => !/kubecerts(\.sha256|\.source)?$/.test(src) });
    const bad = tempDir();
    mkdirSync(join(bad, 'pki'));
    writeFileSync(join(bad, 'pki', 'ca.crt'), 'not a certificate\n');
    const r = spawnSync(process.execPath, [join(copy, 'bin.cjs'), 'certs', 'check-expiration', '--cert-dir', join(bad, 'pki'), '--kubeconfig-dir', bad], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', KUBECERTS_DEBUG: '1' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\n {4}at .*\(kubecerts\/dist\/main\.cjs:\d+:\d+\)/);
    expect(r.stderr).not.toContain(DIST);
  });

  it('a main.cjs changed but of the same length does not run the old cache, which V8 alone would accept', () => {
    const copy = join(tempDir(), 'dist');
    cpSync(DIST, copy, { recursive: true, filter: (src) => !/kubecerts(\.sha256|\.source)?$/.test(src) });
    const old = readFileSync(join(copy, 'main.cjs'), 'utf8');
    const changed = old.replace(/EXTERNALLY MANAGED/g, 'EXTERNALLY MANAGEX');
    expect(changed.length).toBe(old.length);
    writeFileSync(join(copy, 'main.cjs'), changed);
    // V8 accepts the old cache for the changed source ...
    expect(rejected(join(copy, 'main.cjs'), join(copy, cacheName(old)))).toBe(false);
    // ... and would run the old code: under the name bin.cjs looks for, the header keeps the old text
    renameSync(join(copy, cacheName(old)), join(copy, cacheName(changed)));
    expect(check(join(copy, 'bin.cjs')).stdout.split('\n')[0]).toMatch(/EXTERNALLY MANAGED$/);
    // bin.cjs reads no cache made for other source
    rmSync(join(copy, cacheName(changed)));
    cpSync(join(DIST, cacheName(old)), join(copy, cacheName(old)));
    const r = check(join(copy, 'bin.cjs'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/EXTERNALLY MANAGEX$/);
  });
});
