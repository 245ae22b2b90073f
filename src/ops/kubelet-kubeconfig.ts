/**
 * The kubelet's kubeconfig, from the kubelet sections of "Certificate Management with kubeadm" and the kubeadm
 * troubleshooting guide:
 * - `planFixKubeconfig`: kubeadm before 1.17 embedded the kubelet's first client certificate in kubelet.conf, so
 *   rotation (kubelet-client-current.pem) was never used and the node broke a year later. Point `client-certificate`
 *   and `client-key` at the rotating file instead, only when that file holds a valid certificate of the same node
 *   identity signed by the cluster CA, with its key. Text edit of the two lines; everything else byte-identical.
 * - `buildNodeKubeconfig`: a kubeconfig for a node whose kubelet client certificate expired (`system:node:NAME`,
 *   group `system:nodes`), signed by the cluster CA, as `kubeadm kubeconfig user --org system:nodes
 *   --client-name system:node:NAME` makes it.
 */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { KubeconfigError, PkiError } from '../errors.js';
import { buildKubeconfig, currentEntries, dataField, parseKubeconfig, serializeKubeconfig } from '../kubeconfig/codec.js';
import { encodePrivateKey, generateKey, parsePrivateKey } from '../pki/keys.js';
import { backdatedWindow } from '../pki/validity.js';
import { issue } from '../pki/issue.js';
import { localCaSigner } from '../pki/signer.js';

export interface FixResult {
  readonly text: string;
  readonly changed: boolean;
  readonly identity: string;
  readonly notAfter?: string;
}

const iso = (d: string): string => new Date(d).toISOString().replace(/\.000Z$/, 'Z');
const escape = (s: string): string => s.replace(/[+/=]/g, (c) => `\\${c}`);

/**
 * Plans the rewrite of kubelet.conf (`confText` from `confPath`) to reference `pemPath` (whose text is `pemText`).
 * Throws KubeconfigError when kubelet.conf has no embedded credentials to replace, PkiError (KUBELET_PEM) naming the
 * reason when the rotating file is not a valid certificate and key of the same node signed by the cluster CA.
 */
