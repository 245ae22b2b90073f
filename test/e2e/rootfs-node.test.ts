/**
 * `--rootfs` on the node commands: a containerised kubecerts with the host mounted at R reads the host's manifests
 * below R, and the files those manifests name (host paths such as /etc/kubernetes/pki/apiserver.crt) below R too.
 * No component runs here, so every verdict is "down" (ports 1-6 refuse at once; the probe timeout is long so that a
 * loaded machine cannot turn a refusal into a timeout, "unknown"); what is checked is that every file was found and read.
 */
import { copyFileSync, cpSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeControlPlaneManifests } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

describe('--rootfs with control-plane status', () => {
  it('reads the manifests and the files they name inside the host root', async () => {
    const root = tempDir();
    const init = await runCli(['--rootfs', root, 'init', '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'cp1', '--encryption-algorithm', 'ECDSA-P256']);
    expect(init.code, init.stderr).toBe(0);
    const ports = { apiserver: 1, etcdClient: 2, etcdPeer: 3, etcdMetrics: 4, controllerManager: 5, scheduler: 6 };
    // the manifests name the host's paths, as on the node itself
    writeControlPlaneManifests(join(root, 'etc/kubernetes/manifests'), { name: 'cp1', dir: '/etc/kubernetes', ports });
    const r = await runCli(['--rootfs', root, 'control-plane', 'status', '-o', 'json', '--probe-timeout', '5s']);
    const report = JSON.parse(r.stdout) as { components: { component: string; verdict: string; files: { path: string; error?: string; notAfter?: string }[] }[] };
    expect(report.components).toHaveLength(4);
    for (const c of report.components) {
      expect(c.verdict, c.component).toBe('down');
      expect(c.files.length, c.component).toBeGreaterThan(0);
      for (const f of c.files) {
        expect(f.path.startsWith(`${root}/etc/kubernetes/`), f.path).toBe(true);
        expect(f.error, `${c.component} ${f.path}`).toBeUndefined();
      }
      expect(c.files.some((f) => f.notAfter !== undefined), c.component).toBe(true);
    }
    expect(r.code).toBe(5);
  });
});

describe('--rootfs with ca rotate', () => {
  it('--state-dir, --export and --import name paths inside the host root, never on the machine kubecerts runs on', async () => {
    // a top-level name of its own: were the flags not placed under the root, the files would land in /<name> here
    const name = `kubecerts-rootfs-${process.pid}-${Date.now()}`;
    const outside = join('/', name);
    try {
      const roots = [tempDir(), tempDir()];
      const flags = ['--cert-dir', `/${name}/pki`, '--kubeconfig-dir', `/${name}`, '--state-dir', `/${name}/state`, '--manifests-dir', `/${name}/manifests`, '--kubelet-dir', `/${name}/kubelet`];
      const init = await runCli(['--rootfs', roots[0] as string, 'init', '--cert-dir', `/${name}/pki`, '--kubeconfig-dir', `/${name}`, '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'cp1', '--encryption-algorithm', 'ECDSA-P256']);
      expect(init.code, init.stderr).toBe(0);
      // a second control-plane node of the same cluster
      cpSync(join(roots[0] as string, name), join(roots[1] as string, name), { recursive: true });
      const key = 'ab'.repeat(32);
      const exported = await runCli(['--rootfs', roots[0] as string, 'ca', 'rotate', 'prepare', ...flags, '--export', `/${name}/rotation.enc`, '--archive-key', key]);
      expect(exported.code, exported.stderr).toBe(0);
      expect(existsSync(join(roots[0] as string, name, 'state', 'rotation', 'plan.json'))).toBe(true);
      expect(existsSync(join(roots[0] as string, name, 'rotation.enc'))).toBe(true);
      expect(existsSync(outside)).toBe(false);
      // the second node reads the archive inside its own root
      copyFileSync(join(roots[0] as string, name, 'rotation.enc'), join(roots[1] as string, name, 'rotation.enc'));
      const imported = await runCli(['--rootfs', roots[1] as string, 'ca', 'rotate', 'prepare', ...flags, '--import', `/${name}/rotation.enc`, '--archive-key', key]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(existsSync(join(roots[1] as string, name, 'state', 'rotation', 'plan.json'))).toBe(true);
      expect(existsSync(outside)).toBe(false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
