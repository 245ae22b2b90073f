/**
 * CA trust bundles during a CA rotation: a file of one or two self-signed roots (old and new), in an order whose
 * first certificate is the signer (kubeadm reads the first certificate of a CA file as "the CA"). Pure: text in,
 * data out; node:crypto only.
 */
import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const PUBLIC_KEY_BLOCK = /-----BEGIN (?:RSA )?PUBLIC KEY-----[\s\S]*?-----END (?:RSA )?PUBLIC KEY-----/g;

/** One certificate of a bundle: its canonical PEM (LF, trailing newline), parsed form and SHA-256 fingerprint. */
export interface BundleEntry {
  readonly pem: string;
  readonly cert: X509Certificate;
  /** SHA-256 of the DER certificate, lowercase hex */
  readonly fingerprint: string;
}

/** The canonical PEM of a certificate: base64 body in 64-column lines, LF, one trailing newline. */
export function canonicalPem(cert: X509Certificate): string {
  const b64 = cert.raw.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** SHA-256 of a certificate's DER, lowercase hex. */
export const certFingerprint = (cert: X509Certificate): string => createHash('sha256').update(cert.raw).digest('hex');

/**
 * Parses every certificate of a PEM bundle, in file order. Throws Error (with the index) on a block that does not
 * parse; returns [] for text without certificate blocks.
 */
export function parseBundle(text: string): BundleEntry[] {
  return (text.match(CERT_BLOCK) ?? []).map((block, i) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch {
      throw new Error(`certificate ${i + 1} of the bundle does not parse`);
    }
    return { pem: canonicalPem(cert), cert, fingerprint: certFingerprint(cert) };
  });
}

/** The bundle text of `certs` in order (canonical PEMs concatenated). */
export const bundleText = (certs: readonly X509Certificate[]): string => certs.map(canonicalPem).join('');

/**
 * The SPKI hash kubeadm pins for join discovery (`--discovery-token-ca-cert-hash`): "sha256:" + hex SHA-256 of the
 * DER SubjectPublicKeyInfo, computed from the public key and never from PEM text (kubeadm `pubkeypin.Hash`).
 */
export function spkiHash(key: KeyObject | X509Certificate): string {
  const pub = key instanceof X509Certificate ? key.publicKey : publicOf(key);
  const der = pub.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

/** SHA-256 of a public key's DER SPKI, lowercase hex (identity of a service-account key). */
export const keyFingerprint = (key: KeyObject): string =>
  createHash('sha256').update(publicOf(key).export({ type: 'spki', format: 'der' })).digest('hex');

const publicOf = (key: KeyObject): KeyObject => (key.type === 'public' ? key : createPublicKey(key));

/** The public keys of a PEM file holding one or several `PUBLIC KEY` blocks (sa.pub), in order. */
export function parsePublicKeys(text: string): KeyObject[] {
  return (text.match(PUBLIC_KEY_BLOCK) ?? []).map((b) => createPublicKey(b));
}

/** The PEM (`PUBLIC KEY`, SPKI) text of `keys` in order. */
export const publicKeysText = (keys: readonly KeyObject[]): string =>
  keys.map((k) => publicOf(k).export({ type: 'spki', format: 'pem' }).toString()).join('');

/** True when `key` (private or public) is the key of `cert`. */
export function keyMatches(key: KeyObject, cert: X509Certificate): boolean {
  return keyFingerprint(key) === keyFingerprint(cert.publicKey);
}

/**
 * True when `leaf` was issued by `ca`: issuer name equals the CA's subject and the signature verifies with the CA's
 * key (what `openssl verify` checks for a one-level chain, without the time check).
 */
export function issuedBy(leaf: X509Certificate, ca: X509Certificate): boolean {
  try {
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
  } catch {
    return false;
  }
}
