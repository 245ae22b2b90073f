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
    { subject: { cn: 'kubecerts-rotation-probe', orgs: [] }, usages: ['clientAuth'], key: privateKey, window: { notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + 3_600_000) } },
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

/** The members (of `urls`) that do not accept a client of the new CA: where trust is not in effect yet. */
export async function notTrustingNew(urls: readonly string[], client: { cert: Buffer; key: Buffer }, timeoutMs: number): Promise<string[]> {
  const res = await Promise.all(urls.map(async (u) => ((await accepts(u, client, timeoutMs)) ? undefined : u)));
  return res.filter((u): u is string => u !== undefined);
}

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
