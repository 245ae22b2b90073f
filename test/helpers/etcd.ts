import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './net.js';

export interface RunningEtcd {
  readonly clientUrl: string;
  stop(): Promise<void>;
}

/** Starts Debian's etcd on 127.0.0.1 with the PKI's etcd server/peer certificates and client-certificate auth. */
export async function startEtcd(certDir: string, dataDir: string): Promise<RunningEtcd> {
  const c = await freePort();
  const p = await freePort();
  const e = (n: string): string => join(certDir, 'etcd', n);
  const child: ChildProcess = spawn(
    'etcd',
    [
      '--name', 't', '--data-dir', dataDir,
      '--listen-client-urls', `https://127.0.0.1:${c}`, '--advertise-client-urls', `https://127.0.0.1:${c}`,
      '--listen-peer-urls', `https://127.0.0.1:${p}`, '--initial-advertise-peer-urls', `https://127.0.0.1:${p}`,
      '--initial-cluster', `t=https://127.0.0.1:${p}`,
      '--cert-file', e('server.crt'), '--key-file', e('server.key'), '--trusted-ca-file', e('ca.crt'), '--client-cert-auth',
      '--peer-cert-file', e('peer.crt'), '--peer-key-file', e('peer.key'), '--peer-trusted-ca-file', e('ca.crt'), '--peer-client-cert-auth',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env['PATH'] ?? '', ETCD_UNSUPPORTED_ARCH: process.arch === 'arm64' ? 'arm64' : '' } },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const clientUrl = `https://127.0.0.1:${c}`;
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`etcd exited: ${log}`);
    if (/serving client traffic securely|ready to serve client requests/.test(log)) return { clientUrl, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`etcd did not start: ${log}`);
}

/** `etcdctl endpoint health` with a client certificate from the PKI. */
export function etcdHealth(clientUrl: string, caFile: string, cert: string, key: string): { code: number; out: string } {
  const r = spawnSync('etcdctl', ['--endpoints', clientUrl, '--cacert', caFile, '--cert', cert, '--key', key, '--command-timeout', '5s', '--dial-timeout', '3s', 'endpoint', 'health'], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', ETCDCTL_API: '3' },
  });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}
