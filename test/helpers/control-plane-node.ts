/**
 * Simulated control-plane nodes for the restart and status tests: a certificate tree from `kubecerts init`,
 * kubeadm-shaped manifests (test/helpers/manifests.ts) and a kubelet-like static-pod loop (test/helpers/kubelet.ts)
 * that runs the real etcd and the stand-in kube-apiserver, controller-manager and scheduler. `startNodes` with three
 * names makes three nodes sharing the CAs, each node's manifests running one member of a 3-member etcd cluster.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { initPki } from './cli.js';
import { KubeletHarness } from './kubelet.js';
import { writeControlPlaneManifests, type NodePorts } from './manifests.js';
import { freePort } from './net.js';

export interface SimNode {
  readonly name: string;
  /** kubeconfig folder; certificates in `<dir>/pki` */
  readonly dir: string;
  readonly certDir: string;
  readonly manifestsDir: string;
  readonly kubeletDir: string;
  readonly ports: NodePorts;
  readonly kubelet: KubeletHarness;
}

/** HTTP status of an anonymous HTTPS GET that does not verify the server (a kubelet probe); 0 when nothing answers. */
export const probe = (url: string, o: { cert?: Buffer; key?: Buffer } = {}): Promise<number> =>
  new Promise((resolve) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 1000, agent: false, ...o }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });

/** Polls `check` every `everyMs` until it holds; throws naming `what` after `ms`. */
export async function until(what: string, check: () => Promise<boolean> | boolean, ms = 30_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const newPorts = async (): Promise<NodePorts> => ({
  apiserver: await freePort(), etcdClient: await freePort(), etcdPeer: await freePort(), etcdMetrics: await freePort(),
  controllerManager: await freePort(), scheduler: await freePort(),
});

/**
 * Makes `names.length` nodes under `dir` (the first runs `kubecerts init`, the others get its CAs first, as
 * `kubeadm join --control-plane` does), writes their manifests with one etcd cluster across all of them, starts a
 * kubelet per node (fileCheckFrequency `everyMs`) and waits until every component is healthy.
 */
export async function startNodes(dir: string, names: readonly string[], everyMs = 200): Promise<SimNode[]> {
  const nodes: SimNode[] = [];
  const ports = await Promise.all(names.map(() => newPorts()));
  const cluster = names.map((name, i) => ({ name, peerPort: (ports[i] as NodePorts).etcdPeer }));
  for (const [i, name] of names.entries()) {
    const nodeDir = join(dir, name);
    const certDir = join(nodeDir, 'pki');
    mkdirSync(join(certDir, 'etcd'), { recursive: true });
    if (i > 0) {
      const first = (nodes[0] as SimNode).certDir;
      for (const f of ['ca.crt', 'ca.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'sa.key', 'sa.pub', 'etcd/ca.crt', 'etcd/ca.key']) cpSync(join(first, f), join(certDir, f));
    }
    const p = ports[i] as NodePorts;
    await initPki(nodeDir, { node: name, port: p.apiserver });
    const manifestsDir = join(nodeDir, 'manifests');
    writeControlPlaneManifests(manifestsDir, { name, dir: nodeDir, ports: p }, cluster);
    const kubeletDir = join(nodeDir, 'kubelet-pki');
    mkdirSync(kubeletDir, { recursive: true });
    const kubelet = new KubeletHarness({ manifestsDir, fileCheckFrequencyMs: everyMs, restartBackoffMs: 300 });
    nodes.push({ name, dir: nodeDir, certDir, manifestsDir, kubeletDir, ports: p, kubelet });
  }
  for (const n of nodes) n.kubelet.start();
  try {
    for (const n of nodes) await waitNodeHealthy(n);
  } catch (err) {
    await stopNodes(nodes);
    throw err;
  }
  return nodes;
}

/** Waits until the node's apiserver is ready (so its etcd has quorum) and controller-manager and scheduler are healthy. */
export async function waitNodeHealthy(n: SimNode, ms = 120_000): Promise<void> {
  await until(`${n.name} apiserver /readyz (${n.kubelet.log('kube-apiserver.yaml')} ${n.kubelet.log('etcd.yaml')})`, async () => (await probe(`https://127.0.0.1:${n.ports.apiserver}/readyz`)) === 200, ms);
  await until(`${n.name} controller-manager /healthz`, async () => (await probe(`https://127.0.0.1:${n.ports.controllerManager}/healthz`)) === 200, ms);
  await until(`${n.name} scheduler /healthz`, async () => (await probe(`https://127.0.0.1:${n.ports.scheduler}/healthz`)) === 200, ms);
}

export async function stopNodes(nodes: readonly SimNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.kubelet.stop()));
}
