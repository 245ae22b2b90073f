/**
 * Network probes of the control-plane commands: the certificate a port serves (one TLS handshake) and an HTTPS GET
 * for health endpoints. Every call is bounded by a timeout and never throws: failures come back as data, so a status
 * run can start all probes at once and wait for all of them.
 */
import { request } from 'node:https';
import { isIP } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';

export interface TlsClientFiles {
  readonly cert?: Buffer | undefined;
  readonly key?: Buffer | undefined;
}

export type Served =
  | { readonly ok: true; readonly der: Buffer }
  | { readonly ok: false; readonly refused: boolean; readonly error: string };

const describe = (err: unknown): string => {
  const e = err as NodeJS.ErrnoException;
  return e.code === 'ECONNREFUSED' ? 'connection refused' : e.code === 'ETIMEDOUT' ? 'timed out' : e.message ?? String(err);
};

/**
 * The leaf certificate `host:port` presents (DER), after a handshake with an optional client certificate and
 * server name. The server is not verified here: callers compare what is served with files. `timeoutMs` bounds the
 * connect and the handshake together.
 */
export function servedCertificate(host: string, port: number, timeoutMs: number, o: TlsClientFiles & { servername?: string } = {}): Promise<Served> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: Served): void => {
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
      const peer: PeerCertificate = socket.getPeerCertificate(false);
      if (!peer || !peer.raw) finish({ ok: false, refused: false, error: 'no certificate served' });
      else finish({ ok: true, der: peer.raw });
    });
    socket.once('error', (err) => finish({ ok: false, refused: (err as NodeJS.ErrnoException).code === 'ECONNREFUSED', error: describe(err) }));
  });
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
