/**
 * Barriers between the phases of a multi-node rotation, observed on etcd (the one component every control-plane node
 * runs whose trust and served certificates can be probed from a node):
 * - before reissue, every etcd member must already accept a client certificate signed by the new etcd CA: the
 *   trust phase is in effect there (etcd reads its CA files only at start, so written is not in effect);
 * - before finalize, every member must serve a certificate signed by the new etcd CA: every node has reissued.
 * Members come from --etcd-endpoints, else from the local etcd manifest's --initial-cluster (peer URLs).
 */
import { generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { httpsGet, servedCertificate } from '../../net/tls-probe.js';
import { issue } from '../../pki/issue.js';
import { LocalCaSigner } from '../../pki/signer.js';
import { issuedBy } from '../../pki/trust-bundle.js';

/** The members' URLs named by an etcd manifest's --initial-cluster (name=url,...), or [] when absent. */
export function membersFromManifest(text: string | undefined): string[] {
  const v = text ? /--initial-cluster=(\S+)/.exec(text)?.[1] : undefined;
  return v ? v.replace(/["']$/, '').split(',').map((kv) => kv.slice(kv.indexOf('=') + 1)).filter((u) => u.startsWith('https://')) : [];
}

const hostPort = (url: string): { host: string; port: number } => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 443) };
};

/** A short-lived client certificate signed by `ca`/`caKey`, only to probe whether a member trusts that CA. */
export async function probeClient(ca: X509Certificate, caKey: KeyObject, now: Date): Promise<{ cert: Buffer; key: Buffer }> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const { certPem, keyPem } = await issue(
    { subject: { cn: PROBE_CN, orgs: [] }, usages: ['clientAuth'], key: privateKey, window: { notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + 3_600_000) } },
    new LocalCaSigner(ca.toString(), caKey),
  );
  return { cert: Buffer.from(certPem), key: Buffer.from(keyPem) };
}

/**
 * True when the member at `url` completes a request authenticated by `client` (any HTTP answer means the TLS layer,
 * client certificate included, accepted it; a reset or alert means it did not).
 */
export async function accepts(url: string, client: { cert: Buffer; key: Buffer }, timeoutMs: number): Promise<boolean> {
  return (await httpsGet(`${url.replace(/\/$/, '')}/version`, timeoutMs, client)).status > 0;
}

/**
 * The members (of `urls`) where trust in the new CA cannot be confirmed, split by cause: `unreachable` (no TLS
 * server answered: connection refused, timed out, handshake failed before the client certificate was judged; each
 * "url (why)"), and `rejecting` (a TLS server answered but refused the client certificate of the new CA).
 */
export async function trustProbe(urls: readonly string[], client: { cert: Buffer; key: Buffer }, timeoutMs: number): Promise<{ unreachable: string[]; rejecting: string[] }> {
  const res = await Promise.all(
    urls.map(async (u): Promise<['ok' | 'unreachable' | 'rejecting', string]> => {
      const { host, port } = hostPort(u);
      const s = await servedCertificate(host, port, timeoutMs, client);
      // a TLS 1.2 server refuses a client certificate inside the handshake (alert): that is a rejection, not an outage
      if (!s.ok) return CLIENT_CERT_ALERT.test(s.error) ? ['rejecting', u] : ['unreachable', `${u} (${s.error})`];
      return (await accepts(u, client, timeoutMs)) ? ['ok', u] : ['rejecting', u];
    }),
  );
  return { unreachable: res.filter(([k]) => k === 'unreachable').map(([, v]) => v), rejecting: res.filter(([k]) => k === 'rejecting').map(([, v]) => v) };
}

/** Handshake errors by which a server refuses the client certificate (TLS alerts 42, 43, 46, 48, 116; a reset). */
const CLIENT_CERT_ALERT = /bad certificate|unsupported certificate|certificate unknown|unknown ca|certificate required|ECONNRESET|socket hang up/i;

/** The members (of `urls`) whose served certificate is not issued by `neu` (or that cannot be reached), with why. */
export async function notServingNew(urls: readonly string[], neu: X509Certificate, client: { cert: Buffer; key: Buffer }, timeoutMs: number): Promise<string[]> {
  const res = await Promise.all(
    urls.map(async (u) => {
      const { host, port } = hostPort(u);
      const s = await servedCertificate(host, port, timeoutMs, client);
      if (!s.ok) return `${u} (${s.error})`;
      return issuedBy(new X509Certificate(s.der), neu) ? undefined : `${u} (serves a certificate of the old CA)`;
    }),
  );
  return res.filter((u): u is string => u !== undefined);
}

