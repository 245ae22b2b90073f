/**
 * --rootfs resolves every symbolic link inside the root, as kubeadm's chroot does: an absolute target /x means
 * ROOT/x, `..` never climbs above ROOT, and a loop is an error (never "missing"). A --rootfs that is not a folder
 * is an error before anything runs.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, readFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeControlPlaneManifests } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

async function rootWithPki(): Promise<{ root: string; pki: string }> {
  const root = tempDir();
  const r = await runCli(['--rootfs', root, 'init', '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'cp1']);
  expect(r.code).toBe(0);
  return { root, pki: join(root, 'etc/kubernetes/pki') };
}

/** A kubelet client certificate (cert + key in one PEM) signed by the root's CA, as the kubelet rotates it. */
function kubeletClientPem(pki: string, dir: string): string {
  execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k'), '-subj', '/O=system:nodes/CN=system:node:cp1', '-out', join(dir, 'c')], { stdio: 'ignore' });
  const cert = execFileSync('openssl', ['x509', '-req', '-in', join(dir, 'c'), '-CA', join(pki, 'ca.crt'), '-CAkey', join(pki, 'ca.key'), '-CAcreateserial', '-CAserial', join(dir, 'srl'), '-days', '300'], { stdio: ['ignore', 'pipe', 'ignore'] });
  return cert.toString() + readFileSync(join(dir, 'k'), 'utf8');
}

const kubeletRow = (json: string): { missing: boolean; unreadable?: boolean; path?: string } =>
  (JSON.parse(json) as { certificates: { name: string; missing: boolean; unreadable?: boolean; path?: string }[] }).certificates.find((c) => c.name === 'kubelet-client') as never;

describe('--rootfs follows symbolic links inside the root', () => {
  it('reads: the kubelet\'s absolute kubelet-client-current.pem link resolves inside the root', async () => {
    const { root, pki } = await rootWithPki();
    const kdir = join(root, 'var/lib/kubelet/pki');
    mkdirSync(kdir, { recursive: true });
    writeFileSync(join(kdir, 'kubelet-client-2026-01-01-00-00-00.pem'), kubeletClientPem(pki, root), { mode: 0o600 });
    symlinkSync('/var/lib/kubelet/pki/kubelet-client-2026-01-01-00-00-00.pem', join(kdir, 'kubelet-client-current.pem'));
    const r = await runCli(['--rootfs', root, 'certs', 'check-expiration', '--include-kubelet', '-o', 'json']);
    expect(r.code).toBe(0);
    const row = kubeletRow(r.stdout);
    expect(row.missing).toBe(false);
    const prom = await runCli(['--rootfs', root, 'certs', 'check-expiration', '--include-kubelet', '-o', 'prometheus']);
    expect(prom.stdout).toMatch(/kubecerts_certificate_missing\{name="kubelet-client"[^}]*\} 0\n/);
  });

  it('reads: a symbolic-link loop is unreadable (an error), not missing', async () => {
    const { root } = await rootWithPki();
    const kdir = join(root, 'var/lib/kubelet/pki');
    mkdirSync(kdir, { recursive: true });
    symlinkSync('/var/lib/kubelet/pki/b', join(kdir, 'kubelet-client-current.pem'));
    symlinkSync('/var/lib/kubelet/pki/kubelet-client-current.pem', join(kdir, 'b'));
    const r = await runCli(['--rootfs', root, 'certs', 'check-expiration', '--include-kubelet', '-o', 'prometheus']);
    expect(r.stdout).toMatch(/kubecerts_certificate_missing\{name="kubelet-client"[^}]*\} 0\n/);
    expect(r.stdout).toMatch(/kubecerts_certificate_unreadable\{name="kubelet-client"[^}]*\} 1\n/);
  });

  it('writes: renew replaces an absolute link\'s target inside the root; `..` cannot climb out; nothing outside changes', async () => {
    const { root, pki } = await rootWithPki();
    const outside = tempDir();
    const twin = join(root, outside);
    mkdirSync(twin, { recursive: true });
    for (const f of ['apiserver.crt', 'apiserver.key']) {
      copyFileSync(join(pki, f), join(outside, f));
      copyFileSync(join(pki, f), join(twin, f));
      unlinkSync(join(pki, f));
    }
    // absolute target, and a relative one with more `..` than there are folders above it
    symlinkSync(join(outside, 'apiserver.crt'), join(pki, 'apiserver.crt'));
    symlinkSync(`../../../../../../../../..${join(outside, 'apiserver.key')}`, join(pki, 'apiserver.key'));
    const before = { crt: readFileSync(join(outside, 'apiserver.crt')), key: readFileSync(join(outside, 'apiserver.key')) };
    const twinBefore = readFileSync(join(twin, 'apiserver.crt'));
    const r = await runCli(['--rootfs', root, 'certs', 'renew', 'apiserver']);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(readFileSync(join(outside, 'apiserver.crt'))).toEqual(before.crt);
    expect(readFileSync(join(outside, 'apiserver.key'))).toEqual(before.key);
    expect(readFileSync(join(twin, 'apiserver.crt'))).not.toEqual(twinBefore);
    expect(lstatSync(join(pki, 'apiserver.crt')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(pki, 'apiserver.key')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(twin, 'apiserver.key')).mode & 0o777).toBe(0o600);
  });
});

