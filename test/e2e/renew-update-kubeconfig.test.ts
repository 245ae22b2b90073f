/**
 * `certs renew --update-kubeconfig FILE` on a merged kubeconfig (made with the real kubectl) and on a node
 * credential; the private-folder rule for `--csr-only --csr-dir` and for the parent of the backup folders (renew's
 * `--backup-dir`, init --reissue's `<cert-dir>/../tmp`), with folders another user (nobody, via setpriv) owns.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { kubectl } from '../helpers/apiserver.js';
import { initPki, runCli } from '../helpers/cli.js';
import { copyFixture, digest, snapshotTree, tempDir } from '../helpers/tmp.js';

const NOBODY = 65534;
const renew = (k8s: string, args: string[]) => runCli(['certs', 'renew', ...args, '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s, '--manifests-dir', join(k8s, 'manifests')]);
/** mkdir as nobody, so the folder is another user's as it would be on a shared host */
const mkdirAsNobody = (p: string): void => {
  const r = spawnSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'mkdir', '-m', '0755', p]);
  expect(r.status, r.stderr.toString()).toBe(0);
  expect(statSync(p).uid).toBe(NOBODY);
};
/** a folder nobody can create in */
const openParent = (): string => {
  const d = join(tempDir(), 'shared');
  mkdirSync(d);
  chmodSync(d, 0o1777);
  return d;
};
const userData = (text: string, user: string): Record<string, string> => {
  const kc = yaml.load(text) as { users: { name: string; user: Record<string, string> }[] };
  return kc.users.find((u) => u.name === user)?.user ?? {};
};

