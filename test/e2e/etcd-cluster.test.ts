/**
 * Three simulated control-plane nodes that share the CAs (as `kubeadm join --control-plane` does) and have their own
 * etcd server and peer certificates from `kubecerts init`: the real etcd forms a 3-member cluster with peer- and
 * client-certificate authentication, each node's healthcheck client is accepted by every member, and quorum is lost
 * with two members down and regained when one comes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdctl, makeControlPlaneNodes, startEtcdCluster, type EtcdCluster } from '../helpers/etcd-cluster.js';
import { tempDir } from '../helpers/tmp.js';

describe('a 3-member etcd cluster on kubecerts certificates from three nodes', () => {
  let cluster: EtcdCluster | undefined;
  beforeAll(async () => {
    const nodes = await makeControlPlaneNodes(tempDir(), ['cp1', 'cp2', 'cp3']);
    cluster = await startEtcdCluster(nodes);
  });
  afterAll(async () => {
    await cluster?.stopAll();
  });

  it('every node authenticates to every member with its own healthcheck client certificate', () => {
    const c = cluster as EtcdCluster;
    for (const as of c.members) {
      const r = etcdctl([c.members[0]!.clientUrl], as, ['endpoint', 'health', '--cluster']);
      expect(r.out.match(/is healthy/g)?.length, r.out).toBe(3);
      expect(r.code).toBe(0);
    }
    const list = etcdctl([c.members[1]!.clientUrl], c.members[2]!, ['member', 'list']);
    for (const n of ['cp1', 'cp2', 'cp3']) expect(list.out).toContain(n);
    expect(list.out.split('\n').filter((l) => l.includes('started')).length).toBe(3);
  });

  it('keeps quorum with one member down, loses it with two, regains it when one returns', async () => {
    const c = cluster as EtcdCluster;
    const [m1, m2, m3] = c.members as [typeof c.members[0], typeof c.members[0], typeof c.members[0]];
    await c.stop('cp3');
    expect(etcdctl([m1.clientUrl], m1, ['put', 'k', 'v1']).code).toBe(0);
    await c.stop('cp2');
    // a linearizable read needs a quorum; a write would stay in the leader's log and commit later
    const noQuorum = etcdctl([m1.clientUrl], m1, ['get', 'k']);
    expect(noQuorum.code, noQuorum.out).not.toBe(0);
    expect(etcdctl([m1.clientUrl], m1, ['get', 'k', '--consistency=s', '--print-value-only']).out.trim()).toBe('v1');
    await c.start('cp2');
    const back = etcdctl([m2.clientUrl], m2, ['get', 'k', '--print-value-only']);
    expect(back.code, back.out).toBe(0);
    expect(back.out.trim()).toBe('v1');
    await c.start('cp3');
    expect(etcdctl([m3.clientUrl], m3, ['endpoint', 'health', '--cluster']).code).toBe(0);
  });
});