/** What a probe of kube-apiserver or a kubelet found: which CA signed what it serves, whether it takes a new-CA client. */
export interface ComponentEffect {
  readonly component: 'kube-apiserver' | 'kubelet';
  readonly url: string;
  /** nothing answered (connection refused, timed out): "in effect" cannot be told */
  readonly unreachable: boolean;
  /** the CA of the served certificate: the rotation's old or new CA, or another (a self-signed kubelet certificate) */
  readonly serves?: 'new' | 'old' | 'other';
  /** whether a client certificate of the new CA is authenticated */
  readonly acceptsNew?: boolean;
  /** why, in a few words (the HTTP status or TLS error) */
  readonly detail: string;
}

/** The URL of kube-apiserver from its static-pod manifest (--advertise-address, --secure-port), or undefined. */
export function apiserverFromManifest(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const flag = (n: string): string | undefined => new RegExp(`--${n}=["']?([^\\s"']+)`).exec(text)?.[1];
  const addr = flag('advertise-address');
  if (!addr) return undefined;
  return `https://${addr.includes(':') ? `[${addr}]` : addr}:${flag('secure-port') ?? '6443'}`;
}

const served = async (url: string, old: X509Certificate | undefined, neu: X509Certificate, client: { cert: Buffer; key: Buffer }, timeoutMs: number): Promise<{ ok: false; error: string } | { ok: true; by: 'new' | 'old' | 'other' }> => {
  const { host, port } = hostPort(url);
  const s = await servedCertificate(host, port, timeoutMs, client);
  if (!s.ok) return { ok: false, error: s.error };
  const c = new X509Certificate(s.der);
  return { ok: true, by: issuedBy(c, neu) ? 'new' : old && issuedBy(c, old) ? 'old' : 'other' };
};

/**
 * Probes kube-apiserver at `url` with a client certificate of the new CA: the certificate it serves, and whether it
 * authenticates the client. Authenticated means a SelfSubjectReview (POST, authentication.k8s.io/v1, which every
 * authenticated user may create) answers 201 with the probe's user name; on a server without that API (404) a
 * SelfSubjectAccessReview answering 201. A TLS refusal, 401 or 403 (anonymous) is "not authenticated".
 */
export async function apiserverEffect(url: string, old: X509Certificate | undefined, neu: X509Certificate, client: { cert: Buffer; key: Buffer }, timeoutMs: number): Promise<ComponentEffect> {
  const base = url.replace(/\/$/, '');
  const s = await served(base, old, neu, client, timeoutMs);
  if (!s.ok) return { component: 'kube-apiserver', url, unreachable: true, detail: s.error };
  let r = await httpsGet(`${base}/apis/authentication.k8s.io/v1/selfsubjectreviews`, timeoutMs, { ...client, body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }) });
  let user = '';
  try {
    user = String((JSON.parse(r.body) as { status?: { userInfo?: { username?: string } } }).status?.userInfo?.username ?? '');
  } catch {
    user = '';
  }
  let accepts = (r.status === 201 || r.status === 200) && user === PROBE_CN;
  if (r.status === 404) {
    r = await httpsGet(`${base}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, timeoutMs, { ...client, body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { nonResourceAttributes: { path: '/version', verb: 'get' } } }) });
    accepts = r.status === 201;
  }
  return { component: 'kube-apiserver', url, unreachable: false, serves: s.by, acceptsNew: accepts, detail: r.status > 0 ? `HTTP ${r.status}` : (r.error ?? 'no answer') };
}

/**
 * Probes a kubelet at `url` (port 10250) with a client certificate of the new CA: the certificate it serves and
 * whether it authenticates the client (kubeadm's kubelets run with anonymous auth off and x509 client CA = ca.crt:
 * 403 means authenticated but not authorized, 401 or a TLS refusal means the new CA is not trusted yet).
 */
export async function kubeletEffect(url: string, old: X509Certificate | undefined, neu: X509Certificate, client: { cert: Buffer; key: Buffer }, timeoutMs: number): Promise<ComponentEffect> {
  const base = url.replace(/\/$/, '');
  const s = await served(base, old, neu, client, timeoutMs);
  if (!s.ok) return { component: 'kubelet', url, unreachable: true, detail: s.error };
  const r = await httpsGet(`${base}/pods`, timeoutMs, client);
  return { component: 'kubelet', url, unreachable: false, serves: s.by, acceptsNew: r.status === 403 || r.status === 200, detail: r.status > 0 ? `HTTP ${r.status}` : (r.error ?? 'no answer') };
}

/** The common name of the probe client certificates (no organization: no group, no permission). */
export const PROBE_CN = 'kubecerts-rotation-probe';
