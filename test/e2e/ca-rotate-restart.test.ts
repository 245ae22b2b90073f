/**
 * `ca rotate <phase> --restart` on three simulated control-plane nodes (kubelet-like static-pod harness running the
 * real etcd and the stand-in apiserver, controller-manager and scheduler, whose signer refuses a file with two
 * certificates as the real one does): node by node through trust, reissue and finalize, every component comes back
 * healthy after each node's restarts, `etcdctl endpoint health --cluster` holds, and kubectl works through each
 * node's admin.conf in every phase.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl } from '../helpers/apiserver.js';
import { runCli } from '../helpers/cli.js';
import { graceFlags } from '../helpers/rotation.js';
import { startNodes, stopNodes, waitNodeHealthy, type SimNode } from '../helpers/control-plane-node.js';
import { etcdctl } from '../helpers/etcd-cluster.js';
import { tempDir } from '../helpers/tmp.js';

const KEY = 'c3'.repeat(32);
const flags = (n: SimNode): string[] => [
  '--cert-dir', n.certDir, '--kubeconfig-dir', n.dir, '--state-dir', join(n.dir, 'state'), '--manifests-dir', n.manifestsDir, '--kubelet-dir', n.kubeletDir,
];

describe('ca rotate --restart on three simulated control-plane nodes', () => {
  let nodes: SimNode[] = [];
  beforeAll(async () => {
    nodes = await startNodes(tempDir(), ['cp1', 'cp2', 'cp3']);
  }, 400_000);
  afterAll(async () => {
    await stopNodes(nodes);
  });

  it('every node stays healthy and reachable through every phase', { timeout: 900_000 }, async () => {
    const endpoints = nodes.map((n) => `https://127.0.0.1:${n.ports.etcdClient}`);
    const archive = join(nodes[0]?.dir as string, '..', 'rotation.enc');
    const check = async (what: string): Promise<void> => {
      for (const n of nodes) {
        await waitNodeHealthy(n, 90_000);
        const h = etcdctl(endpoints, { certDir: n.certDir }, ['endpoint', 'health', '--cluster']);
        expect(h.code, `${what}: etcd health as ${n.name}: ${h.out}`).toBe(0);
        const k = await kubectl(['--kubeconfig', join(n.dir, 'admin.conf'), 'get', '--raw', '/api', '--request-timeout', '10s']);
        expect(k.code, `${what}: kubectl through ${n.name}'s admin.conf: ${k.out}`).toBe(0);
        expect(k.stdout).toContain('"status":"Success"');
      }
    };
    await check('before');
    const first = nodes[0] as SimNode;
    const plan = await runCli(['ca', 'rotate', 'plan', ...flags(first)]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/kube-apiserver --client-ca-file=\S+\/pki\/ca\.crt \(ca\)/);
    expect(plan.stdout).toMatch(/etcd --peer-trusted-ca-file=\S+\/pki\/etcd\/ca\.crt \(ca\)/);
    expect(plan.stdout).toMatch(/kube-controller-manager --cluster-signing-cert-file=\S+\/pki\/ca\.crt \(signing-ca\)/);
    const p = await runCli(['ca', 'rotate', 'prepare', ...flags(first), '--export', archive, '--archive-key', KEY]);
    expect(p.code, p.stderr).toBe(0);
    for (const n of nodes.slice(1)) {
      const r = await runCli(['ca', 'rotate', 'prepare', ...flags(n), '--import', archive, '--archive-key', KEY]);
      expect(r.code, r.stderr).toBe(0);
    }
    for (const phase of ['trust', 'reissue', 'finalize'] as const) {
      for (const n of nodes) {
        const r = await runCli(['ca', 'rotate', phase, ...flags(n), ...graceFlags(phase), '--restart', '--timeout', '60s']);
        expect(r.code, `${phase} on ${n.name}: ${r.stdout}${r.stderr}`).toBe(0);
        expect(r.stdout).toMatch(/restart etcd: restarted/);
        // the barriers probed this node's kube-apiserver (named by its manifest) with a client of the new CA
        if (phase === 'reissue') expect(r.stdout).toMatch(/check passed: trust in effect: kube-apiserver https:\/\/\S+ authenticates a client of the new CA \(HTTP 201\)/);
        if (phase === 'finalize') expect(r.stdout).toMatch(/check passed: kube-apiserver https:\/\/\S+ serves a certificate of the new CA/);
        expect(r.stdout).toMatch(/restart kube-controller-manager: restarted/);
        const kcm = readFileSync(join(n.manifestsDir, 'kube-controller-manager.yaml'), 'utf8');
        expect(kcm).toContain(phase === 'finalize' ? `--cluster-signing-cert-file=${n.certDir}/ca.crt` : `--cluster-signing-cert-file=${n.certDir}/ca-signer.crt`);
        await check(`${phase} on ${n.name}`);
      }
    }
  });
});
