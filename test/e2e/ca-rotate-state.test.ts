/**
 * `ca rotate` and its state folder: the folder is checked (owner, mode, symbolic link) before any key goes into it;
 * its files are read only when they are regular files and never echoed; rollback restores only the files of the
 * phase's change set with sane modes; a forced barrier is recorded before the commit; unobservable and unreachable
 * barriers are told apart from rejections; printed commands carry this run's flags.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { initTree, rotate, rotateFlags, rotateOk } from '../helpers/rotation.js';
import { snapshotTree, tempDir } from '../helpers/tmp.js';

const stateOf = (k8s: string): string => join(k8s, '..', 'state');
const rotationOf = (k8s: string): string => join(stateOf(k8s), 'rotation');

describe('ca rotate: the state folder is checked before it is used', () => {
  it('a state folder of another user, one writable by others, a symbolic link, or a rotation/ subfolder writable by its group is refused; no key is written', async () => {
    const k8s = await initTree();
    const base = tempDir();
    const pc = join(base, 'pc');
    mkdirSync(pc);
    chmodSync(pc, 0o1777);
    execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c', `mkdir -m 777 ${pc}/state ${pc}/state/rotation`]);
    const prep = (state: string): ReturnType<typeof runCli> =>
      runCli(['ca', 'rotate', 'prepare', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s, '--state-dir', state, '--manifests-dir', join(k8s, 'manifests'), '--kubelet-dir', join(k8s, 'kubelet')]);
    const r1 = await prep(join(pc, 'state'));
    expect(r1.code).not.toBe(0);
    expect(r1.stderr).toContain(`refusing the rotation state folder "${join(pc, 'state')}": it is owned by uid 65534`);
    expect(existsSync(join(pc, 'state', 'rotation', 'staging'))).toBe(false);
    // root's own folder, but writable by others
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const r2 = await prep(open);
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toContain('it is writable by its group and others (mode 0777)');
    expect(existsSync(join(open, 'rotation'))).toBe(false);
    // a symbolic link to a private folder
    const real = join(base, 'real');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, join(base, 'link'));
    const r3 = await prep(join(base, 'link'));
    expect(r3.code).not.toBe(0);
    expect(r3.stderr).toContain('it is a symbolic link');
    expect(existsSync(join(real, 'rotation'))).toBe(false);
    // a subfolder kubecerts made, opened to its group afterwards: later phases refuse it
    await rotateOk(k8s, 'prepare');
    chmodSync(join(rotationOf(k8s), 'staging'), 0o770);
    const before = snapshotTree(k8s);
    const t = await rotate(k8s, 'trust');
    expect(t.code).not.toBe(0);
    expect(t.stderr).toContain(`refusing the rotation state folder "${join(rotationOf(k8s), 'staging')}": it is writable by its group`);
    expect(snapshotTree(k8s)).toEqual(before);
  });

  it('plan.json and in-cluster.json: a FIFO, a symbolic link or corrupt content is an error naming the file, never hangs, never echoes content', async () => {
    const k8s = await initTree();
    await rotateOk(k8s, 'prepare');
    await rotateOk(k8s, 'trust');
    const plan = join(rotationOf(k8s), 'plan.json');
    const saved = readFileSync(plan, 'utf8');
    // a secret file the plan points at
    const secret = join(k8s, '..', 'shadow');
    writeFileSync(secret, 'root:*:20200:0:99999:7:::\n', { mode: 0o600 });
    renameSync(plan, `${plan}.saved`);
    symlinkSync(secret, plan);
    const s1 = await rotate(k8s, 'status');
    expect(s1.code).not.toBe(0);
    expect(s1.stderr).toContain(`refusing the rotation state file "${plan}": it is a symbolic link`);
    expect(s1.stdout + s1.stderr).not.toContain('root:*');
    execFileSync('rm', [plan]);
    writeFileSync(plan, 'root:*:20200:0:99999:7:::\n', { mode: 0o600 });
    const s2 = await rotate(k8s, 'status');
    expect(s2.code).not.toBe(0);
    expect(s2.stderr).toContain(`the rotation plan "${plan}" is corrupt: not valid JSON`);
    expect(s2.stdout + s2.stderr).not.toContain('root:*');
    execFileSync('rm', [plan]);
    execFileSync('mkfifo', ['-m', '600', plan]);
    const started = Date.now();
    const s3 = await rotate(k8s, 'status');
    expect(s3.code).not.toBe(0);
    expect(s3.stderr).toContain(`refusing the rotation state file "${plan}": not a regular file`);
    expect(Date.now() - started).toBeLessThan(20_000);
    execFileSync('rm', [plan]);
    writeFileSync(plan, saved, { mode: 0o600 });
    // in-cluster.json: corrupt (not "nothing done"), then a FIFO; both stop before any kubectl runs
    const record = join(rotationOf(k8s), 'in-cluster.json');
    writeFileSync(record, '{"phase": "trust", "done": ', { mode: 0o600 });
    const c1 = await rotate(k8s, 'trust', '--in-cluster=apply');
    expect(c1.code).not.toBe(0);
    expect(c1.stderr).toContain(`the in-cluster record "${record}" is corrupt`);
    execFileSync('rm', [record]);
    execFileSync('mkfifo', ['-m', '600', record]);
    const c2 = await rotate(k8s, 'trust', '--in-cluster=apply');
    expect(c2.code).not.toBe(0);
    expect(c2.stderr).toContain(`refusing the rotation state file "${record}": not a regular file`);
  });
});

describe('ca rotate rollback: only the files of the phase, with sane modes', () => {
  const indexOf = (k8s: string, phase: string): string => join(rotationOf(k8s), 'backups', phase, 'index.json');
  type Entry = { path: string; absent: boolean; file?: string; mode?: number; sha256?: string };

  it('an index entry naming a file outside the phase\'s change set, or a data file outside the backup, is refused; nothing is written', async () => {
    const k8s = await initTree();
    await rotateOk(k8s, 'prepare');
    await rotateOk(k8s, 'trust');
    const index = indexOf(k8s, 'trust');
    const entries = JSON.parse(readFileSync(index, 'utf8')) as Entry[];
    const evil = 'apiVersion: v1\nkind: Pod\n';
    writeFileSync(join(rotationOf(k8s), 'backups', 'trust', '99'), evil, { mode: 0o600 });
    const outside = join(k8s, '..', 'outside-pwned');
    const sha = createHash('sha256').update(evil).digest('hex');
    for (const path of [join(k8s, 'manifests', 'evil.yaml'), outside]) {
      writeFileSync(index, JSON.stringify([...entries, { path, absent: false, file: '99', mode: 0o4755, sha256: sha }]), { mode: 0o600 });
      const before = snapshotTree(k8s);
      const r = await rotate(k8s, 'rollback');
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`names "${path}", not a file the trust phase changes`);
      expect(existsSync(path)).toBe(false);
      expect(snapshotTree(k8s)).toEqual(before);
    }
    const first = entries.find((e) => !e.absent) as Entry;
    writeFileSync(index, JSON.stringify([{ ...first, file: '../../plan.json' }, ...entries.slice(1)]), { mode: 0o600 });
    const r = await rotate(k8s, 'rollback');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('is corrupt');
  });

  it('modes from the index are masked (no setuid), key-bearing files come back 0600; the operator is told to restart the components', async () => {
    const k8s = await initTree();
    await rotateOk(k8s, 'prepare');
    await rotateOk(k8s, 'trust');
    const index = indexOf(k8s, 'trust');
    const entries = (JSON.parse(readFileSync(index, 'utf8')) as Entry[]).map((e) => (e.absent ? e : { ...e, mode: 0o4777 }));
    writeFileSync(index, JSON.stringify(entries), { mode: 0o600 });
    const r = await rotateOk(k8s, 'rollback');
    expect(statSync(join(k8s, 'pki', 'ca.crt')).mode & 0o7000).toBe(0);
    expect(statSync(join(k8s, 'admin.conf')).mode & 0o7777).toBe(0o600);
    expect(r.stdout).toContain('[rotate] restart the control-plane components');
    expect(r.stdout).toContain(`kubecerts control-plane restart all --manifests-dir ${join(k8s, 'manifests')}`);
  });
});

describe('ca rotate: barriers', () => {
  it('--force past a barrier when forced.log cannot be written: refused before the commit, nothing changed', async () => {
    const k8s = await initTree();
    await rotateOk(k8s, 'prepare');
    await rotateOk(k8s, 'trust');
    mkdirSync(join(rotationOf(k8s), 'forced.log'), { mode: 0o700 });
    const port = await freePort();
    const before = snapshotTree(k8s);
    const r = await rotate(k8s, 'reissue', '--apiserver-endpoint', `https://127.0.0.1:${port}`, '--force');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('forced.log');
    expect(snapshotTree(k8s)).toEqual(before);
    expect((await rotate(k8s, 'status')).stdout).toMatch(/^phase: trust\n/);
  });

  it('unobservable barriers are warnings (never "check passed") off a node, refusals on a node whose manifests do not name them', async () => {
    const k8s = await initTree();
    await rotateOk(k8s, 'prepare');
    await rotateOk(k8s, 'trust');
    const kubeletPort = await freePort();
    const d = await rotate(k8s, 'reissue', '--dry-run', '--kubelet-endpoint', `https://127.0.0.1:${kubeletPort}`);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain(`[rotate] WARNING: not observed: etcd: kubecerts cannot tell whether trust in the new CA is in effect there (no etcd manifest with --initial-cluster in ${join(k8s, 'manifests')} and no --etcd-endpoints); give --etcd-endpoints`);
    expect(d.stdout).toContain('[rotate] WARNING: not observed: kube-apiserver: kubecerts cannot tell whether trust in the new CA is in effect there');
    expect(d.stdout).toContain(`[rotate] WARNING: not observed: kubelet https://127.0.0.1:${kubeletPort}`);
    expect(d.stdout).not.toMatch(/check passed: [^\n]*not observed/);
    // a node: the manifests folder holds the scheduler's manifest, but nothing names etcd or kube-apiserver
    mkdirSync(join(k8s, 'manifests'), { recursive: true });
    writeFileSync(join(k8s, 'manifests', 'kube-scheduler.yaml'), 'apiVersion: v1\nkind: Pod\n');
    const before = snapshotTree(k8s);
    const r = await rotate(k8s, 'reissue');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`etcd: kubecerts cannot tell whether trust in the new CA is in effect there (no etcd manifest with --initial-cluster in ${join(k8s, 'manifests')} and no --etcd-endpoints), though ${join(k8s, 'manifests')} holds control-plane manifests`);
    expect(r.stderr).toContain('--force overrides a live barrier');
    expect(snapshotTree(k8s)).toEqual(before);
  });

  it('an etcd member nothing listens on is "cannot reach", not a rejection of the new CA', async () => {
    const k8s = await initTree();
    await rotateOk(k8s, 'prepare');
    await rotateOk(k8s, 'trust');
    const url = `https://127.0.0.1:${await freePort()}`;
    const r = await rotate(k8s, 'reissue', '--etcd-endpoints', url);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`cannot reach etcd member(s) ${url} (connection refused): whether trust is in effect there cannot be told`);
    expect(r.stderr).toContain('a connection failure is not a rejection of the new CA');
    expect(r.stderr).not.toContain('they reject a client of the new etcd CA');
  });
});

describe('ca rotate: printed commands carry this run\'s paths', () => {
  it('--in-cluster=print names the given ca.crt; a failed --in-cluster=apply says how to rerun it with the same flags', async () => {
    const k8s = await initTree();
    await rotateOk(k8s, 'prepare');
    const p = await rotateOk(k8s, 'trust', '--in-cluster=print');
    expect(p.stdout).toContain(`put the bundle ${join(k8s, 'pki', 'ca.crt')} into`);
    expect(p.stdout).toContain(`ConfigMap to ${join(k8s, 'pki', 'ca.crt')} (kubectl`);
    expect(p.stdout).not.toContain('/etc/kubernetes/pki');
    // admin.conf names a port nothing listens on
    const a = await rotate(k8s, 'trust', '--in-cluster=apply');
    expect(a.code).not.toBe(0);
    expect(a.stderr).toContain(`run "kubecerts ca rotate trust ${rotateFlags(k8s).join(' ')} --in-cluster=apply" again`);
  });

  it('plan on a folder with nothing to rotate fails as prepare does', async () => {
    const dir = tempDir();
    const r = await runCli(['ca', 'rotate', 'plan', '--cert-dir', dir, '--kubeconfig-dir', dir, '--state-dir', join(dir, 'state'), '--manifests-dir', join(dir, 'm'), '--kubelet-dir', join(dir, 'k')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`nothing to rotate in ${dir}`);
    const p = await runCli(['ca', 'rotate', 'prepare', '--cert-dir', dir, '--kubeconfig-dir', dir, '--state-dir', join(dir, 'state'), '--manifests-dir', join(dir, 'm'), '--kubelet-dir', join(dir, 'k')]);
    expect(p.code).toBe(r.code);
  });
});
