/**
 * The agent's cluster lock on a real 3-member etcd (Debian's etcd 3.4 on 127.0.0.1, one member per simulated
 * control-plane node, client-certificate authentication): three agents whose certificates expire in a day all renew
 * with critical sections that never overlap; a holder killed mid-renewal frees the lock after its lease TTL and its
 * next run completes the journal; an operator's `etcdctl lock` pauses the agents; without quorum nothing renews.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireInADay, expirations, nodeFlags, parseLog, residuals, startAgent, type LogLine } from '../helpers/agent.js';
import { etcdctl, makeControlPlaneNodes, startEtcdCluster, type EtcdCluster } from '../helpers/etcd-cluster.js';
import { ensureSea } from '../helpers/sea.js';
import { tempDir } from '../helpers/tmp.js';

const DAY = 86_400;
const LEAVES = ['admin.conf', 'apiserver', 'apiserver-etcd-client', 'etcd-healthcheck-client', 'etcd-server', 'front-proxy-client', 'scheduler.conf'];

describe('kubecerts agent with --lock etcd on a real 3-member etcd', () => {
  let cluster: EtcdCluster;
  let nodes: string[];
  const lockFlags = (): string[] => ['--lock', 'etcd', '--etcd-endpoints', cluster.endpoints, '--lock-ttl', '5s', '--etcd-timeout', '2s'];
  const textfile = (node: string): string => join(node, 'textfile', 'kubecerts.prom');
  const agentArgs = (node: string, extra: string[] = []): string[] => [
    '--once', ...nodeFlags(node), '--node-name', node.split('/').pop() as string, ...lockFlags(), '--textfile-dir', join(node, 'textfile'), ...extra,
  ];

  beforeAll(async () => {
    nodes = await makeControlPlaneNodes(tempDir(), ['cp1', 'cp2', 'cp3']);
    for (const n of nodes) {
      await expireInADay(n);
      mkdirSync(join(n, 'textfile'));
    }
    cluster = await startEtcdCluster(nodes);
  });
  afterAll(async () => {
    await cluster?.stopAll();
  });

  it('three agents whose certificates expire in a day all renew, one critical section at a time', async () => {
    for (const n of nodes) for (const name of LEAVES) expect((await residuals(n)).get(name)).toBeLessThan(DAY);
    const runs = nodes.map((n) => startAgent(agentArgs(n)));
    const results = await Promise.all(runs.map((r) => r.done));
    const sections: { node: string; enter: number; exit: number }[] = [];
    for (const [i, r] of results.entries()) {
      expect(r.code, r.stderr).toBe(0);
      const enter = r.lines.find((l) => l.msg === 'lock acquired') as LogLine;
      const exit = r.lines.find((l) => l.msg === 'lock released') as LogLine;
      expect(enter, r.stderr).toBeDefined();
      expect(exit, r.stderr).toBeDefined();
      expect(r.lines.find((l) => l.msg === 'renewed')?.['certificates']).toEqual(expect.arrayContaining(LEAVES));
      sections.push({ node: nodes[i] as string, enter: enter['at'] as number, exit: exit['at'] as number });
    }
    sections.sort((a, b) => a.enter - b.enter);
    for (let i = 1; i < sections.length; i++) expect(sections[i]!.enter, JSON.stringify(sections)).toBeGreaterThanOrEqual(sections[i - 1]!.exit);
    // they did wait for each other: the three sections span at least the three renewals
    expect(sections[2]!.exit - sections[0]!.enter).toBeGreaterThan(0);
    for (const n of nodes) {
      const res = await residuals(n);
      for (const name of LEAVES) expect(res.get(name), `${n} ${name}`).toBeGreaterThan(360 * DAY);
      const prom = readFileSync(textfile(n), 'utf8');
      expect(prom).toMatch(/^kubecerts_agent_last_run_success 1$/m);
      expect(prom).toMatch(/^kubecerts_agent_lock_held 0$/m);
      expect(prom).toMatch(/^kubecerts_agent_info\{node="cp\d",lock="etcd",/m);
    }
  });

  it('SIGKILL of the holder mid-renewal: another agent takes over after the lease TTL, the next run completes the journal', async () => {
    const [a, b, c] = nodes as [string, string, string];
    for (const n of nodes) await expireInADay(n);
    // where the commit's renames start in an agent run: counted with strace on a twin run of the third node
    const RENAMES = 'rename,renameat,renameat2';
    const trace = join(tempDir(), 'renames.txt');
    const twin = await startAgent(agentArgs(c), {}, ['strace', '-f', '-qq', '-o', trace, '-e', `trace=${RENAMES}`]).done;
    expect(twin.code, twin.stderr).toBe(0);
    const calls = readFileSync(trace, 'utf8').split('\n').filter((l) => /rename/.test(l) && / = 0$/.test(l));
    const firstCommit = calls.findIndex((l) => /\.(crt|key|conf)"[^"]*= 0$/.test(l) && !/kubecerts-backup/.test(l)) + 1;
    expect(firstCommit).toBeGreaterThan(0);
    // the holder is killed by strace on entering the fourth rename of its commit (a real SIGKILL, no hook in the binary)
    const holder = startAgent(agentArgs(a), {}, ['strace', '-f', '-qq', '-o', '/dev/null', '-e', `trace=${RENAMES}`, '-e', `inject=${RENAMES}:signal=SIGKILL:when=${firstCommit + 3}`]);
    await holder.waitFor('lock acquired');
    const waiter = startAgent(agentArgs(b));
    const killed = await holder.done;
    const killedAt = Date.now();
    expect(killed.signal === 'SIGKILL' || killed.code === 137, killed.stderr).toBe(true);
    expect(killed.lines.some((l) => l.msg === 'lock released')).toBe(false);
    expect(readFileSync(join(a, 'pki', '.kubecerts-journal.json'), 'utf8')).toContain('renames');
    const w = await waiter.done;
    expect(w.code, w.stderr).toBe(0);
    const took = w.lines.find((l) => l.msg === 'lock acquired') as LogLine;
    // the lease (TTL 5 s, kept alive every TTL/3) expires at least ~3 s after the last keep-alive
    expect((took['at'] as number) - killedAt).toBeGreaterThan(2500);
    const again = startAgent(agentArgs(a));
    const r = await again.done;
    expect(r.code, r.stderr).toBe(0);
    const completed = r.lines.find((l) => l.msg === 'completed an interrupted renewal');
    expect(completed?.['files'], r.stderr).toBeGreaterThan(0);
    const res = await residuals(a);
    for (const name of LEAVES) expect(res.get(name), name).toBeGreaterThan(360 * DAY);
  });

  it('an operator\'s etcdctl lock pauses the agents until it ends', async () => {
    const [a, b] = nodes as [string, string];
    const m = cluster.members[0]!;
    const e = (f: string): string => join(m.certDir, 'etcd', f);
    const pause = spawn('etcdctl', ['--endpoints', m.clientUrl, '--cacert', e('ca.crt'), '--cert', e('healthcheck-client.crt'), '--key', e('healthcheck-client.key'), 'lock', 'election/kubecerts-renew', '--', 'sleep', '8'], { stdio: 'ignore', env: { PATH: process.env['PATH'] ?? '', ETCDCTL_API: '3' } });
    const pauseEnded = new Promise<number>((resolve) => pause.on('close', () => resolve(Date.now())));
    for (let i = 0; ; i++) {
      const keys = etcdctl([m.clientUrl], m, ['get', '--prefix', 'election/kubecerts-renew', '--keys-only']);
      if (keys.out.trim() !== '') break;
      if (i > 100) throw new Error(`etcdctl lock did not take the lock: ${keys.out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const before = await expirations(a);
    // everything is due with a 400-day window; a short wait gives up with exit 4 and says why
    const busy = await startAgent(agentArgs(a, ['--renew-before', '400d', '--lock-wait', '2s'])).done;
    expect(busy.code, busy.stderr).toBe(4);
    expect(busy.lines.find((l) => l.msg === 'run failed')?.['reason']).toBe('busy');
    expect(busy.stderr).toContain('etcdctl lock');
    expect(readFileSync(textfile(a), 'utf8')).toMatch(/^kubecerts_agent_last_error\{reason="busy"\} 1$/m);
    expect(await expirations(a)).toEqual(before);
    // a patient agent waits for the pause to end
    const waited = await startAgent(agentArgs(b, ['--renew-before', '400d'])).done;
    const ended = await pauseEnded;
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.lines.find((l) => l.msg === 'lock acquired')?.['at'] as number).toBeGreaterThanOrEqual(ended - 50);
  });

  it('the single executable takes the etcd lock too (etcd3 and gRPC are assets of the executable)', async () => {
    const sea = ensureSea();
    const n = nodes[2] as string;
    const before = await expirations(n);
    const r = spawnSync(sea, ['agent', ...agentArgs(n, ['--renew-before', '400d']), '--log-format', 'json'], { cwd: tempDir(), encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
    expect(r.status, r.stderr).toBe(0);
    const lines = parseLog(r.stderr);
    expect(lines.some((l) => l.msg === 'lock acquired' && l['lock'] === 'etcd'), r.stderr).toBe(true);
    expect(await expirations(n)).not.toEqual(before);
  });

  it('with two of three members stopped no agent renews, and each says why (metric and exit code)', async () => {
    await cluster.stop('cp2');
    await cluster.stop('cp3');
    for (const n of nodes) {
      const before = await expirations(n);
      const r = await startAgent(agentArgs(n, ['--renew-before', '400d'])).done;
      expect(r.code, r.stderr).toBe(4);
      const failed = r.lines.find((l) => l.msg === 'run failed');
      expect(failed?.['reason'], r.stderr).toBe('no-quorum');
      expect(String(failed?.['error'])).toMatch(/no quorum/);
      expect(r.lines.some((l) => l.msg === 'lock acquired')).toBe(false);
      const prom = readFileSync(textfile(n), 'utf8');
      expect(prom).toMatch(/^kubecerts_agent_lock_up 0$/m);
      expect(prom).toMatch(/^kubecerts_agent_last_error\{reason="no-quorum"\} 1$/m);
      expect(await expirations(n)).toEqual(before);
    }
  });
});
