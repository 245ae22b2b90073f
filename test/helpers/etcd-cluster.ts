/**
 * A real etcd cluster of N members on 127.0.0.1 (Debian's etcd 3.4), one member per simulated control-plane node.
 * Each member uses its own node's certificate folder (etcd/server, etcd/peer, etcd/ca), as kubeadm's stacked etcd
 * does, with client- and peer-certificate authentication. Used where quorum matters: restarts one member at a time,
 * CA rotation node by node, and the agent's etcd lock.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './cli.js';
import { freePort } from './net.js';

export interface EtcdMember {
  readonly name: string;
  readonly certDir: string;
  readonly dataDir: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly clientUrl: string;
  readonly peerUrl: string;
}

export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** every member's client URL, comma-separated, for etcdctl --endpoints */
  readonly endpoints: string;
  /** starts a stopped member again with the files now in its folder (certificates are read at start only) */
  start(name: string): Promise<void>;
  /** stops one member with SIGTERM and waits for it to exit */
  stop(name: string): Promise<void>;
  isRunning(name: string): boolean;
  /** stops every member */
  stopAll(): Promise<void>;
}

const etcdEnv = (): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  ETCD_UNSUPPORTED_ARCH: process.arch === 'arm64' ? 'arm64' : '',
  ETCDCTL_API: '3',
});

/**
 * Builds N node folders that share the CAs of a first `kubecerts init` (as `kubeadm join --control-plane` does after
 * copying the CAs) and have their own etcd server/peer certificates (CN = node name, SANs 127.0.0.1 and localhost).
 * Returns the folder of each node: `<dir>/<node>/pki` is its certificate folder, `<dir>/<node>` its kubeconfig folder.
 */
export async function makeControlPlaneNodes(dir: string, names: readonly string[], algorithm = 'ECDSA-P256'): Promise<string[]> {
  const out: string[] = [];
  for (const [i, name] of names.entries()) {
    const nodeDir = join(dir, name);
    const certDir = join(nodeDir, 'pki');
    mkdirSync(join(certDir, 'etcd'), { recursive: true });
    if (i > 0) {
      const first = join(out[0] as string, 'pki');
      for (const f of ['ca.crt', 'ca.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'sa.key', 'sa.pub', 'etcd/ca.crt', 'etcd/ca.key']) {
        cpSync(join(first, f), join(certDir, f));
      }
    }
    const r = await runCli([
      'init', '--cert-dir', certDir, '--kubeconfig-dir', nodeDir, '--apiserver-advertise-address', '127.0.0.1',
      '--node-name', name, '--encryption-algorithm', algorithm,
    ]);
    if (r.code !== 0) throw new Error(`kubecerts init for ${name} failed (${r.code}): ${r.stderr}`);
    out.push(nodeDir);
  }
  return out;
}

/**
 * Starts one etcd member per node folder and waits until the cluster has quorum and every member is healthy.
 * Throws with the members' logs when it does not come up within 30 s.
 */
export async function startEtcdCluster(nodeDirs: readonly string[]): Promise<EtcdCluster> {
  const members: EtcdMember[] = [];
  for (const nodeDir of nodeDirs) {
    const name = nodeDir.split('/').pop() as string;
    const clientPort = await freePort();
    const peerPort = await freePort();
    members.push({
      name, certDir: join(nodeDir, 'pki'), dataDir: join(nodeDir, 'etcd-data'), clientPort, peerPort,
      clientUrl: `https://127.0.0.1:${clientPort}`, peerUrl: `https://127.0.0.1:${peerPort}`,
    });
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const children = new Map<string, ChildProcess>();
  const logs = new Map<string, string>();

  const spawnMember = (m: EtcdMember): ChildProcess => {
    const e = (n: string): string => join(m.certDir, 'etcd', n);
    const child = spawn(
      'etcd',
      [
        '--name', m.name, '--data-dir', m.dataDir,
        '--listen-client-urls', m.clientUrl, '--advertise-client-urls', m.clientUrl,
        '--listen-peer-urls', m.peerUrl, '--initial-advertise-peer-urls', m.peerUrl,
        '--initial-cluster', initialCluster, '--initial-cluster-state', 'new', '--initial-cluster-token', 'kubecerts-test',
        '--cert-file', e('server.crt'), '--key-file', e('server.key'), '--trusted-ca-file', e('ca.crt'), '--client-cert-auth',
        '--peer-cert-file', e('peer.crt'), '--peer-key-file', e('peer.key'), '--peer-trusted-ca-file', e('ca.crt'), '--peer-client-cert-auth',
        '--heartbeat-interval', '100', '--election-timeout', '1000',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: etcdEnv() },
    );
    child.stderr?.on('data', (d: Buffer) => logs.set(m.name, ((logs.get(m.name) ?? '') + d.toString()).slice(-4000)));
    children.set(m.name, child);
    return child;
  };

  const stopChild = (name: string): Promise<void> =>
    new Promise((resolve) => {
      const child = children.get(name);
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });

  const member = (name: string): EtcdMember => {
    const m = members.find((x) => x.name === name);
    if (!m) throw new Error(`no etcd member ${name}`);
    return m;
  };

  const waitHealthy = async (ms: readonly EtcdMember[]): Promise<void> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = ms.every((m) => {
        const c = children.get(m.name);
        if (c?.exitCode !== null) throw new Error(`etcd member ${m.name} exited: ${logs.get(m.name) ?? ''}`);
        return memberHealth(m, m).code === 0;
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`etcd cluster not healthy: ${ms.map((m) => `${m.name}: ${logs.get(m.name) ?? ''}`).join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  for (const m of members) spawnMember(m);
  const cluster: EtcdCluster = {
    members,
    endpoints: members.map((m) => m.clientUrl).join(','),
    async start(name) {
      const m = member(name);
      if (cluster.isRunning(name)) return;
      spawnMember(m);
      await waitHealthy([m]);
    },
    stop: stopChild,
    isRunning(name) {
      const c = children.get(name);
      return c !== undefined && c.exitCode === null && c.signalCode === null;
    },
    async stopAll() {
      await Promise.all(members.map((m) => stopChild(m.name)));
    },
  };
  try {
    await waitHealthy(members);
  } catch (err) {
    await cluster.stopAll();
    throw err;
  }
  return cluster;
}

/** `etcdctl endpoint health` of one member, authenticated with the healthcheck client certificate of `as`. */
export function memberHealth(m: EtcdMember, as: Pick<EtcdMember, 'certDir'>): { code: number; out: string } {
  return etcdctl([m.clientUrl], as, ['endpoint', 'health']);
}

/**
 * Runs etcdctl against `endpoints` with the etcd CA and healthcheck client certificate of the node folder `as`
 * (e.g. `['endpoint', 'health', '--cluster']`). Returns its exit code and combined output.
 */
export function etcdctl(endpoints: readonly string[], as: Pick<EtcdMember, 'certDir'>, args: readonly string[]): { code: number; out: string } {
  const e = (n: string): string => join(as.certDir, 'etcd', n);
  const r = spawnSync(
    'etcdctl',
    [
      '--endpoints', endpoints.join(','), '--cacert', e('ca.crt'), '--cert', e('healthcheck-client.crt'), '--key', e('healthcheck-client.key'),
      '--dial-timeout', '2s', '--command-timeout', '4s', ...args,
    ],
    { encoding: 'utf8', env: etcdEnv() },
  );
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}
