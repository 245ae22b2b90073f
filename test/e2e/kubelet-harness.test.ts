/**
 * The control-plane node harness used by the restart and rotation tests: a kubelet-like static-pod loop over
 * kubeadm-shaped manifests (no real kubelet or kube-apiserver can run here; see test/helpers/kubelet.ts), real etcd,
 * a stand-in kube-apiserver reached with the real kubectl, and stand-in controller-manager and scheduler that use
 * their kubeconfigs from `kubecerts init`. Checks that the files kubecerts writes bring the whole node up, and that
 * the harness stops and restarts a component when its manifest leaves and comes back, as the kubelet does.
 */
import { readFileSync, renameSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlVersion } from '../helpers/apiserver.js';
import { initPki } from '../helpers/cli.js';
import { KubeletHarness } from '../helpers/kubelet.js';
import { writeControlPlaneManifests, type NodePorts } from '../helpers/manifests.js';
import { freePort } from '../helpers/net.js';
import { tempDir } from '../helpers/tmp.js';

/** HTTP status of an anonymous HTTPS GET without verifying the server (a kubelet probe), 0 when nothing answers. */
const probe = (url: string): Promise<number> =>
  new Promise((resolve) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });

async function until(what: string, check: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('kubelet harness with a node made by kubecerts init', () => {
  let kubelet: KubeletHarness | undefined;
  let dir = '';
  let ports: NodePorts;
  const manifests = (): string => join(dir, 'manifests');
  beforeAll(async () => {
    dir = tempDir();
    ports = {
      apiserver: await freePort(), etcdClient: await freePort(), etcdPeer: await freePort(), etcdMetrics: await freePort(),
      controllerManager: await freePort(), scheduler: await freePort(),
    };
    await initPki(dir, { node: 'cp1', port: ports.apiserver });
    writeControlPlaneManifests(manifests(), { name: 'cp1', dir, ports });
    kubelet = new KubeletHarness({ manifestsDir: manifests(), fileCheckFrequencyMs: 200 });
    kubelet.start();
  });
  afterAll(async () => {
    await kubelet?.stop();
  });

  it('brings every component up and healthy', async () => {
    await until(`apiserver /readyz (${kubelet?.log('kube-apiserver.yaml')} ${kubelet?.log('etcd.yaml')})`, async () => (await probe(`https://127.0.0.1:${ports.apiserver}/readyz`)) === 200);
    await until('controller-manager /healthz', async () => (await probe(`https://127.0.0.1:${ports.controllerManager}/healthz`)) === 200);
    await until('scheduler /healthz', async () => (await probe(`https://127.0.0.1:${ports.scheduler}/healthz`)) === 200);
    for (const [file, name] of [['kube-apiserver.yaml', 'kube-apiserver'], ['etcd.yaml', 'etcd'], ['kube-scheduler.yaml', 'kube-scheduler']]) {
      const argv = readFileSync(`/proc/${kubelet?.pid(file as string)}/cmdline`, 'utf8').split('\0');
      expect(argv[0]).toBe(name);
      expect(argv.some((a) => a.startsWith('--'))).toBe(true);
    }
    const v = await kubectlVersion(join(dir, 'admin.conf'));
    expect(v.out).toContain('v1.31.0');
    expect(v.code).toBe(0);
  });

  it('stops a component whose manifest leaves the folder and starts it again when it returns', async () => {
    const k = kubelet as KubeletHarness;
    const before = k.pid('kube-apiserver.yaml');
    expect(before).toBeGreaterThan(0);
    const held = join(dir, 'kube-apiserver.yaml.held');
    renameSync(join(manifests(), 'kube-apiserver.yaml'), held);
    await until('apiserver gone', async () => (await probe(`https://127.0.0.1:${ports.apiserver}/livez`)) === 0);
    await until('controller-manager unhealthy', async () => (await probe(`https://127.0.0.1:${ports.controllerManager}/healthz`)) === 500);
    renameSync(held, join(manifests(), 'kube-apiserver.yaml'));
    await until('apiserver back', async () => (await probe(`https://127.0.0.1:${ports.apiserver}/readyz`)) === 200);
    expect(k.pid('kube-apiserver.yaml')).not.toBe(before);
    const stops = k.events.filter((e) => e.component === 'kube-apiserver' && e.event === 'stop');
    expect(stops).toHaveLength(1);
  });

  it('runs a stray copy left in the manifests folder, and skips hidden files, as the kubelet does', async () => {
    const k = kubelet as KubeletHarness;
    const { copyFileSync } = await import('node:fs');
    copyFileSync(join(manifests(), 'kube-scheduler.yaml'), join(manifests(), '.kube-scheduler.yaml.swp'));
    copyFileSync(join(manifests(), 'kube-scheduler.yaml'), join(manifests(), 'kube-scheduler.yaml.bak'));
    await until('stray copy started', async () => k.events.some((e) => e.file === 'kube-scheduler.yaml.bak' && e.event === 'start'));
    expect(k.events.some((e) => e.file.startsWith('.'))).toBe(false);
  });
});