describe('certs renew --update-kubeconfig', () => {
  it('a merged kubeconfig gets the renewed admin credentials; every other byte identical; 0600', async () => {
    const k8s = copyFixture('v1.29');
    const dir = tempDir();
    const other = join(dir, 'other.conf');
    writeFileSync(other, 'apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://other.example:6443\n  name: other\nusers:\n- name: robot\n  user:\n    token: abc\ncontexts:\n- context:\n    cluster: other\n    user: robot\n  name: robot@other\ncurrent-context: robot@other\n');
    const merged = join(dir, 'config');
    const view = spawnSync('kubectl', ['config', 'view', '--flatten', '--raw'], { env: { ...process.env, KUBECONFIG: `${other}:${join(k8s, 'admin.conf')}` } });
    expect(view.status, view.stderr.toString()).toBe(0);
    writeFileSync(merged, view.stdout, { mode: 0o644 });
    const before = readFileSync(merged, 'utf8');
    const oldAdmin = userData(before, 'kubernetes-admin');
    expect(oldAdmin['client-certificate-data']).toBe(userData(readFileSync(join(k8s, 'admin.conf'), 'utf8'), 'kubernetes-admin')['client-certificate-data']);

    const r = await renew(k8s, ['admin.conf', '--update-kubeconfig', merged]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`[kubeconfig] replaced the credentials of user "kubernetes-admin" in ${merged} with the renewed ones of ${join(k8s, 'admin.conf')}`);
    const after = readFileSync(merged, 'utf8');
    const renewed = userData(readFileSync(join(k8s, 'admin.conf'), 'utf8'), 'kubernetes-admin');
    expect(renewed['client-certificate-data']).not.toBe(oldAdmin['client-certificate-data']);
    expect(userData(after, 'kubernetes-admin')).toEqual({ 'client-certificate-data': renewed['client-certificate-data'], 'client-key-data': renewed['client-key-data'] });
    // exactly the two values changed: putting the old ones back gives the old file byte for byte
    const restored = after
      .replace(renewed['client-certificate-data'] as string, oldAdmin['client-certificate-data'] as string)
      .replace(renewed['client-key-data'] as string, oldAdmin['client-key-data'] as string);
    expect(restored).toBe(before);
    expect(userData(after, 'robot')).toEqual({ token: 'abc' });
    expect(statSync(merged).mode & 0o777).toBe(0o600);
    // kubectl reads the result and still sees both contexts
    const ctx = await kubectl(['--kubeconfig', merged, 'config', 'get-contexts', '-o', 'name']);
    expect(ctx.stdout.split('\n').filter(Boolean).sort()).toEqual(['kubernetes-admin@kubernetes', 'robot@other']);
    // the old copy went into the run's backup folder, 0600
    const root = join(k8s, 'tmp');
    const [backup] = readdirSync(root);
    const copy = join(root, backup as string, 'update-kubeconfig-1-config');
    expect(readFileSync(copy, 'utf8')).toBe(before);
    expect(statSync(copy).mode & 0o777).toBe(0o600);
  });

  it('a node credential (kubelet.conf) is refused with the identity it holds, before anything is renewed', async () => {
    const k8s = copyFixture('v1.29');
    const copy = join(tempDir(), 'kubelet.conf');
    copyFileSync(join(k8s, 'kubelet.conf'), copy);
    const before = snapshotTree(k8s);
    const copyBefore = digest(readFileSync(copy));
    const r = await renew(k8s, ['all', '--update-kubeconfig', copy]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${copy} holds no credentials of`);
    expect(r.stderr).toContain('user "system:node:');
    expect(snapshotTree(k8s)).toEqual(before);
    expect(digest(readFileSync(copy))).toBe(copyBefore);
  });
});

describe('private folders for keys and backups', () => {
  it.runIf(process.getuid?.() === 0)('--csr-dir owned by another user, writable by others, or a symlink is refused; a new one is made 0700', async () => {
    const k8s = copyFixture('v1.29');
    const before = snapshotTree(k8s);
    const parent = openParent();
    const foreign = join(parent, 'csrs');
    mkdirAsNobody(foreign);
    const r1 = await renew(k8s, ['all', '--csr-only', '--csr-dir', foreign]);
    expect(r1.code).not.toBe(0);
    expect(r1.stderr).toContain(`refusing --csr-dir "${foreign}": it is owned by uid ${NOBODY}, not by the running user (uid 0)`);
    expect(readdirSync(foreign)).toEqual([]);
    const open = join(parent, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const r2 = await renew(k8s, ['all', '--csr-only', '--csr-dir', open]);
    expect(r2.stderr).toContain(`refusing --csr-dir "${open}": it is writable by its group and others (mode 0777)`);
    expect(readdirSync(open)).toEqual([]);
    const target = join(tempDir(), 'target');
    mkdirSync(target, { mode: 0o700 });
    const link = join(parent, 'link');
    symlinkSync(target, link);
    const r3 = await renew(k8s, ['all', '--csr-only', '--csr-dir', link]);
    expect(r3.stderr).toContain(`refusing --csr-dir "${link}": it is a symbolic link`);
    expect(readdirSync(target)).toEqual([]);
    expect(snapshotTree(k8s)).toEqual(before);
    const fresh = join(tempDir(), 'new', 'csrs');
    const ok = await renew(k8s, ['apiserver', '--csr-only', '--csr-dir', fresh]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    expect(readdirSync(fresh).sort()).toEqual(['apiserver.csr', 'apiserver.key']);
  });

  it.runIf(process.getuid?.() === 0)('a --backup-dir another user owns, or a symlink, is refused with one line and nothing is renewed', async () => {
    const k8s = copyFixture('v1.29');
    const before = snapshotTree(k8s);
    const parent = openParent();
    const foreign = join(parent, 'backups');
    mkdirAsNobody(foreign);
    const r = await renew(k8s, ['all', '--backup-dir', foreign]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(`error: refusing backup folder parent "${foreign}": it is owned by uid ${NOBODY}, not by the running user (uid 0)`);
    expect(readdirSync(foreign)).toEqual([]);
    expect(snapshotTree(k8s)).toEqual(before);
    const link = join(parent, 'link');
    symlinkSync(tempDir(), link);
    const r2 = await renew(k8s, ['all', '--backup-dir', link]);
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toContain(`refusing backup folder parent "${link}": it is a symbolic link`);
    expect(snapshotTree(k8s)).toEqual(before);
  });

  it.runIf(process.getuid?.() === 0)('init --reissue refuses a <cert-dir>/../tmp another user owns', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir, { address: '192.0.2.10', node: 'cp-1' });
    const tmp = join(dir, 'tmp');
    expect(existsSync(tmp)).toBe(false);
    chmodSync(dir, 0o1777);
    mkdirAsNobody(tmp);
    chmodSync(dir, 0o755);
    const crt = digest(readFileSync(join(certDir, 'apiserver.crt')));
    const r = await runCli(['init', 'phase', 'certs', 'apiserver', '--cert-dir', certDir, '--apiserver-advertise-address', '192.0.2.10', '--node-name', 'cp-1', '--apiserver-cert-extra-sans', 'api.example.test', '--reissue']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`refusing backup folder parent "${tmp}": it is owned by uid ${NOBODY}`);
    expect(digest(readFileSync(join(certDir, 'apiserver.crt')))).toBe(crt);
    expect(readdirSync(tmp)).toEqual([]);
    chownSync(tmp, 0, 0);
  });
});