describe('--rootfs: control-plane status reads linked files inside the root too', () => {
  it('a certificate the manifests name, linked absolutely, is read from inside the root', async () => {
    const { root, pki } = await rootWithPki();
    const real = join(root, 'srv/pki');
    mkdirSync(real, { recursive: true });
    renameSync(join(pki, 'apiserver.crt'), join(real, 'apiserver.crt'));
    symlinkSync('/srv/pki/apiserver.crt', join(pki, 'apiserver.crt'));
    const ports = { apiserver: 1, etcdClient: 2, etcdPeer: 3, etcdMetrics: 4, controllerManager: 5, scheduler: 6 };
    writeControlPlaneManifests(join(root, 'etc/kubernetes/manifests'), { name: 'cp1', dir: '/etc/kubernetes', ports });
    const r = await runCli(['--rootfs', root, 'control-plane', 'status', '-o', 'json', '--probe-timeout', '200ms']);
    const report = JSON.parse(r.stdout) as { components: { component: string; files: { path: string; error?: string; notAfter?: string }[] }[] };
    const api = report.components.find((c) => c.component === 'kube-apiserver')?.files.find((f) => f.path.endsWith('/pki/apiserver.crt'));
    expect(api?.error).toBeUndefined();
    expect(api?.notAfter).toBeDefined();
  });
});

describe('--rootfs must name a folder', () => {
  it('a path that does not exist, or a file, is a one-line error with exit 1 before anything runs', async () => {
    const dir = tempDir();
    const gone = join(dir, 'nosuch');
    const r = await runCli(['--rootfs', gone, 'certs', 'check-expiration', '--fail-within', '30d']);
    expect(r.stderr).toBe(`error: unable to use --rootfs "${gone}": no such file or directory\n`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
    const file = join(dir, 'f');
    writeFileSync(file, '');
    const f = await runCli(['certs', 'check-expiration', `--rootfs=${file}`]);
    expect(f.stderr).toBe(`error: unable to use --rootfs "${file}": not a directory\n`);
    expect(f.code).toBe(1);
  });
});

describe('--rootfs: a linked folder resolves inside the root for locks, backups and new files', () => {
  it('/etc/kubernetes linked absolutely: renew locks, backs up and writes inside the root only', async () => {
    const { root } = await rootWithPki();
    // the host's /etc/kubernetes is a link to /data/kubernetes: without the root, that folder does not exist
    mkdirSync(join(root, 'data'), { recursive: true });
    renameSync(join(root, 'etc/kubernetes'), join(root, 'data/kubernetes'));
    symlinkSync('/data/kubernetes', join(root, 'etc/kubernetes'));
    const r = await runCli(['--rootfs', root, 'certs', 'renew', 'apiserver']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(join(root, 'data/kubernetes/tmp/kubecerts-backup-'));
    expect(lstatSync(join(root, 'etc/kubernetes')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(root, 'data/kubernetes/tmp')).isDirectory()).toBe(true);
  });
});
