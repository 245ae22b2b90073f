/**
 * `kubeconfig refresh FILE --from admin.conf`: after a renewal, put the new client credentials of `--from` into a copy
 * of the old ones (e.g. `$HOME/.kube/config`), changing nothing else in FILE.
 *
 * Which users of FILE hold "the credentials that --from's previous ones were": a user whose embedded client
 * certificate has the same subject (CN and O) and the same issuer name as --from's certificate, AND verifies against
 * a CA certificate of --from's cluster entry. Subject alone is not enough (every kubeadm cluster has a
 * `kubernetes-admin` signed by a CA named `kubernetes`); the signature check tells this cluster's from another's.
 * The key is not compared: renewal makes a new key unless --reuse-key. A user with another identity is never
 * changed; when no user matches, the refusal names every identity found.
 *
 * Byte-identical elsewhere: the base64 values of the old certificate and key are replaced in the text, nothing is
 * re-serialised. Pure: text in, text out.
 */
import { X509Certificate } from 'node:crypto';
import { KubeconfigError } from '../errors.js';
import { currentEntries, dataField, parseKubeconfig, type Kubeconfig, type Obj } from '../kubeconfig/codec.js';

export interface RefreshedUser {
  readonly name: string;
  readonly oldNotAfter: string;
  readonly newNotAfter: string;
}

export interface RefreshResult {
  readonly text: string;
  readonly refreshed: readonly RefreshedUser[];
  /** users that already hold --from's certificate */
  readonly current: readonly string[];
}

const pems = (text: string): string[] => text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
const oneLine = (dn: string): string => dn.replace(/\n/g, ',');
const iso = (d: string): string => new Date(d).toISOString().replace(/\.000Z$/, 'Z');

/** The identity a user entry holds, for messages: `CN=…,O=… (issuer CN=…)`, or how it authenticates otherwise. */
function identityOf(user: Obj): string {
  const data = dataField(user, 'client-certificate-data');
  if (data) {
    try {
      const c = new X509Certificate(Buffer.from(data, 'latin1'));
      return `${oneLine(c.subject)} (issuer ${oneLine(c.issuer)})`;
    } catch {
      return 'an unparsable client certificate';
    }
  }
  if (typeof user['client-certificate'] === 'string') return `a client certificate file ${String(user['client-certificate'])}`;
  if (user['token'] !== undefined || user['tokenFile'] !== undefined) return 'a bearer token';
  if (user['exec'] !== undefined) return 'an exec credential plugin';
  return 'no client credentials';
}

function fromCredentials(fromText: string, fromPath: string): { cert: X509Certificate; certB64: string; keyB64: string; cas: X509Certificate[] } {
  const kc = parseKubeconfig(fromText, fromPath);
  const { user, cluster } = currentEntries(kc, fromPath);
  const certB64 = user['client-certificate-data'];
  const keyB64 = user['client-key-data'];
  if (typeof certB64 !== 'string' || typeof keyB64 !== 'string' || certB64 === '' || keyB64 === '') {
    throw new KubeconfigError('KUBECONFIG_INVALID', `${fromPath} has no embedded client certificate and key in its current user`);
  }
  const cert = new X509Certificate(Buffer.from(certB64, 'base64'));
  const caText = dataField(cluster, 'certificate-authority-data');
  const cas = caText ? pems(caText).map((p) => new X509Certificate(p)) : [];
  if (cas.length === 0) throw new KubeconfigError('KUBECONFIG_INVALID', `${fromPath} has no certificate-authority-data in its current cluster`);
  return { cert, certB64: certB64.trim(), keyB64: keyB64.trim(), cas };
}

/**
 * Plans the refresh of `fileText` (read from `filePath`) with the current user of `fromText`. Returns the new text
 * (equal to `fileText` when every matching user is already current). Throws KubeconfigError (KUBECONFIG_IDENTITY)
 * when no user of FILE holds the identity, naming what each user holds, or (KUBECONFIG_LAYOUT) when a matching value
 * is not a plain one-line scalar that can be replaced in place.
 */
