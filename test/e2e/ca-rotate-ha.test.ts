/**
 * Three simulated control-plane nodes sharing CAs, with a real 3-member etcd (one member per node's cert folder):
 * prepare --export on the first node and --import on the others (a wrong key and another cluster's archive refused),
 * then trust, reissue and finalize node by node, each node's etcd member restarted after its step.
 * `etcdctl endpoint health --cluster` stays healthy after every step with every node's credentials; clients of the
 * old and the new CA are both accepted during the overlap and only new ones after finalize; the barriers refuse
 * reissue before trust is in effect everywhere and finalize before every node has reissued.
 */
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { graceFlags } from '../helpers/rotation.js';
import { etcdctl, makeControlPlaneNodes, startEtcdCluster, type EtcdCluster } from '../helpers/etcd-cluster.js';
import { tempDir } from '../helpers/tmp.js';

const NAMES = ['cp1', 'cp2', 'cp3'] as const;
const KEY = 'a1'.repeat(32);

const flags = (node: string): string[] => [
  '--cert-dir', join(node, 'pki'), '--kubeconfig-dir', node, '--state-dir', join(node, 'state'),
  '--manifests-dir', join(node, 'manifests'), '--kubelet-dir', join(node, 'kubelet'),
];

let cluster: EtcdCluster | undefined;
afterAll(async () => {
  await cluster?.stopAll();
});

describe('ca rotate across three control-plane nodes with a real etcd', () => {
  it('keeps etcd healthy through every phase, node by node', { timeout: 600_000 }, async () => {
    const dir = tempDir();
    const nodes = await makeControlPlaneNodes(dir, NAMES);
    const other = await makeControlPlaneNodes(join(dir, 'other'), ['x1']);
    cluster = await startEtcdCluster(nodes);
    const c = cluster;
    const endpoints = c.members.map((m) => m.clientUrl);
    const rot = (i: number, phase: string, ...extra: string[]) => runCli(['ca', 'rotate', phase, ...flags(nodes[i] as string), '--etcd-endpoints', endpoints.join(','), ...graceFlags(phase, extra), ...extra]);
    const healthy = (): void => {
      for (const n of nodes) {
        const h = etcdctl(endpoints, { certDir: join(n, 'pki') }, ['endpoint', 'health', '--cluster']);
        expect(h.code, `health --cluster as ${n}: ${h.out}`).toBe(0);
      }
    };
    // a client whose certificate the old CA signed, kept from before the rotation
    const oldClient = join(dir, 'old-client');
    cpSync(join(nodes[0] as string, 'pki'), join(oldClient, 'pki'), { recursive: true });
    // the members are what is tested: the client verifies them with cp1's current CA file
    const oldClientAccepted = (): boolean => {
      cpSync(join(nodes[0] as string, 'pki', 'etcd', 'ca.crt'), join(oldClient, 'pki', 'etcd', 'ca.crt'));
      return endpoints.every((e) => etcdctl([e], { certDir: join(oldClient, 'pki') }, ['endpoint', 'health']).code === 0);
    };
    healthy();

    // prepare on cp1, export; import on cp2 and cp3
    const archive = join(dir, 'rotation.enc');
    const p1 = await rot(0, 'prepare', '--export', archive, '--archive-key', KEY);
    expect(p1.code, p1.stderr).toBe(0);
    const wrong = await rot(1, 'prepare', '--import', archive, '--archive-key', 'b2'.repeat(32));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/does not decrypt/);
    const foreign = await runCli(['ca', 'rotate', 'prepare', '--import', archive, '--archive-key', KEY, ...flags(other[0] as string)]);
    expect(foreign.code).not.toBe(0);
    expect(foreign.stderr).toMatch(/archive is from another cluster/);
    for (const i of [1, 2]) {
      const r = await rot(i, 'prepare', '--import', archive, '--archive-key', KEY);
      expect(r.code, r.stderr).toBe(0);
    }
    const plans = nodes.map((n) => JSON.parse(readFileSync(join(n, 'state', 'rotation', 'plan.json'), 'utf8')) as { new: unknown });
    expect(plans[1]?.new).toEqual(plans[0]?.new);
    expect(plans[2]?.new).toEqual(plans[0]?.new);

    for (const phase of ['trust', 'reissue', 'finalize'] as const) {
      for (const [i, name] of NAMES.entries()) {
        if (phase === 'reissue' && i === 0) {
          // a member that cannot be observed stops reissue, and is told apart from a member that rejects the new CA
          await c.stop('cp3');
          const filesOnly = await rot(0, 'reissue');
          // status tells a member that does not answer from one that rejects the new CA
          const down = await rot(0, 'status');
          await c.start('cp3');
          expect(down.stdout).toMatch(new RegExp(`in effect: etcd ${endpoints[2]}: unreachable \\(connection refused\\): cannot tell`));
          expect(down.stdout).not.toContain(`in effect: etcd ${endpoints[2]}: REJECTS`);
          expect(filesOnly.code).not.toBe(0);
          expect(filesOnly.stderr).toMatch(/cannot reach etcd member\(s\) https:\/\/127\.0\.0\.1:\d+ \(connection refused\): whether trust is in effect there cannot be told/);
          expect(filesOnly.stderr).not.toMatch(/they reject a client of the new etcd CA/);
        }
        const r = await rot(i, phase);
        expect(r.code, `${phase} on ${name}: ${r.stdout}${r.stderr}`).toBe(0);
        if (phase === 'trust') {
          // written is not in effect: this node's member rejects a new-CA client until it restarts
          const st = await rot(i, 'status');
          expect(st.stdout).toContain(`in effect: etcd ${endpoints[i]}: REJECTS a client of the new etcd CA`);
        }
        await c.stop(name);
        await c.start(name);
        healthy();
        if (phase === 'reissue' && i === 0) {
          // cp2 and cp3 still serve old-CA certificates: finalize is refused on cp1
          const early = await rot(0, 'finalize');
          expect(early.code).not.toBe(0);
          expect(early.stderr).toMatch(/not every node has reissued/);
        }
      }
      if (phase !== 'finalize') expect(oldClientAccepted(), `old-CA client after ${phase}`).toBe(true);
    }
    expect(oldClientAccepted(), 'old-CA client after finalize').toBe(false);
    const st = await rot(0, 'status');
    for (const e of endpoints) expect(st.stdout).toContain(`in effect: etcd ${e}: accepts a client of the new etcd CA, serves a certificate of the new CA`);
    for (const [i] of NAMES.entries()) expect((await rot(i, 'status')).stdout).toMatch(/^phase: finalize/);
  });
});