export function planFixKubeconfig(confText: string, confPath: string, pemText: string, pemPath: string, now: Date): FixResult {
  const kc = parseKubeconfig(confText, confPath);
  const { user, cluster, userName } = currentEntries(kc, confPath);
  if (typeof user['client-certificate'] === 'string' && user['client-certificate'] !== '') {
    return { text: confText, changed: false, identity: userName };
  }
  const certB64 = user['client-certificate-data'];
  const keyB64 = user['client-key-data'];
  if (typeof certB64 !== 'string' || typeof keyB64 !== 'string' || certB64 === '' || keyB64 === '') {
    throw new KubeconfigError('KUBECONFIG_INVALID', `${confPath} has neither embedded client credentials nor a client-certificate file in user "${userName}"`);
  }
  const old = new X509Certificate(Buffer.from(certB64, 'base64'));
  const caText = dataField(cluster, 'certificate-authority-data');
  if (!caText) throw new KubeconfigError('KUBECONFIG_INVALID', `${confPath} has no certificate-authority-data for its cluster`);
  const cas = (caText.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
  let rotated: X509Certificate;
  let key: KeyObject;
  try {
    rotated = new X509Certificate(pemText);
    key = parsePrivateKey(pemText, pemPath);
  } catch (err) {
    throw new PkiError('KUBELET_PEM', `${pemPath} does not hold a certificate and its key: ${err instanceof Error ? err.message : String(err)}`);
  }
  const bad = (why: string): never => {
    throw new PkiError('KUBELET_PEM', `not pointing ${confPath} at ${pemPath}: ${why}`);
  };
  if (rotated.subject !== old.subject) bad(`it is for ${rotated.subject.replace(/\n/g, ',')}, kubelet.conf for ${old.subject.replace(/\n/g, ',')}`);
  if (!/(^|\n)O=system:nodes(\n|$)/.test(rotated.subject) || !/(^|\n)CN=system:node:/.test(rotated.subject)) bad(`${rotated.subject.replace(/\n/g, ',')} is not a node identity`);
  if (!cas.some((ca) => rotated.verify(ca.publicKey))) bad(`it is not signed by the cluster CA in ${confPath}`);
  if (new Date(rotated.validTo).getTime() <= now.getTime()) bad(`it expired on ${iso(rotated.validTo)}`);
  if (new Date(rotated.validFrom).getTime() > now.getTime()) bad(`it is not valid before ${iso(rotated.validFrom)}`);
  const certSpki = rotated.publicKey.export({ type: 'spki', format: 'der' });
  if (!certSpki.equals(createPublicKey(key).export({ type: 'spki', format: 'der' }))) bad('its key does not match its certificate');
  let text = confText;
  for (const [field, value, ref] of [['client-certificate-data', certB64, 'client-certificate'], ['client-key-data', keyB64, 'client-key']] as const) {
    const re = new RegExp(`(^|\\n)([ \\t]*)${field}:[ \\t]*${escape(value.trim())}[ \\t]*(?=\\r?\\n|$)`);
    if (!re.test(text)) throw new KubeconfigError('KUBECONFIG_LAYOUT', `${field} in ${confPath} is not a plain one-line value; edit it by hand`);
    text = text.replace(re, (_m, nl: string, indent: string) => `${nl}${indent}${ref}: ${pemPath}`);
  }
  const after = currentEntries(parseKubeconfig(text, confPath), confPath).user;
  if (after['client-certificate'] !== pemPath || after['client-key'] !== pemPath || after['client-certificate-data'] !== undefined) {
    throw new KubeconfigError('KUBECONFIG_LAYOUT', `refusing to write ${confPath}: the edit did not give the expected user entry`);
  }
  return { text, changed: true, identity: userName, notAfter: iso(rotated.validTo) };
}

export interface NodeKubeconfigOptions {
  readonly nodeName: string;
  readonly caCertPem: string;
  readonly caKeyPem: string;
  readonly caKeyPath: string;
  readonly server: string;
  readonly clusterName: string;
  readonly now: Date;
  /** certificate lifetime, ms */
  readonly validityMs: number;
}

/**
 * A kubeconfig for `system:node:<nodeName>` in group `system:nodes`, with a new key of the CA's kind (RSA-2048 or
 * ECDSA P-256) and a client certificate signed by the CA. Throws PkiError when the CA has expired.
 */
export async function buildNodeKubeconfig(o: NodeKubeconfigOptions): Promise<string> {
  const ca = new X509Certificate(o.caCertPem);
  if (new Date(ca.validTo).getTime() <= o.now.getTime()) throw new PkiError('CA_EXPIRED', `the cluster CA expired on ${iso(ca.validTo)}`);
  const caKey = parsePrivateKey(o.caKeyPem, o.caKeyPath);
  const key = await generateKey(caKey.asymmetricKeyType === 'rsa' ? 'RSA-2048' : 'ECDSA-P256');
  const window = backdatedWindow(o.now, o.validityMs);
  const { certPem } = await issue(
    {
      subject: { cn: `system:node:${o.nodeName}`, orgs: ['system:nodes'] },
      usages: ['clientAuth'],
      key,
      window: { notBefore: window.notBefore, notAfter: new Date(Math.min(window.notAfter.getTime(), new Date(ca.validTo).getTime())) },
    },
    localCaSigner(o.caCertPem, caKey),
  );
  return serializeKubeconfig(
    buildKubeconfig({ clusterName: o.clusterName, server: o.server, caPem: o.caCertPem, userName: `system:node:${o.nodeName}`, clientCertPem: certPem, clientKeyPem: encodePrivateKey(key) }),
  );
}
