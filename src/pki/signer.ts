/**
 * The Signer port and its local-CA implementation, and certificate requests: kubeadm's (Go crypto/x509's) exact DER,
 * signed through node:crypto.
 *
 * Own encoder rather than @peculiar/x509's generators: kubecerts writes one certificate shape and one CSR shape whose
 * bytes must equal what Go writes, and the library path cost about 9 ms a certificate (a WebCrypto import of both
 * keys, an ASN.1 object tree, schema validation, and loading the library and its reflect polyfill) where this costs a
 * few tenths of one. The library also rewrote some names (a value starting with "#" became hex, quotes and
 * backslashes were unescaped); Go writes every name verbatim, and so does this. Parsing is in certificate.ts.
 */
import { createHash, createPublicKey, sign as signAsync, type KeyObject } from 'node:crypto';
import { PkiError } from '../errors.js';
import { parseIp } from '../lib/net.js';
import {
  DER_NULL,
  DER_TRUE,
  derBitString,
  derDirectoryString,
  derIa5String,
  derOctetString,
  derOid,
  derSequence,
  derSet,
  derSetOf,
  derSequenceOf,
  derTlvOf,
  derTime,
  derTlv,
  derUnsignedInteger,
  issuerFacts,
  spkiKeyBits,
} from './der.js';
import { encodePem, parsePemBlocks } from './pem.js';
import type { Usage } from './specs.js';

export interface Subject {
  readonly cn: string;
  readonly orgs: readonly string[];
}

/** What a certificate says; the signer adds issuer, signature algorithm and key identifiers. */
export interface CertificateTemplate {
  readonly subject: Subject;
  readonly dns: readonly string[];
  readonly ips: readonly string[];
  readonly usages: readonly Usage[];
  /** further extended key usage OIDs, written after `usages` (renewal keeps a certificate's other EKUs) */
  readonly otherUsageOids?: readonly string[];
  readonly isCA: boolean;
  /** the certificate's key: a private key (its public half is embedded) or a public key */
  readonly key: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** positive serial number as hex */
  readonly serialHex: string;
}

/**
 * Signs certificate templates. The local CA key is one implementation; a CSR file for an external CA or a
 * certificates.k8s.io request are others.
 */
export interface Signer {
  /** The signed certificate as PEM ("-----BEGIN CERTIFICATE-----…\n"); throws PkiError('KEY_TYPE') for a key it cannot use. */
  sign(template: CertificateTemplate): Promise<string>;
}

/** The extended key usage OIDs kubeadm's certificates carry. */
export const EKU_OID: Readonly<Record<Usage, string>> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

interface Algorithm {
  readonly hash: 'sha256' | 'sha384';
  /** the DER AlgorithmIdentifier */
  readonly id: Buffer;
}

/** Go's signature algorithm for a signing key: SHA256WithRSA, ECDSAWithSHA256 (P-256), ECDSAWithSHA384 (P-384). */
function algorithmFor(key: KeyObject): Algorithm {
  if (key.asymmetricKeyType === 'rsa') return { hash: 'sha256', id: derSequence(derOid('1.2.840.113549.1.1.11'), DER_NULL) };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'ec' && curve === 'prime256v1') return { hash: 'sha256', id: derSequence(derOid('1.2.840.10045.4.3.2')) };
  if (key.asymmetricKeyType === 'ec' && curve === 'secp384r1') return { hash: 'sha384', id: derSequence(derOid('1.2.840.10045.4.3.3')) };
  throw new PkiError('KEY_TYPE', `unsupported key type ${key.asymmetricKeyType} ${curve ?? ''}`.trim());
}

/**
 * The order Go's DER encoder gives the values of a multi-valued RDN (a SET OF): by encoded element, which for one
 * attribute type means by value length, then string tag (UTF8String 0x0c before PrintableString 0x13), then bytes.
 */
export function derSetOrder(values: readonly string[]): string[] {
  // each value's key made once, not on each comparison (a users file may give a user 100,000+ organizations)
  const keyed = values.map((v) => {
    const b = Buffer.from(v, 'utf8');
    return { v, l: b.length, t: derDirectoryString(v)[0] ?? 0, b };
  });
  keyed.sort((x, y) => x.l - y.l || x.t - y.t || Buffer.compare(x.b, y.b));
  return keyed.map((k) => k.v);
}

