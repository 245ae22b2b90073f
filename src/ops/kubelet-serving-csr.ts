/**
 * `kubelet serving-csr review`: judges pending `kubernetes.io/kubelet-serving` CSRs the way kubelet-csr-approver
 * (postfinance/kubelet-csr-approver, internal/controller) and the kube-controller-manager's own kubelet-serving
 * checks (pkg/apis/certificates/v1 IsKubeletServingCSR) do, with the node list standing in for DNS resolution:
 *
 * - spec.username starts with `system:node:` and equals the request's only CN; the node exists;
 * - the subject's O is exactly `system:nodes`, and there is nothing else in the subject;
 * - usages are `server auth`, optionally with `digital signature` and `key encipherment`; nothing else;
 * - at least one SAN; DNS names and IP addresses only, each one of the node's own (its name, Hostname,
 *   InternalDNS/ExternalDNS, InternalIP/ExternalIP addresses); no e-mail or URI SANs;
 * - the key is RSA of 2048 to 8192 bits or ECDSA on P-256/P-384/P-521; the request's signature holds;
 * - spec.expirationSeconds, if set, is at most 367 days (kubelet-csr-approver's default maximum).
 *
 * Never approves anything itself: returns verdicts and the names to approve.
 */
import { createPublicKey } from 'node:crypto';
import { isIP } from 'node:net';
import { KubecertsError } from '../errors.js';
import { readCsrDetails } from '../pki/x509.js';

export interface CsrVerdict {
  readonly name: string;
  readonly node: string;
  readonly approve: boolean;
  /** why it is rejected; empty when approved */
  readonly reasons: readonly string[];
}

