/**
 * `kubecerts control-plane restart` on three simulated control-plane nodes: each node's manifests (kubeadm-shaped,
 * test/helpers/manifests.ts) run one member of a 3-member cluster of the real Debian etcd, plus the stand-in
 * kube-apiserver, controller-manager and scheduler of test/helpers/fake-control-plane.mjs, under the kubelet-like
 * static-pod loop of test/helpers/kubelet.ts (no real kubelet or kube-apiserver can run here). Quorum is checked
 * with the real etcdctl, the API with the real kubectl.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlVersion } from '../helpers/apiserver.js';
import { BIN, runCli } from '../helpers/cli.js';
import { startNodes, stopNodes, until, waitNodeHealthy, type SimNode } from '../helpers/control-plane-node.js';
import { etcdctl } from '../helpers/etcd-cluster.js';
import { REPO, snapshotTree, tempDir } from '../helpers/tmp.js';

const MANIFESTS = ['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml'];
const restart = (n: SimNode, args: string[]): ReturnType<typeof runCli> => runCli(['control-plane', 'restart', ...args, '--manifests-dir', n.manifestsDir]);
const statusJson = async (n: SimNode): Promise<Record<string, string>> => {
  const r = await runCli(['control-plane', 'status', '--manifests-dir', n.manifestsDir, '-o', 'json']);
  const s = JSON.parse(r.stdout) as { components: { component: string; verdict: string }[] };
  return Object.fromEntries(s.components.map((c) => [c.component, c.verdict]));
};
const endpointsOf = (nodes: readonly SimNode[]): string[] => nodes.map((n) => `https://127.0.0.1:${n.ports.etcdClient}`);
const ls = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};
const etcdAs = (n: SimNode): { certDir: string } => ({ certDir: n.certDir });

describe('control-plane restart on a 3-node cluster with stacked etcd', () => {
  let nodes: SimNode[] = [];
  beforeAll(async () => {
    nodes = await startNodes(tempDir(), ['cp1', 'cp2', 'cp3']);
  });
  afterAll(async () => {
    await stopNodes(nodes);
  });

  it('--dry-run prints the plan with the quorum check and moves nothing', async () => {
    const n = nodes[0] as SimNode;
    const before = snapshotTree(n.manifestsDir);
    const r = await restart(n, ['all', '--dry-run', '--timeout', '45s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^1\. etcd\n {3}check etcd quorum without this member: ok: the other members keep quorum\n {3}move .*\/manifests\/etcd\.yaml to .*\/tmp\/kubecerts-held-manifests\/etcd\.yaml\n {3}wait until stopped .*\(at most 45s\)\n/);
    expect(r.stdout).toContain('4. kube-scheduler\n');
    expect(snapshotTree(n.manifestsDir)).toEqual(before);
    expect(ls(join(n.dir, 'tmp', 'kubecerts-held-manifests'))).toEqual([]);
    const json = await restart(n, ['etcd', 'kube-scheduler', '--dry-run', '-o', 'json']);
    const plan = JSON.parse(json.stdout) as { kind: string; plan: { component: string; manifest: string; held: string }[]; etcdQuorum: string };
    expect(plan.kind).toBe('ControlPlaneRestartPlan');
    expect(plan.plan.map((p) => p.component)).toEqual(['etcd', 'kube-scheduler']);
    expect(plan.etcdQuorum).toBe('ok: the other members keep quorum');
    expect(snapshotTree(n.manifestsDir)).toEqual(before);
  });

  it('renew all then restart all: restart needed → ok for every component, etcd keeps quorum throughout, kubectl works before and after', async () => {
    const n = nodes[0] as SimNode;
    expect((await kubectlVersion(join(n.dir, 'admin.conf'))).code).toBe(0);
    expect((await runCli(['certs', 'renew', 'all', '--cert-dir', n.certDir, '--kubeconfig-dir', n.dir])).code).toBe(0);
    expect(await statusJson(n)).toMatchObject({ 'kube-apiserver': 'restart needed', 'kube-controller-manager': 'restart needed', 'kube-scheduler': 'restart needed' });
    // etcdctl endpoint health --cluster from another node, over and over while the restart runs
    const health: { code: number; out: string }[] = [];
    let running = true;
    const watcher = (async () => {
      while (running) {
        health.push(etcdctl([`https://127.0.0.1:${(nodes[1] as SimNode).ports.etcdClient}`], etcdAs(nodes[1] as SimNode), ['endpoint', 'health', '--cluster']));
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    const r = await restart(n, ['all', '--timeout', '40s']);
    running = false;
    await watcher;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.match(/: restarted/g)).toHaveLength(4);
    // quorum held: with one member of three down, `--cluster` reports it unhealthy but the two others healthy
    expect(health.length).toBeGreaterThan(3);
    for (const h of health) expect(h.out.match(/is healthy/g)?.length ?? 0, h.out).toBeGreaterThanOrEqual(2);
    expect(health.some((h) => h.out.includes('is unhealthy')), 'the member was seen down while restarting').toBe(true);
    const stops = n.kubelet.events.filter((e) => e.event === 'stop').map((e) => e.component);
    expect(stops).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);
    expect(await statusJson(n)).toEqual({ etcd: 'ok', 'kube-apiserver': 'ok', 'kube-controller-manager': 'ok', 'kube-scheduler': 'ok' });
    const v = await kubectlVersion(join(n.dir, 'admin.conf'));
    expect(v.code, v.out).toBe(0);
    expect(readdirSync(n.manifestsDir).sort()).toEqual(MANIFESTS);
  });

  it('refuses to restart an etcd member when another member is down (quorum would break); nothing moved', async () => {
    const [n, down] = nodes as [SimNode, SimNode];
    const held = join(down.dir, 'etcd.held');
    renameSync(join(down.manifestsDir, 'etcd.yaml'), held);
    try {
      await until('cp2 etcd down', () => down.kubelet.pid('etcd.yaml') === undefined);
      const before = snapshotTree(n.dir);
      const r = await restart(n, ['etcd', '--timeout', '10s']);
      expect(r.stdout).toMatch(/\[restart\] etcd: FAILED at check: restarting etcd member cp1 would break quorum: 1 of the other 2 members are healthy \(unhealthy: cp2\), 2 of 3 are needed/);
      expect(r.code).toBe(1);
      const after = snapshotTree(n.dir);
      for (const k of before.keys()) if (k.startsWith('manifests/')) expect(after.get(k), k).toBe(before.get(k));
      expect(readdirSync(n.manifestsDir).sort()).toEqual(MANIFESTS);
      const dry = await restart(n, ['etcd', '--dry-run']);
      expect(dry.stdout).toContain('check etcd quorum without this member: restarting etcd member cp1 would break quorum');
    } finally {
      renameSync(held, join(down.manifestsDir, 'etcd.yaml'));
    }
    await waitNodeHealthy(down);
    expect(etcdctl(endpointsOf(nodes), etcdAs(n), ['endpoint', 'health']).code).toBe(0);
  });

  it('a component that never comes back stops the restart with its name, the manifest back in place, later ones not attempted', async () => {
    const n = nodes[2] as SimNode;
    const conf = join(n.dir, 'controller-manager.conf');
    const keep = readFileSync(conf);
    writeFileSync(conf, 'not: [a kubeconfig\n');
    try {
      const r = await restart(n, ['kube-controller-manager', 'kube-scheduler', '--timeout', '4s']);
      expect(r.stdout).toMatch(/\[restart\] kube-controller-manager: FAILED at start: kube-controller-manager did not come back within 4\.0s: .*; the manifest is back in place\n\[restart\] kube-scheduler: not attempted\n/);
      expect(r.code).toBe(1);
      expect(readdirSync(n.manifestsDir).sort()).toEqual(MANIFESTS);
      expect(readdirSync(join(n.dir, 'tmp', 'kubecerts-held-manifests'))).toEqual([]);
    } finally {
      writeFileSync(conf, keep);
    }
    await waitNodeHealthy(n);
  });

  it('a kubelet that does not act stops the restart at "stop" with the manifest back in place', async () => {
    const n = nodes[2] as SimNode;
    n.kubelet.pause();
    try {
      const r = await restart(n, ['kube-scheduler', '--timeout', '2s']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/kube-scheduler: FAILED at stop: kube-scheduler did not stop within 2\.0s after its manifest was moved out .*; the manifest is back in place/);
      expect(readdirSync(n.manifestsDir).sort()).toEqual(MANIFESTS);
      expect(n.kubelet.pid('kube-scheduler.yaml')).toBeGreaterThan(0);
    } finally {
      n.kubelet.resume();
    }
    await waitNodeHealthy(n);
  });

  it('a holding folder inside the manifests folder is refused before anything moves', async () => {
    const n = nodes[1] as SimNode;
    const r = await restart(n, ['kube-scheduler', '--holding-dir', join(n.manifestsDir, 'held')]);
    expect(r.stderr).toContain('is inside the manifests folder');
    expect(r.code).toBe(1);
    expect(readdirSync(n.manifestsDir).sort()).toEqual(MANIFESTS);
  });

  it('a holding folder replaced while the component stops: nothing is moved back, the journal is kept, one line names both paths', async () => {
    const n = nodes[2] as SimNode;
    const held = join(tempDir(), 'held');
    const manifest = join(n.manifestsDir, 'kube-scheduler.yaml');
    const original = readFileSync(manifest);
    n.kubelet.pause();
    try {
      const run = restart(n, ['kube-scheduler', '--holding-dir', held, '--timeout', '6s']);
      await until('the manifest in the holding folder', () => ls(held).includes('kube-scheduler.yaml'), 10_000, 20);
      // the folder swapped for another of the same owner and mode, with someone else's manifest in it
      renameSync(held, `${held}.real`);
      mkdirSync(held, { mode: 0o700 });
      writeFileSync(join(held, 'kube-scheduler.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: payload}\n');
      const r = await run;
      expect(r.code).toBe(1);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(`not moving "${join(held, 'kube-scheduler.yaml')}" to "${manifest}": holding folder "${held}" was replaced by another folder`);
      expect(ls(n.manifestsDir)).not.toContain('kube-scheduler.yaml');
      expect(readFileSync(join(`${held}.real`, 'kube-scheduler.yaml')).equals(original)).toBe(true);
      expect(ls(`${held}.real`)).toContain('restart.json');
    } finally {
      renameSync(join(`${held}.real`, 'kube-scheduler.yaml'), manifest);
      n.kubelet.resume();
    }
    expect(readFileSync(manifest).equals(original)).toBe(true);
    await waitNodeHealthy(n);
  });

  it('a holding path through a link to a folder another user owns, or through their link in a sticky folder, is refused', async () => {
    if (process.getuid?.() !== 0) return expect(process.getuid?.()).not.toBe(0);
    const n = nodes[1] as SimNode;
    const base = tempDir();
    // aown owned by uid 65534, who could rename aown/sub and plant a manifest in a new aown/sub/held
    mkdirSync(join(base, 'aown', 'sub', 'held'), { recursive: true, mode: 0o700 });
    chownSync(join(base, 'aown'), 65534, 65534);
    symlinkSync(join(base, 'aown', 'sub'), join(base, 'rootlink'));
    const before = snapshotTree(n.manifestsDir);
    for (const args of [['--dry-run'], []]) {
      const r = await restart(n, ['kube-scheduler', '--holding-dir', join(base, 'rootlink', 'held'), '--timeout', '20s', ...args]);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr).toMatch(/holding folder ".*rootlink\/held" is unsafe: its parent ".*aown" is owned by uid 65534/);
    }
    // a link of uid 65534 in a sticky folder, made with setpriv as that user
    const sticky = join(base, 'sticky');
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    mkdirSync(join(base, 'mine'), { mode: 0o700 });
    const ln = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'ln', '-s', join(base, 'mine'), join(sticky, 'link')]);
    expect(ln.status, ln.stderr.toString()).toBe(0);
    const r = await restart(n, ['kube-scheduler', '--holding-dir', join(sticky, 'link', 'held'), '--timeout', '20s']);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toMatch(/the symbolic link ".*sticky\/link" on its path is owned by uid 65534/);
    expect(snapshotTree(n.manifestsDir)).toEqual(before);
    expect(readdirSync(join(base, 'mine'))).toEqual([]);
  });
});

describe('control-plane restart killed with SIGKILL at random moments', () => {
  let nodes: SimNode[] = [];
  beforeAll(async () => {
    nodes = await startNodes(tempDir(), ['cp1'], 100);
  });
  afterAll(async () => {
    await stopNodes(nodes);
  });

  it('never leaves a manifest out after the next kubecerts run (40 SIGKILLs); puts it back itself on SIGTERM/SIGINT', async () => {
    const n = nodes[0] as SimNode;
    const holding = join(n.dir, 'tmp', 'kubecerts-held-manifests');
    let caughtOut = 0;
    for (let i = 0; i < 40; i++) {
      const child = spawn(process.execPath, [BIN, 'control-plane', 'restart', 'all', '--manifests-dir', n.manifestsDir, '--timeout', '20s'], { cwd: REPO, stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      // even runs: a random moment from start-up on; odd runs: a random moment shortly after a manifest went out
      if (i % 2 === 1) await until('a manifest is out', () => MANIFESTS.some((m) => !readdirSync(n.manifestsDir).includes(m)), 20_000, 5).catch(() => undefined);
      await new Promise((r) => setTimeout(r, i % 2 === 1 ? Math.floor(Math.random() * 60) : 150 + Math.floor(Math.random() * 1500)));
      child.kill('SIGKILL');
      await exited;
      const out = MANIFESTS.filter((m) => !readdirSync(n.manifestsDir).includes(m));
      if (out.length > 0) caughtOut++;
      // the next kubecerts run that touches the node puts it back: status, or every fourth time another restart
      if (i % 4 === 3) {
        const s = await runCli(['control-plane', 'restart', 'kube-scheduler', '--manifests-dir', n.manifestsDir, '--timeout', '20s']);
        expect(s.code, `run ${i}: ${s.stdout}${s.stderr}`).toBe(0);
        expect(s.stdout, `run ${i}`).toMatch(out.length > 0 ? /put back .*left out by an interrupted restart/ : /^(?![\s\S]*put back)/);
        expect(s.stdout).toContain('kube-scheduler: restarted');
      } else {
        const s = await runCli(['control-plane', 'status', '--manifests-dir', n.manifestsDir]);
        expect(s.stderr, `run ${i}`).toMatch(out.length > 0 ? /put back .*left out by an interrupted control-plane restart/ : /^(?![\s\S]*put back)/);
      }
      expect(readdirSync(n.manifestsDir).sort(), `run ${i}`).toEqual(MANIFESTS);
      expect(ls(holding).filter((f) => f.endsWith('.yaml')), `run ${i}`).toEqual([]);
      expect(ls(holding).includes('restart.json'), `run ${i}`).toBe(false);
      await waitNodeHealthy(n);
    }
    // the kills hit while a manifest was out often enough for the test to mean something
    expect(caughtOut).toBeGreaterThanOrEqual(10);
    // SIGTERM and SIGINT: the restart puts the manifest back itself before it exits
    for (const [i, sig] of (['SIGTERM', 'SIGINT', 'SIGTERM', 'SIGINT', 'SIGTERM'] as const).entries()) {
      const child = spawn(process.execPath, [BIN, 'control-plane', 'restart', 'all', '--manifests-dir', n.manifestsDir, '--timeout', '20s'], { cwd: REPO, stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      await until('a manifest is out', () => MANIFESTS.some((m) => !readdirSync(n.manifestsDir).includes(m)), 20_000);
      child.kill(sig);
      expect(await exited, `${sig} ${i}: ${out}`).toBe(1);
      expect(out).toMatch(/FAILED at (stop|start): interrupted while waiting for .*; the manifest is back in place/);
      expect(readdirSync(n.manifestsDir).sort(), `${sig} ${i}`).toEqual(MANIFESTS);
      expect(ls(holding).includes('restart.json')).toBe(false);
      await waitNodeHealthy(n);
    }
    const final = await restart(n, ['all', '--timeout', '20s']);
    expect(final.code, final.stdout + final.stderr).toBe(0);
  }, 600_000);
});