const attribute = (oid: string, value: string): Buffer => derSequence(derOid(oid), derDirectoryString(value));

/** Go's pkix.Name order for kubeadm's subjects: O (one multi-valued RDN, DER-sorted) before CN. */
export function encodeName(subject: Subject): Buffer {
  const rdns: Buffer[] = [];
  if (subject.orgs.length > 0) rdns.push(derSetOf(derSetOrder(subject.orgs).map((o) => attribute('2.5.4.10', o))));
  rdns.push(derSet(attribute('2.5.4.3', subject.cn)));
  return derSequenceOf(rdns);
}

const extension = (oid: string, critical: boolean, value: Buffer): Buffer =>
  critical ? derSequence(derOid(oid), DER_TRUE, derOctetString(value)) : derSequence(derOid(oid), derOctetString(value));

/** Go's marshalKeyUsage: the bits reversed into bytes, the bit string cut after the last set bit. */
function keyUsage(isCA: boolean): Buffer {
  // digitalSignature (bit 0) | keyEncipherment (bit 2) [| keyCertSign (bit 5)]
  const byte = isCA ? 0xa4 : 0xa0;
  let unused = 0;
  while (!((byte >> unused) & 1)) unused++;
  return derBitString(Buffer.from([byte]), unused);
}

function subjectAltNames(dns: readonly string[], ips: readonly string[]): Buffer {
  const names = dns.map((d) => derTlv(0x82, Buffer.from(d, 'ascii')));
  for (const ip of ips) {
    let bytes = parseIp(ip);
    if (!bytes) throw new PkiError('BAD_IP', `invalid IP address ${ip} in the subject alternative names`);
    // Go writes ip.To4() when there is one: an IPv4-mapped IPv6 address becomes 4 bytes
    if (bytes.length === 16 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) bytes = bytes.subarray(12);
    names.push(derTlv(0x87, bytes));
  }
  return derSequenceOf(names);
}

const keyId = (spki: Buffer): Buffer => createHash('sha1').update(spkiKeyBits(spki)).digest();

/** The TBSCertificate Go's x509.CreateCertificate writes for kubeadm's templates (KU, EKU, BC, SKI for CAs, AKI, SAN). */
export function encodeTbsCertificate(
  t: CertificateTemplate,
  issuer: { readonly name: Buffer; readonly keyId: Buffer | undefined },
  algorithm: Buffer,
): Buffer {
  const spki = (t.key.type === 'public' ? t.key : createPublicKey(t.key)).export({ type: 'spki', format: 'der' });
  const exts: Buffer[] = [extension('2.5.29.15', true, keyUsage(t.isCA))];
  const ekus = [...t.usages.map((u) => EKU_OID[u]), ...(t.otherUsageOids ?? [])];
  if (ekus.length > 0) exts.push(extension('2.5.29.37', false, derSequenceOf(ekus.map(derOid))));
  exts.push(extension('2.5.29.19', true, t.isCA ? derSequence(DER_TRUE) : derSequence()));
  if (t.isCA) exts.push(extension('2.5.29.14', false, derOctetString(keyId(spki))));
  if (issuer.keyId) exts.push(extension('2.5.29.35', false, derSequence(derTlv(0x80, issuer.keyId))));
  if (t.dns.length + t.ips.length > 0) exts.push(extension('2.5.29.17', false, subjectAltNames(t.dns, t.ips)));
  return derSequence(
    derTlv(0xa0, derUnsignedInteger(Buffer.from([2]))),
    derUnsignedInteger(Buffer.from(t.serialHex.length % 2 ? `0${t.serialHex}` : t.serialHex, 'hex')),
    algorithm,
    issuer.name,
    derSequence(derTime(t.notBefore), derTime(t.notAfter)),
    encodeName(t.subject),
    spki,
    derTlv(0xa3, derSequenceOf(exts)),
  );
}

function signBytes(hash: string, data: Buffer, key: KeyObject): Promise<Buffer> {
  // the callback form runs on libuv's thread pool, so a batch signs on every core
  return new Promise((resolve, reject) => signAsync(hash, data, key, (err, sig) => (err ? reject(err) : resolve(sig))));
}

