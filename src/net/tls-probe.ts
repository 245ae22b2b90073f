/**
 * Network probes of the control-plane commands: the certificate a port serves (one TLS handshake) and an HTTPS GET
 * for health endpoints. Every call is bounded by a timeout and never throws: failures come back as data, so a status
 * run can start all probes at once and wait for all of them.
 */
import { request } from 'node:https';
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate } from 'node:tls';

export interface TlsClientFiles {
  readonly cert?: Buffer | undefined;
  readonly key?: Buffer | undefined;
}

export type Served =
  | { readonly ok: true; readonly der: Buffer }
  | { readonly ok: false; readonly refused: boolean; readonly error: string };

/** A handshake's result: the served chain as DER, leaf first, as the server sent it (each certificate once). */
export type ServedChain =
  | { readonly ok: true; readonly chain: readonly Buffer[] }
  /** `error` as the status commands word it; `cause` the socket error itself, when there was one */
  | { readonly ok: false; readonly refused: boolean; readonly error: string; readonly cause?: NodeJS.ErrnoException };

const describe = (err: unknown): string => {
  const e = err as NodeJS.ErrnoException;
  return e.code === 'ECONNREFUSED' ? 'connection refused' : e.code === 'ETIMEDOUT' ? 'timed out' : e.message ?? String(err);
};

/**
 * The certificate chain `host:port` presents, after one handshake (nothing else is sent) with an optional client
 * certificate and server name (default: the host when it is a name). The chain is not verified: callers compare
 * what is served with files or report it. `timeoutMs` bounds the connect and the handshake together. Never rejects.
 */
export function servedChain(host: string, port: number, timeoutMs: number, o: TlsClientFiles & { servername?: string } = {}): Promise<ServedChain> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: ServedChain): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const socket = connect({
      host, port, rejectUnauthorized: false, cert: o.cert, key: o.key,
      ...(o.servername ? { servername: o.servername } : isIP(host) ? {} : { servername: host }),
    });
    const timer = setTimeout(() => finish({ ok: false, refused: false, error: `timed out after ${timeoutMs} ms` }), timeoutMs);
    socket.once('secureConnect', () => {
      const chain: Buffer[] = [];
      const seen = new Set<string>();
      // the issuer links end in a self-issued certificate that points at itself
      let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
      while (c && c.raw && !seen.has(c.fingerprint256)) {
        seen.add(c.fingerprint256);
        chain.push(c.raw);
        c = c.issuerCertificate;
      }
      finish({ ok: true, chain });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ ok: false, refused: err.code === 'ECONNREFUSED', error: describe(err), cause: err }));
  });
}

/** The leaf certificate `host:port` presents (DER): servedChain's first certificate. Never rejects. */
export async function servedCertificate(host: string, port: number, timeoutMs: number, o: TlsClientFiles & { servername?: string } = {}): Promise<Served> {
  const r = await servedChain(host, port, timeoutMs, o);
  if (!r.ok) return { ok: false, refused: r.refused, error: r.error };
  const leaf = r.chain[0];
  return leaf ? { ok: true, der: leaf } : { ok: false, refused: false, error: 'no certificate served' };
}

export interface HttpResult {
  /** HTTP status, 0 when nothing answered */
  readonly status: number;
  readonly body: string;
  readonly error?: string;
}

/**
 * GET `url` (or POST `o.body` as JSON) over TLS, server not verified, optional client certificate; body capped at
 * 64 KiB. Never throws.
 */
export function httpsGet(url: string, timeoutMs: number, o: TlsClientFiles & { body?: string } = {}): Promise<HttpResult> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: HttpResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const method = o.body === undefined ? 'GET' : 'POST';
    const headers = o.body === undefined ? {} : { 'content-type': 'application/json' };
    const req = request(url, { method, headers, rejectUnauthorized: false, cert: o.cert, key: o.key, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => void (body.length < 65536 && (body += d.toString('utf8'))));
      res.on('end', () => finish({ status: res.statusCode ?? 0, body: body.slice(0, 65536) }));
      res.on('error', (err) => finish({ status: 0, body: '', error: describe(err) }));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: 0, body: '', error: `timed out after ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('error', (err) => finish({ status: 0, body: '', error: describe(err) }));
    req.end(o.body);
  });
}
