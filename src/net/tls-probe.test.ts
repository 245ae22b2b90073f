import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issue } from '../pki/issue.js';
import { encodePrivateKey } from '../pki/keys.js';
import { localCaSigner, SelfSigner } from '../pki/signer.js';
import { scanEndpoint } from '../report/scan.js';
import { servedCertificate, servedChain } from './tls-probe.js';

const window = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2036-01-01T00:00:00Z') };
let server: Server;
let port = 0;
let caPem = '';
let leafPem = '';

beforeAll(async () => {
  const caKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const ca = await issue({ subject: { cn: 'probe-ca', orgs: [] }, usages: [], isCA: true, key: caKey, window }, new SelfSigner());
  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const leaf = await issue({ subject: { cn: 'probe', orgs: [] }, dns: ['localhost'], ips: ['127.0.0.1'], usages: ['serverAuth'], key, window }, localCaSigner(ca.certPem, caKey));
  caPem = ca.certPem;
  leafPem = leaf.certPem;
  server = createTlsServer({ cert: leaf.certPem + ca.certPem, key: encodePrivateKey(key) }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => {
  server.close();
});

const der = (pem: string): Buffer => new X509Certificate(pem).raw;

describe('one TLS probe for status and fleet scan', () => {
  it('returns the served chain, leaf first, each certificate once', async () => {
    const r = await servedChain('127.0.0.1', port, 5000);
    expect(r).toEqual({ ok: true, chain: [der(leafPem), der(caPem)] });
    expect(await servedCertificate('127.0.0.1', port, 5000)).toEqual({ ok: true, der: der(leafPem) });
    const scan = await scanEndpoint(`127.0.0.1:${port}`, 5000);
    expect(scan.chain.map((c) => c.subject)).toEqual(['CN=probe', 'CN=probe-ca']);
    expect(scan.error).toBeUndefined();
  });

  it('reports a refused connection and a silent peer as data', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const free = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await servedChain('127.0.0.1', free, 5000)).toMatchObject({ ok: false, refused: true, error: 'connection refused' });
    expect(await scanEndpoint(`127.0.0.1:${free}`, 5000)).toEqual({ endpoint: `127.0.0.1:${free}`, chain: [], error: 'connection refused' });
    // accepts TCP but never answers the handshake
    const held: import('node:net').Socket[] = [];
    const silent = createServer((sock) => void held.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const p = (silent.address() as { port: number }).port;
    expect(await servedCertificate('127.0.0.1', p, 200)).toEqual({ ok: false, refused: false, error: 'timed out after 200 ms' });
    expect(await scanEndpoint(`127.0.0.1:${p}`, 200)).toEqual({ endpoint: `127.0.0.1:${p}`, chain: [], error: 'timed out after 200 ms' });
    for (const sock of held) sock.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });
});
