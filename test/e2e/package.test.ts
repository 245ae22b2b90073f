/** `npm pack` produces a tarball that installs globally into a fresh prefix and works from any directory. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers/tmp.js';

describe('the npm package', () => {
  it('packs only what it needs, installs with npm install -g into a temp prefix, and runs from another directory', () => {
    const out = tempDir();
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: REPO, encoding: 'utf8' })) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((f) => f.path).sort();
    expect(files).toContain('dist/bin.cjs');
    expect(files).toContain('dist/main.cjs');
    expect(files).toContain('LICENSE');
    expect(files).toContain('README.md');
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('node_modules/'))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string }; license: string };
    expect(pkg.engines.node).toBe('>=20');
    expect(pkg.license).toBe('Apache-2.0');

    const prefix = tempDir();
    // dependencies come from the npm cache the repository's own install filled
    const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', join(out, packed[0]!.filename)], { encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    const bin = join(prefix, 'bin', 'kubecerts');
    const elsewhere = tempDir();
    const version = spawnSync(bin, ['--version'], { cwd: elsewhere, encoding: 'utf8' });
    expect(version.stdout).toBe(`${JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version}\n`);
    const init = spawnSync(bin, ['init', '--cert-dir', 'pki', '--kubeconfig-dir', '.', '--apiserver-advertise-address', '127.0.0.1', '--encryption-algorithm', 'ECDSA-P256'], { cwd: elsewhere, encoding: 'utf8' });
    expect(init.status, init.stderr).toBe(0);
    expect(readdirSync(join(elsewhere, 'pki'))).toContain('apiserver.crt');
    const check = spawnSync(bin, ['certs', 'check-expiration', '--cert-dir', 'pki', '--kubeconfig-dir', '.', '-o', 'json'], { cwd: elsewhere, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout).kind).toBe('CertificateExpirationInfo');
  });
});