async function signTbs(tbs: Buffer, algorithm: Algorithm, key: KeyObject): Promise<string> {
  const signature = await signBytes(algorithm.hash, tbs, key);
  return encodePem('CERTIFICATE', derSequence(tbs, algorithm.id, derBitString(signature)));
}

/** Signs with a CA's certificate and private key: issuer = the CA's subject byte for byte, AKI = the CA's SKI. */
export class LocalCaSigner implements Signer {
  private readonly issuer: { readonly name: Buffer; readonly keyId: Buffer | undefined };
  private readonly algorithm: Algorithm;

  /** `caCertPem`: the CA certificate (the first CERTIFICATE block is used); `caKey`: its private key. */
  constructor(caCertPem: string, private readonly caKey: KeyObject) {
    const der = parsePemBlocks(caCertPem).find((b) => b.type === 'CERTIFICATE')?.der;
    if (!der) throw new PkiError('CERT_PARSE', 'x509: malformed certificate: no CERTIFICATE block in the CA certificate');
    let facts;
    try {
      facts = issuerFacts(der);
    } catch (err) {
      throw new PkiError('CERT_PARSE', `x509: malformed certificate: ${(err as Error).message}`);
    }
    this.issuer = { name: facts.subject, keyId: facts.subjectKeyId };
    this.algorithm = algorithmFor(caKey);
  }

  async sign(template: CertificateTemplate): Promise<string> {
    return signTbs(encodeTbsCertificate(template, this.issuer, this.algorithm.id), this.algorithm, this.caKey);
  }
}

/** Signs a CA certificate with its own key: issuer = subject, no AKI (as Go for a self-signed template). */
export class SelfSigner implements Signer {
  async sign(template: CertificateTemplate): Promise<string> {
    if (template.key.type !== 'private') throw new PkiError('KEY_TYPE', 'a self-signed certificate needs its private key');
    const algorithm = algorithmFor(template.key);
    return signTbs(encodeTbsCertificate(template, { name: encodeName(template.subject), keyId: undefined }, algorithm.id), algorithm, template.key);
  }
}

export interface CsrRequest {
  readonly subject: Subject;
  readonly dns: readonly string[];
  readonly ips: readonly string[];
  /** the requester's private key: its public half goes in, and it signs the request */
  readonly key: KeyObject;
}

/**
 * A PKCS#10 request as Go's x509.CreateCertificateRequest writes kubeadm's: subject O/CN, the public key, and an
 * extensionRequest attribute with the SAN extension only when there are SANs (no usages, as kubeadm). PEM out.
 */
export async function createCsr(req: CsrRequest): Promise<string> {
  if (req.key.type !== 'private') throw new PkiError('KEY_TYPE', 'a certificate request needs its private key');
  const algorithm = algorithmFor(req.key);
  const spki = createPublicKey(req.key).export({ type: 'spki', format: 'der' });
  const attributes =
    req.dns.length + req.ips.length > 0
      ? [derSequence(derOid('1.2.840.113549.1.9.14'), derSet(derSequence(extension('2.5.29.17', false, subjectAltNames(req.dns, req.ips)))))]
      : [];
  const info = derSequence(derUnsignedInteger(Buffer.from([0])), encodeName(req.subject), spki, derTlvOf(0xa0, attributes));
  const signature = await signBytes(algorithm.hash, info, req.key);
  return encodePem('CERTIFICATE REQUEST', derSequence(info, algorithm.id, derBitString(signature)));
}

const localSigners = new WeakMap<KeyObject, Map<string, LocalCaSigner>>();

/** One LocalCaSigner per CA certificate and key in a run: a batch parses the CA once. */
export function localCaSigner(caCertPem: string, caKey: KeyObject): LocalCaSigner {
  let byPem = localSigners.get(caKey);
  if (!byPem) localSigners.set(caKey, (byPem = new Map()));
  let s = byPem.get(caCertPem);
  if (!s) byPem.set(caCertPem, (s = new LocalCaSigner(caCertPem, caKey)));
  return s;
}
