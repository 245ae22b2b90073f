import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeControlPlaneManifests } from '../../test/helpers/manifests.js';
import { realNodeHost } from '../store/node-host.js';
import { componentsToRestart, defaultHoldingDir, planRestart, restartOrder } from './control-plane-restart.js';

const dir = mkdtempSync(join(tmpdir(), 'kubecerts-restart-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const manifests = join(dir, 'manifests');
writeControlPlaneManifests(manifests, { name: 'cp1', dir, ports: { apiserver: 6443, etcdClient: 2379, etcdPeer: 2380, etcdMetrics: 2381, controllerManager: 10257, scheduler: 10259 } });

describe('restart planning', () => {
  it('orders etcd first and refuses unknown names', () => {
    expect(restartOrder(['kube-scheduler', 'etcd'])).toEqual(['etcd', 'kube-scheduler']);
    expect(restartOrder(['all'])).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);
    expect(() => restartOrder(['kubelet'])).toThrow(/unknown component "kubelet"/);
  });

  it('finds the components that use the files a renewal replaced, from the manifests', () => {
    const host = realNodeHost();
    expect(componentsToRestart(host, manifests, [join(dir, 'pki', 'apiserver.crt'), join(dir, 'scheduler.conf')])).toEqual(['kube-apiserver', 'kube-scheduler']);
    expect(componentsToRestart(host, manifests, [join(dir, 'pki', 'etcd', 'peer.crt')])).toEqual(['etcd']);
    expect(componentsToRestart(host, manifests, [join(dir, 'pki', 'etcd', 'ca.crt')])).toEqual(['etcd', 'kube-apiserver']);
    expect(componentsToRestart(host, manifests, [join(dir, 'controller-manager.conf'), join(dir, 'admin.conf')])).toEqual(['kube-controller-manager']);
  });

  it('holds manifests next to the manifests folder, never inside it', () => {
    expect(defaultHoldingDir('/etc/kubernetes/manifests')).toBe('/etc/kubernetes/tmp/kubecerts-held-manifests');
    const host = realNodeHost();
    expect(() => planRestart(['all'], { host, manifestsDir: manifests, holdingDir: join(manifests, 'held') })).toThrow(/is inside the manifests folder/);
    expect(() => planRestart(['all'], { host, manifestsDir: manifests, holdingDir: manifests })).toThrow(/is inside the manifests folder/);
    const { plan } = planRestart(['all'], { host, manifestsDir: manifests, holdingDir: join(dir, 'held') });
    expect(plan.map((p) => [p.component, p.held])).toEqual([
      ['etcd', join(dir, 'held', 'etcd.yaml')],
      ['kube-apiserver', join(dir, 'held', 'kube-apiserver.yaml')],
      ['kube-controller-manager', join(dir, 'held', 'kube-controller-manager.yaml')],
      ['kube-scheduler', join(dir, 'held', 'kube-scheduler.yaml')],
    ]);
  });

  it('skips a missing manifest for "all" but refuses it by name', () => {
    const d = join(dir, 'partial');
    mkdirSync(d);
    writeFileSync(join(d, 'kube-scheduler.yaml'), 'kind: Pod\nspec:\n  containers:\n  - command: [kube-scheduler, --kubeconfig=/k/s.conf]\n    name: kube-scheduler\n');
    const host = realNodeHost();
    expect(planRestart(['all'], { host, manifestsDir: d, holdingDir: join(dir, 'held2') }).plan.map((p) => p.component)).toEqual(['kube-scheduler']);
    expect(() => planRestart(['etcd'], { host, manifestsDir: d, holdingDir: join(dir, 'held2') })).toThrow(/cannot restart etcd: manifest ".*etcd\.yaml" does not exist/);
    expect(() => planRestart(['all'], { host, manifestsDir: join(dir, 'none'), holdingDir: join(dir, 'held2') })).toThrow(/no control-plane manifests in ".*none"/);
  });
});
