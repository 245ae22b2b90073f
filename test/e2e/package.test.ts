/**
 * `npm pack` in a fresh clone (no dist/ yet: prepack builds it) produces a tarball that installs globally into a
 * fresh prefix without any dependency, with its man page, and works from any directory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers/tmp.js';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; engines: { node: string }; license: string; dependencies?: object; man: string[] };

/** A clone of the repository with the working tree's tracked and new files on top (so uncommitted work is tested too). */
function freshClone(): string {
  const clone = join(tempDir(), 'kubecerts');
  execFileSync('git', ['clone', '--quiet', REPO, clone]);
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter((f) => f !== '');
  for (const f of files) {
    if (!existsSync(join(REPO, f))) continue;
    mkdirSync(dirname(join(clone, f)), { recursive: true });
    copyFileSync(join(REPO, f), join(clone, f));
  }
  return clone;
}

describe('the npm package', () => {
  it('packs from a fresh clone, installs with npm install -g into a temp prefix with no dependencies, and runs from another directory', () => {
    expect(pkg.engines.node).toBe('>=20');
    expect(pkg.license).toBe('Apache-2.0');
    // everything kubecerts loads is bundled into dist/
    expect(pkg.dependencies ?? {}).toEqual({});

    const clone = freshClone();
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    // dependencies come from the npm cache the repository's own install filled
    const ci = spawnSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone, encoding: 'utf8' });
    expect(ci.status, ci.stderr).toBe(0);
    const out = tempDir();
    const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: clone, encoding: 'utf8' });
    expect(pack.status, pack.stderr).toBe(0);
    const packed = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    const cache = `dist/main.cjs.${createHash('sha256').update(readFileSync(join(clone, 'dist', 'main.cjs'))).digest('hex').slice(0, 16)}.${process.version}-${process.arch}.cache`;
    expect(packed[0]!.files.map((f) => f.path).sort()).toEqual(
      ['LICENSE', 'README.md', 'dist/bin.cjs', 'dist/kubecerts.1', 'dist/main.cjs', cache, 'dist/table.cjs', 'dist/x509.cjs', 'dist/yaml.cjs', 'dist/etcd3.cjs', 'package.json'].sort(),
    );

    const prefix = tempDir();
    const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(out, packed[0]!.filename)], { encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    expect(readdirSync(join(prefix, 'lib', 'node_modules', 'kubecerts'))).not.toContain('node_modules');
    const bin = join(prefix, 'bin', 'kubecerts');
    const elsewhere = tempDir();
    const env = { PATH: '/usr/bin:/bin', HOME: elsewhere };
    const version = spawnSync(bin, ['--version'], { cwd: elsewhere, encoding: 'utf8', env });
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: clone, encoding: 'utf8' }).trim();
    expect(version.stdout).toMatch(new RegExp(`^${pkg.version.replace(/\./g, '\\.')}\\ncommit: ${head}(-dirty)?\\nnode: ${process.version.replace(/\./g, '\\.')}\\n$`));

    // the man page is installed where man finds it
    const man = spawnSync('man', ['-M', join(prefix, 'share', 'man'), '-P', 'cat', 'kubecerts'], { encoding: 'utf8', env: { ...env, MANWIDTH: '100' } });
    expect(man.status, man.stderr).toBe(0);
    expect(man.stdout).toMatch(/kubecerts certs renew/);

    const init = spawnSync(bin, ['init', '--cert-dir', 'pki', '--kubeconfig-dir', '.', '--apiserver-advertise-address', '127.0.0.1', '--encryption-algorithm', 'ECDSA-P256'], { cwd: elsewhere, encoding: 'utf8', env });
    expect(init.status, init.stderr).toBe(0);
    expect(readdirSync(join(elsewhere, 'pki'))).toContain('apiserver.crt');
    const check = spawnSync(bin, ['certs', 'check-expiration', '--cert-dir', 'pki', '--kubeconfig-dir', '.', '-o', 'wide', '--no-color'], { cwd: elsewhere, encoding: 'utf8', env });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/apiserver .*ECDSA/);
  });
});