export interface CsrReview {
  readonly verdicts: readonly CsrVerdict[];
  /** CSRs not judged: another signer, or already approved, denied or signed */
  readonly ignored: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const items = (doc: unknown, what: string, path: string): Record<string, unknown>[] => {
  const list = isObj(doc) ? (Array.isArray(doc['items']) ? doc['items'] : doc['kind'] !== undefined && !String(doc['kind']).endsWith('List') ? [doc] : undefined) : undefined;
  if (!list) throw new KubecertsError('INPUT_INVALID', `${path} is not ${what} (expected the JSON of \`kubectl get ${what === 'a CSR list' ? 'csr' : 'nodes'} -o json\`)`);
  return list.filter(isObj);
};

const SERVING_USAGES = new Set(['digital signature', 'key encipherment', 'server auth']);
const MAX_EXPIRATION_SECONDS = 367 * 24 * 3600;

/**
 * True when `s` is a DNS-1123 subdomain (Kubernetes' IsDNS1123Subdomain, k8s.io/apimachinery/pkg/util/validation):
 * at most 253 characters, dot-separated labels of lowercase letters, digits and inner hyphens. Such a name is one
 * word in every shell: no quoting, no control character.
 */
export function isDns1123Subdomain(s: string): boolean {
  return s.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(s);
}

/** The names and addresses a node may put in its serving certificate. */
function nodeAddresses(node: Record<string, unknown>): { dns: Set<string>; ips: Set<string> } {
  const meta = isObj(node['metadata']) ? node['metadata'] : {};
  const dns = new Set<string>(typeof meta['name'] === 'string' ? [meta['name']] : []);
  const ips = new Set<string>();
  const status = isObj(node['status']) ? node['status'] : {};
  for (const a of Array.isArray(status['addresses']) ? status['addresses'] : []) {
    if (!isObj(a) || typeof a['address'] !== 'string') continue;
    if (a['type'] === 'InternalIP' || a['type'] === 'ExternalIP') ips.add(normIp(a['address']));
    else if (a['type'] === 'Hostname' || a['type'] === 'InternalDNS' || a['type'] === 'ExternalDNS') dns.add(a['address'].toLowerCase());
  }
  return { dns, ips };
}

/** IPv4 as is, IPv6 in one canonical form, so "::1" and "0:0::1" compare equal. */
function normIp(s: string): string {
  if (isIP(s) !== 6) return s;
  try {
    return new URL(`http://[${s}]/`).hostname.slice(1, -1);
  } catch {
    return s;
  }
}

function keyProblem(spkiDer: Uint8Array): string | undefined {
  try {
    const k = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
    const d = k.asymmetricKeyDetails ?? {};
    if (k.asymmetricKeyType === 'rsa') {
      const bits = d.modulusLength ?? 0;
      return bits >= 2048 && bits <= 8192 ? undefined : `RSA key of ${bits} bits (2048 to 8192 allowed)`;
    }
    if (k.asymmetricKeyType === 'ec') {
      return ['prime256v1', 'secp384r1', 'secp521r1'].includes(d.namedCurve ?? '') ? undefined : `ECDSA key on curve ${d.namedCurve ?? '?'} (P-256, P-384 or P-521 allowed)`;
    }
    return `key type ${k.asymmetricKeyType ?? '?'} (RSA or ECDSA allowed)`;
  } catch {
    return 'the public key does not parse';
  }
}

/** True when a CSR has an Approved or Denied condition or a certificate already. */
function decided(csr: Record<string, unknown>): boolean {
  const status = isObj(csr['status']) ? csr['status'] : {};
  if (typeof status['certificate'] === 'string' && status['certificate'] !== '') return true;
  return (Array.isArray(status['conditions']) ? status['conditions'] : []).some((c) => isObj(c) && (c['type'] === 'Approved' || c['type'] === 'Denied'));
}

/**
 * Judges every pending kubelet-serving CSR in `csrsDoc` (parsed `kubectl get csr -o json`) against `nodesDoc`
 * (`kubectl get nodes -o json`). Throws KubecertsError (INPUT_INVALID) when either is not such a list.
 */
export async function reviewServingCsrs(csrsDoc: unknown, nodesDoc: unknown, paths: { csrs: string; nodes: string }): Promise<CsrReview> {
  const csrs = items(csrsDoc, 'a CSR list', paths.csrs);
  const nodes = new Map<string, Record<string, unknown>>();
  for (const n of items(nodesDoc, 'a node list', paths.nodes)) {
    const name = isObj(n['metadata']) ? n['metadata']['name'] : undefined;
    if (typeof name === 'string') nodes.set(name, n);
  }
  const verdicts: CsrVerdict[] = [];
  let ignored = 0;
  for (const csr of csrs) {
    const spec = isObj(csr['spec']) ? csr['spec'] : {};
    if (spec['signerName'] !== 'kubernetes.io/kubelet-serving' || decided(csr)) {
      ignored++;
      continue;
    }
    const name = isObj(csr['metadata']) && typeof csr['metadata']['name'] === 'string' ? csr['metadata']['name'] : '(unnamed)';
    const username = typeof spec['username'] === 'string' ? spec['username'] : '';
    const reasons: string[] = [];
    let node = username.startsWith('system:node:') ? username.slice('system:node:'.length) : '';
    if (!username.startsWith('system:node:')) reasons.push(`requested by "${username}", not a node (system:node:<name>)`);
    let details: Awaited<ReturnType<typeof readCsrDetails>> | undefined;
    try {
      const pem = Buffer.from(String(spec['request'] ?? ''), 'base64').toString('latin1');
      if (!pem.includes('-----BEGIN CERTIFICATE REQUEST-----')) throw new Error('no CERTIFICATE REQUEST block');
      details = await readCsrDetails(pem);
    } catch (err) {
      reasons.push(`the request does not parse: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (details) {
      const d = details;
      if (!d.signatureValid) reasons.push('the request\'s signature does not verify');
      if (d.cn.length !== 1 || d.cn[0] !== username) reasons.push(`CN ${d.cn.length === 0 ? '(none)' : `"${d.cn.join('", "')}"`} does not match the requesting user "${username}"`);
      if (!node && d.cn[0]?.startsWith('system:node:')) node = d.cn[0].slice('system:node:'.length);
      if (d.orgs.length !== 1 || d.orgs[0] !== 'system:nodes') reasons.push(`O is ${d.orgs.length === 0 ? '(none)' : `"${d.orgs.join('", "')}"`}, not only "system:nodes"`);
      if (d.otherSubject.length > 0) reasons.push(`the subject has more than CN and O: ${d.otherSubject.join(', ')}`);
      if (d.dns.length + d.ips.length === 0) reasons.push('no DNS name or IP address SAN');
      if (d.emails.length + d.uris.length > 0) reasons.push(`e-mail or URI SANs: ${[...d.emails, ...d.uris].join(', ')}`);
      const n = nodes.get(node);
      if (node && !n) reasons.push(`node "${node}" does not exist`);
      if (n) {
        const own = nodeAddresses(n);
        const foreignDns = d.dns.filter((x) => !own.dns.has(x.toLowerCase()));
        const foreignIps = d.ips.filter((x) => !own.ips.has(normIp(x)));
        if (foreignDns.length > 0) reasons.push(`DNS SANs not of node ${node}: ${foreignDns.join(', ')}`);
        if (foreignIps.length > 0) reasons.push(`IP SANs not of node ${node}: ${foreignIps.join(', ')}`);
      }
      const kp = keyProblem(d.spkiDer);
      if (kp) reasons.push(kp);
    }
    const usages = Array.isArray(spec['usages']) ? spec['usages'].map(String) : [];
    const extra = usages.filter((u) => !SERVING_USAGES.has(u));
    if (extra.length > 0) reasons.push(`usages not for serving: ${extra.join(', ')}`);
    if (!usages.includes('server auth')) reasons.push('usages lack "server auth"');
    const exp = spec['expirationSeconds'];
    if (typeof exp === 'number' && exp > MAX_EXPIRATION_SECONDS) reasons.push(`expirationSeconds ${exp} is more than 367 days`);
    // the name goes into a `kubectl certificate approve NAME` line an operator may paste into a shell; Kubernetes does
    // not restrict CSR names (ValidateCertificateRequestName accepts any), so only a DNS-1123 subdomain is offered
    if (!isDns1123Subdomain(name)) reasons.push('the CSR name is not a DNS-1123 subdomain (kubelets name theirs csr-xxxxx): no approve line is printed for it; check it and approve it by hand if it is genuine');
    verdicts.push({ name, node: node || '-', approve: reasons.length === 0, reasons });
  }
  verdicts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { verdicts, ignored };
}
