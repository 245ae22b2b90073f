/**
 * `certs renew … --restart` and `-o json` on a simulated control-plane node of a 3-member cluster of the real Debian
 * etcd (test/helpers/control-plane-node.ts: kubeadm-shaped manifests under the kubelet-like static-pod loop of
 * test/helpers/kubelet.ts), checked with `control-plane status`, the real etcdctl and the real kubectl.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlVersion } from '../helpers/apiserver.js';
import { runCli } from '../helpers/cli.js';
import { startNodes, stopNodes, type SimNode } from '../helpers/control-plane-node.js';
import { etcdctl } from '../helpers/etcd-cluster.js';
import { snapshotTree, tempDir } from '../helpers/tmp.js';

const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
const MANIFESTS = ['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml'];
const renew = (n: SimNode, args: string[]): ReturnType<typeof runCli> =>
  runCli(['certs', 'renew', ...args, '--cert-dir', n.certDir, '--kubeconfig-dir', n.dir, '--manifests-dir', n.manifestsDir]);
const statusJson = async (n: SimNode): Promise<Record<string, string>> => {
  const r = await runCli(['control-plane', 'status', '--manifests-dir', n.manifestsDir, '-o', 'json']);
  const s = JSON.parse(r.stdout) as { components: { component: string; verdict: string }[] };
  return Object.fromEntries(s.components.map((c) => [c.component, c.verdict]));
};

interface Summary {
  kind: string;
  dryRun: boolean;
  renewed: { name: string; path: string; files: string[]; oldNotAfter: string; newNotAfter: string }[];
  skipped: { name: string; path: string; message: string }[];
  missing: { name: string }[];
  external: { name: string }[];
  backupDir: string | null;
  restartNeeded: string[];
  restart: { component: string; result: string }[] | null;
}

describe('certs renew --restart on a node of a 3-member stacked-etcd cluster', () => {
  let nodes: SimNode[] = [];
  beforeAll(async () => {
    nodes = await startNodes(tempDir(), ['cp1', 'cp2', 'cp3']);
  });
  afterAll(async () => {
    await stopNodes(nodes);
  });

  it('nothing due: no reminder, an empty json summary, nothing written', async () => {
    const n = nodes[0] as SimNode;
    const before = snapshotTree(n.certDir);
    const text = await renew(n, ['all', '--expiring-within', '1d']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).not.toContain('You must restart');
    expect(text.stdout).toContain('apiserver: skipped, expires');
    const json = await renew(n, ['all', '--expiring-within', '1d', '-o', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const s = JSON.parse(json.stdout) as Summary;
    expect(s.kind).toBe('CertificateRenewal');
    expect(s.renewed).toEqual([]);
    expect(s.skipped.map((x) => x.name)).toContain('apiserver');
    expect(s.skipped.find((x) => x.name === 'apiserver')?.path).toBe(join(n.certDir, 'apiserver.crt'));
    expect(s.backupDir).toBeNull();
    expect(s.restartNeeded).toEqual([]);
    expect(snapshotTree(n.certDir)).toEqual(before);
  });

  it('-o json without --restart: renewed files with old/new NotAfter, the backup folder and the components that need a restart', async () => {
    const n = nodes[0] as SimNode;
    const r = await renew(n, ['all', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.dryRun).toBe(false);
    const apiserver = s.renewed.find((x) => x.name === 'apiserver');
    expect(apiserver?.files.sort()).toEqual([join(n.certDir, 'apiserver.crt'), join(n.certDir, 'apiserver.key')]);
    expect(Date.parse(apiserver?.newNotAfter ?? '')).toBeGreaterThan(Date.parse(apiserver?.oldNotAfter ?? ''));
    expect(s.renewed.map((x) => x.name)).toContain('admin.conf');
    expect(s.backupDir).not.toBeNull();
    expect(existsSync(join(s.backupDir as string, 'pki', 'apiserver.crt'))).toBe(true);
    expect(s.restartNeeded).toEqual(COMPONENTS);
    expect(s.restart).toBeNull();
    expect(await statusJson(n)).toMatchObject({ 'kube-apiserver': 'restart needed', 'kube-controller-manager': 'restart needed', 'kube-scheduler': 'restart needed' });
  });

  it('renew all --restart: each component restarted once, status ok for all, etcd keeps quorum, kubectl works with the renewed admin.conf', async () => {
    const n = nodes[0] as SimNode;
    const other = nodes[1] as SimNode;
    const stopsBefore = n.kubelet.events.filter((e) => e.event === 'stop').length;
    const health: { code: number; out: string }[] = [];
    let running = true;
    const watcher = (async () => {
      while (running) {
        health.push(etcdctl([`https://127.0.0.1:${other.ports.etcdClient}`], { certDir: other.certDir }, ['endpoint', 'health', '--cluster']));
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    const r = await renew(n, ['all', '--restart', '--timeout', '40s']);
    running = false;
    await watcher;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('certificate for serving the Kubernetes API renewed');
    expect(r.stdout.match(/: restarted/g)).toHaveLength(4);
    expect(r.stdout).not.toContain('You must restart');
    const stops = n.kubelet.events.filter((e) => e.event === 'stop').slice(stopsBefore).map((e) => e.component);
    expect(stops).toEqual(COMPONENTS);
    for (const h of health) expect(h.out.match(/is healthy/g)?.length ?? 0, h.out).toBeGreaterThanOrEqual(2);
    expect(await statusJson(n)).toEqual({ etcd: 'ok', 'kube-apiserver': 'ok', 'kube-controller-manager': 'ok', 'kube-scheduler': 'ok' });
    const v = await kubectlVersion(join(n.dir, 'admin.conf'));
    expect(v.code, v.out).toBe(0);
    expect(readdirSync(n.manifestsDir).sort()).toEqual(MANIFESTS);
  });

  it('renew of a client certificate only (-o json --restart): restarts only the component that uses it', async () => {
    const n = nodes[0] as SimNode;
    const stopsBefore = n.kubelet.events.filter((e) => e.event === 'stop').length;
    const r = await renew(n, ['scheduler.conf', '--restart', '--timeout', '40s', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.renewed.map((x) => x.name)).toEqual(['scheduler.conf']);
    expect(s.restart).toEqual([expect.objectContaining({ component: 'kube-scheduler', result: 'restarted' })]);
    expect(s.restartNeeded).toEqual([]);
    expect(n.kubelet.events.filter((e) => e.event === 'stop').slice(stopsBefore).map((e) => e.component)).toEqual(['kube-scheduler']);
    expect((await statusJson(n))['kube-scheduler']).toBe('ok');
  });

  it('a component that does not come back: exit non-zero naming it, its manifest back in place', async () => {
    const n = nodes[2] as SimNode;
    // the kubelet stops acting on the folder: the apiserver never stops, so the wait for the stop fails
    n.kubelet.pause();
    try {
      const r = await renew(n, ['apiserver', '--restart', '--timeout', '3s']);
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/kube-apiserver.*did not stop within 3\.0s/);
      expect(readdirSync(n.manifestsDir).sort()).toEqual(MANIFESTS);
    } finally {
      n.kubelet.resume();
    }
  });
});
