/**
 * Two writing commands never both write: a lock file whose maker has not written its pid yet is held, a
 * `kubeconfig user` batch into a PKI folder takes the PKI's lock, and no command removes the temp files of another
 * one that is still running. The "other command" is this test process: its pid is alive for the CLI it starts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initPki, runCli } from '../helpers/cli.js';
import { snapshotTree, tempDir } from '../helpers/tmp.js';

/** The temp-file name a kubecerts process `pid` gives its staged `name`. */
const tempOf = (name: string, pid: number): string => `.${name}.kubecerts-${pid.toString(16).padStart(8, '0')}0123abcd.tmp`;
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid as number;

const renewAll = (k8s: string) => runCli(['certs', 'renew', 'all', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s]);
const batch = (k8s: string, outDir: string) =>
  runCli(['kubeconfig', 'user', '--client-name', 'u1', '--client-name', 'u2', '--out-dir', outDir, '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s, '--force']);

const errorLine = (stderr: string): string | undefined => stderr.split('\n').find((l) => l.startsWith('error:'));

describe('concurrent writing commands', () => {
  it.each([
    { name: 'certs renew all', run: (k8s: string) => renewAll(k8s) },
    { name: 'kubeconfig user --out-dir <kubeconfig-dir>', run: (k8s: string) => batch(k8s, k8s) },
  ])('$name stops (exit 4) at a lock file whose maker has not written its pid yet, changing nothing', async ({ run }) => {
    const k8s = tempDir();
    await initPki(k8s);
    writeFileSync(join(k8s, 'pki', '.kubecerts.lock'), '');
    const before = snapshotTree(k8s);
    const r = await run(k8s);
    expect(errorLine(r.stderr)).toMatch(/^error: another kubecerts process \(which has not written its pid yet\) holds the lock ".+\/pki\/\.kubecerts\.lock"$/);
    expect(r.code).toBe(4);
    expect(snapshotTree(k8s)).toEqual(before);
  });

  it.each([
    { name: 'the kubeconfig folder', out: (k8s: string) => k8s },
    { name: 'the cert folder', out: (k8s: string) => join(k8s, 'pki') },
    { name: 'the etcd folder', out: (k8s: string) => join(k8s, 'pki', 'etcd') },
    {
      name: 'a symbolic link to the kubeconfig folder',
      out: (k8s: string) => {
        const link = join(tempDir(), 'users');
        symlinkSync(k8s, link);
        return link;
      },
    },
  ])('a kubeconfig user batch into $name waits for the PKI lock: exit 4 while a renewal holds it, its temp files untouched', async ({ out }) => {
    const k8s = tempDir();
    await initPki(k8s);
    // a renewal in the middle of its commit: it holds the cert folder's lock and has staged admin.conf
    writeFileSync(join(k8s, 'pki', '.kubecerts.lock'), `${process.pid}\n`);
    const staged = join(k8s, tempOf('admin.conf', process.pid));
    writeFileSync(staged, 'staged admin.conf');
    const outDir = out(k8s);
    const before = snapshotTree(k8s);
    const r = await batch(k8s, outDir);
    expect(errorLine(r.stderr)).toMatch(new RegExp(`^error: another kubecerts process \\(pid ${process.pid}\\) holds the lock ".+/pki/\\.kubecerts\\.lock"$`));
    expect(r.code).toBe(4);
    expect(snapshotTree(k8s)).toEqual(before);
    expect(existsSync(join(outDir, 'u1.conf'))).toBe(false);
  });

  it('a kubeconfig user batch into the kubeconfig folder takes and releases the PKI lock, and renew then runs', async () => {
    const k8s = tempDir();
    await initPki(k8s);
    const r = await batch(k8s, k8s);
    expect(r.code).toBe(0);
    expect(existsSync(join(k8s, 'u1.conf'))).toBe(true);
    expect(existsSync(join(k8s, '.kubecerts.lock'))).toBe(false);
    expect(existsSync(join(k8s, 'pki', '.kubecerts.lock'))).toBe(false);
    expect((await renewAll(k8s)).code).toBe(0);
  });

  it('a writing command leaves the temp files of a running command (another lock or none) alone and removes those of a gone one', async () => {
    const k8s = tempDir();
    await initPki(k8s);
    const dead = deadPid();
    const live = [join(k8s, tempOf('u1.conf', process.pid)), join(k8s, 'pki', tempOf('kubelet.conf', process.pid)), join(k8s, 'pki', 'etcd', tempOf('x.conf', process.pid))];
    const gone = [join(k8s, tempOf('u2.conf', dead)), join(k8s, 'pki', '.ca.key.kubecerts-0123abcd.tmp')];
    for (const p of [...live, ...gone]) writeFileSync(p, `staged ${p}`);
    const r = await renewAll(k8s);
    expect(r.code).toBe(0);
    for (const p of live) expect(readFileSync(p, 'utf8')).toBe(`staged ${p}`);
    for (const p of gone) expect(existsSync(p), p).toBe(false);
  });
});