export function planKubeconfigRefresh(fileText: string, filePath: string, fromText: string, fromPath: string): RefreshResult {
  const from = fromCredentials(fromText, fromPath);
  const kc: Kubeconfig = parseKubeconfig(fileText, filePath);
  const refreshed: RefreshedUser[] = [];
  const current: string[] = [];
  const found: string[] = [];
  let text = fileText;
  for (const entry of kc.users) {
    const user = (entry['user'] ?? {}) as Obj;
    const b64 = user['client-certificate-data'];
    const held = `user "${entry.name}" holds ${identityOf(user)}`;
    found.push(held);
    if (typeof b64 !== 'string' || b64 === '') continue;
    let old: X509Certificate;
    try {
      old = new X509Certificate(Buffer.from(b64, 'base64'));
    } catch {
      continue;
    }
    if (old.subject === from.cert.subject && !from.cas.some((ca) => old.verify(ca.publicKey))) {
      found[found.length - 1] = `${held}, not signed by the CA of ${fromPath} (another cluster's credential)`;
    }
    if (old.fingerprint256 === from.cert.fingerprint256) {
      current.push(entry.name);
      continue;
    }
    if (old.subject !== from.cert.subject || old.issuer !== from.cert.issuer || !from.cas.some((ca) => old.verify(ca.publicKey))) continue;
    const keyB64 = user['client-key-data'];
    if (typeof keyB64 !== 'string' || keyB64 === '') {
      throw new KubeconfigError('KUBECONFIG_LAYOUT', `user "${entry.name}" in ${filePath} holds the certificate but not an embedded client-key-data; refresh it by hand`);
    }
    for (const [what, oldValue, newValue] of [['client-certificate-data', b64, from.certB64], ['client-key-data', keyB64, from.keyB64]] as const) {
      const re = new RegExp(`(^|\\n)([ \\t-]*${what}:[ \\t]*)${oldValue.trim().replace(/[+/=]/g, (c) => `\\${c}`)}[ \\t]*(?=\\r?\\n|$)`, 'g');
      if (!re.test(text)) {
        throw new KubeconfigError('KUBECONFIG_LAYOUT', `${what} of user "${entry.name}" in ${filePath} is not a plain one-line value; kubecerts rewrites only those, to keep every other byte`);
      }
      text = text.replace(re, (_m, nl: string, prefix: string) => `${nl}${prefix}${newValue}`);
    }
    refreshed.push({ name: entry.name, oldNotAfter: iso(old.validTo), newNotAfter: iso(from.cert.validTo) });
  }
  if (refreshed.length === 0 && current.length === 0) {
    throw new KubeconfigError(
      'KUBECONFIG_IDENTITY',
      `${filePath} holds no credentials of ${oneLine(from.cert.subject)} issued by the CA of ${fromPath}: ${found.join('; ') || 'it has no users'}`,
    );
  }
  // what changed is exactly the matched users' two fields
  const after = parseKubeconfig(text, filePath);
  for (const [i, entry] of after.users.entries()) {
    const was = kc.users[i] as (typeof kc.users)[number];
    const changed = refreshed.some((r) => r.name === entry.name);
    const strip = (e: typeof entry): string => JSON.stringify({ ...e, user: { ...((e['user'] ?? {}) as Obj), 'client-certificate-data': 0, 'client-key-data': 0 } });
    if (changed ? strip(entry) !== strip(was) : JSON.stringify(entry) !== JSON.stringify(was)) {
      throw new KubeconfigError('KUBECONFIG_LAYOUT', `refusing to write ${filePath}: the in-place edit would change more than the credentials of ${refreshed.map((r) => r.name).join(', ')}`);
    }
  }
  return { text, refreshed, current };
}
