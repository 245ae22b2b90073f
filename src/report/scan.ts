/**
 * `fleet scan`: the certificate chain an endpoint serves, from one TLS handshake (nothing else is sent; the chain is
 * not verified, since the point is to see what is served). Failures come back as data.
 */
import { X509Certificate } from 'node:crypto';
import { servedChain } from '../net/tls-probe.js';

export interface ServedCert {
  readonly subject: string;
  readonly issuer: string;
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly sha256: string;
}

export interface ScanResult {
  readonly endpoint: string;
  /** leaf first, as served; [] when the handshake failed */
  readonly chain: readonly ServedCert[];
  readonly error?: string;
}

/** "host:port" or "[v6]:port" → parts; undefined when it is not that shape. */
export function splitEndpoint(endpoint: string): { host: string; port: number } | undefined {
  // a server URL as kubeconfigs hold it (https://HOST:PORT, with or without a path) names the same endpoint
  const m = /^(?:https:\/\/)?(?:\[([^\]]+)\]|([^:[\]/]+)):(\d{1,5})(?:\/\S*)?$/.exec(endpoint);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2]) as string, port };
}

/**
 * An OpenSSL error line (`803C…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/…:350:`)
 * as its reason ("TLS: wrong version number"); any other message as it is.
 */
export function tlsReason(message: string): string {
  const m = /^[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/.exec(message.trim());
  return m ? `TLS: ${m[1]}${m[1] === 'wrong version number' ? ' (not a TLS endpoint?)' : ''}` : message.trim();
}

const one = (line: string): string => line.split('\n').filter(Boolean).join(', ');

function describeCert(der: Buffer): ServedCert {
  const c = new X509Certificate(der);
  return { subject: one(c.subject), issuer: one(c.issuer), serial: c.serialNumber, notBefore: new Date(c.validFrom), notAfter: new Date(c.validTo), sha256: c.fingerprint256 };
}

/** The chain `endpoint` serves, within `timeoutMs` for connect and handshake together. Never rejects. */
export async function scanEndpoint(endpoint: string, timeoutMs: number): Promise<ScanResult> {
  const hp = splitEndpoint(endpoint);
  if (!hp) return { endpoint, chain: [], error: 'not HOST:PORT' };
  const r = await servedChain(hp.host, hp.port, timeoutMs);
  if (!r.ok) return { endpoint, chain: [], error: r.refused ? 'connection refused' : tlsReason(r.cause?.message ?? r.error) };
  const chain: ServedCert[] = [];
  try {
    for (const der of r.chain) chain.push(describeCert(der));
  } catch (err) {
    return { endpoint, chain, error: `cannot parse a served certificate: ${(err as Error).message}` };
  }
  return chain.length > 0 ? { endpoint, chain } : { endpoint, chain, error: 'no certificate served' };
}

/**
 * Scans every endpoint with at most `parallel` handshakes in flight; results in the order given. (A pool of a few
 * lines rather than a dependency: p-limit is ES-module only and the bundle is CommonJS.)
 */
export async function scanEndpoints(endpoints: readonly string[], timeoutMs: number, parallel: number): Promise<ScanResult[]> {
  const results: ScanResult[] = new Array(endpoints.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < endpoints.length) {
      const i = next++;
      results[i] = await scanEndpoint(endpoints[i] as string, timeoutMs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, endpoints.length) }, worker));
  return results;
}
