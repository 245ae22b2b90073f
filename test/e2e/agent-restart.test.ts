/**
 * The whole agent on three simulated stacked control-plane nodes (kubelet-like harness running the real etcd as
 * a 3-member cluster and the stand-in API server, controller-manager and scheduler from kubeadm-shaped manifests):
 * with no --lock and no --etcd-endpoints, each agent finds the local etcd member in its etcd.yaml and locks there;
 * each renews its certificates that expire in a day, restarts the components that use them one at a time through the
 * manifests folder, verifies them, and releases; the critical sections never overlap, etcd keeps quorum throughout,
 * and afterwards every component serves the renewed files.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireInADay, residuals, startAgent, type LogLine } from '../helpers/agent.js';
import { runCli } from '../helpers/cli.js';
import { startNodes, stopNodes, waitNodeHealthy, type SimNode } from '../helpers/control-plane-node.js';
import { tempDir } from '../helpers/tmp.js';

const statusOf = async (n: SimNode): Promise<Record<string, string>> => {
  const r = await runCli(['control-plane', 'status', '--manifests-dir', n.manifestsDir, '-o', 'json']);
  const s = JSON.parse(r.stdout) as { components: { component: string; verdict: string }[] };
  return Object.fromEntries(s.components.map((c) => [c.component, c.verdict]));
};

describe('kubecerts agent renews and restarts three stacked control-plane nodes one at a time', () => {
  let nodes: SimNode[] = [];
  beforeAll(async () => {
    nodes = await startNodes(tempDir(), ['cp1', 'cp2', 'cp3']);
    for (const n of nodes) await expireInADay(n.dir);
  });
  afterAll(async () => {
    await stopNodes(nodes);
  });

  it('renews, restarts and verifies every component, node after node, with the lock found from etcd.yaml', async () => {
    for (const n of nodes) expect(Object.values(await statusOf(n))).toContain('restart needed');
    const runs = nodes.map((n) =>
      startAgent(['--once', '--cert-dir', n.certDir, '--kubeconfig-dir', n.dir, '--manifests-dir', n.manifestsDir, '--node-name', n.name,
        '--lock-ttl', '5s', '--restart-timeout', '40s', '--textfile-dir', join(n.dir, 'tmp')]),
    );
    const results = await Promise.all(runs.map((r) => r.done));
    const sections: { enter: number; exit: number }[] = [];
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.lines.find((l) => l.msg === 'agent starting')?.['lock']).toBe('etcd');
      const restarted = r.lines.filter((l) => l.msg === 'restart restarted').map((l) => l['component']);
      expect(restarted, r.stderr).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);
      sections.push({ enter: (r.lines.find((l) => l.msg === 'lock acquired') as LogLine)['at'] as number, exit: (r.lines.find((l) => l.msg === 'lock released') as LogLine)['at'] as number });
    }
    sections.sort((a, b) => a.enter - b.enter);
    for (let i = 1; i < sections.length; i++) expect(sections[i]!.enter).toBeGreaterThanOrEqual(sections[i - 1]!.exit);
    for (const n of nodes) {
      expect(await statusOf(n)).toEqual({ etcd: 'ok', 'kube-apiserver': 'ok', 'kube-controller-manager': 'ok', 'kube-scheduler': 'ok' });
      expect((await residuals(n.dir)).get('apiserver')).toBeGreaterThan(360 * 86_400);
    }
  });

  it('SIGTERM during a restart puts the manifest back and stops; the next run restarts what is left', async () => {
    const n = nodes[0] as SimNode;
    await expireInADay(n.dir);
    const args = ['--once', '--cert-dir', n.certDir, '--kubeconfig-dir', n.dir, '--manifests-dir', n.manifestsDir, '--node-name', n.name, '--lock-ttl', '5s', '--restart-timeout', '40s'];
    const run = startAgent(args);
    await run.waitFor('restart step', 120_000);
    const waitStop = async (): Promise<void> => {
      for (;;) {
        if (run.lines().some((l) => l.msg === 'restart step' && String(l['step']).startsWith('waiting until it has stopped'))) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitStop();
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(1);
    expect(r.lines.find((l) => l.msg === 'run failed')?.['reason']).toBe('restart');
    expect(r.lines.some((l) => l.msg === 'lock released')).toBe(true);
    expect(readdirSync(n.manifestsDir).sort()).toEqual(['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml']);
    expect(JSON.parse(readFileSync(join(n.certDir, '.kubecerts-agent-restart.json'), 'utf8')).components).toContain('kube-apiserver');
    // the next run comes from the timer, long after the kubelet restarted this node's etcd member: the agent's lock
    // talks to the local member first, so the test waits for the node to be healthy again as the timer period would
    await waitNodeHealthy(n);
    const next = await startAgent(args).done;
    expect(next.code, next.stderr).toBe(0);
    expect(next.lines.find((l) => l.msg === 'checked')?.['pendingRestart']).toContain('kube-apiserver');
    expect(existsSync(join(n.certDir, '.kubecerts-agent-restart.json'))).toBe(false);
    expect(await statusOf(n)).toEqual({ etcd: 'ok', 'kube-apiserver': 'ok', 'kube-controller-manager': 'ok', 'kube-scheduler': 'ok' });
  });
});
