import { createServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { execFile } from 'node:child_process';

export interface SeenClient {
  readonly cn: string;
  readonly o: string | string[] | undefined;
}

/** A stand-in API server on 127.0.0.1: the PKI's apiserver.crt, client certificates required and checked against ca.crt. */
export async function startTestApiServer(certDir: string, port: number): Promise<{ seen: SeenClient[]; close: () => Promise<void> }> {
  const seen: SeenClient[] = [];
  const server: Server = createServer(
    {
      cert: readFileSync(join(certDir, 'apiserver.crt')),
      key: readFileSync(join(certDir, 'apiserver.key')),
      ca: readFileSync(join(certDir, 'ca.crt')),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      seen.push({ cn: String(peer.subject?.CN ?? ''), o: peer.subject?.O });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ major: '1', minor: '31', gitVersion: 'v1.31.0', platform: 'linux/amd64' }));
    },
  );
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Runs kubectl asynchronously (the test server lives in this process and must keep serving). */
export function kubectl(args: readonly string[]): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', [...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', HOME: '/tmp' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, out: `${stdout}${stderr}`, stdout });
    });
  });
}

/** `kubectl --kubeconfig <file> version -o json` against the server named in the file. */
export function kubectlVersion(kubeconfig: string): Promise<{ code: number; out: string }> {
  return kubectl(['--kubeconfig', kubeconfig, 'version', '-o', 'json', '--request-timeout', '10s']);
}
