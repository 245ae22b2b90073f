/**
 * The only importer of @peculiar/x509: signs certificates and CSRs and reads the fields renewal needs.
 * Keys come in as node:crypto KeyObjects; everything random or time-based is a parameter.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { PkiError } from '../errors.js';
import { formatIp, parseIp } from './ip.js';
import type { Usage } from './specs.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const subtle = webcrypto.subtle;

export interface Subject {
  readonly cn: string;
  readonly orgs: readonly string[];
}

export interface SignRequest {
  readonly subject: Subject;
  readonly dns: readonly string[];
  readonly ips: readonly string[];
  readonly usages: readonly Usage[];
  /** further extended key usage OIDs, written after `usages` (renewal keeps a certificate's other EKUs) */
  readonly otherUsageOids?: readonly string[];
  readonly isCA: boolean;
  /** the certificate's own key (its public half is embedded) */
  readonly key: KeyObject;
  /** the CA that signs; absent for a self-signed CA */
  readonly signer?: { readonly certPem: string; readonly key: KeyObject };
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly serialHex: string;
}

/** Everything renewal and reports need from a certificate, with no library types. */
export interface CertificateDetails {
  readonly subject: Subject;
  readonly dns: string[];
  readonly ips: string[];
  readonly extKeyUsages: Usage[];
  /** EKU OIDs other than serverAuth/clientAuth, kept so renewal does not drop them */
  readonly otherExtKeyUsages: string[];
  readonly isCA: boolean;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly serialHex: string;
  readonly issuer: string;
}

const EKU_OID: Record<Usage, string> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

function algorithmsFor(key: KeyObject): { importAlg: RsaHashedImportParams | EcKeyImportParams; signAlg: Algorithm | EcdsaParams } {
  if (key.asymmetricKeyType === 'rsa') {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { importAlg: alg, signAlg: alg };
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'prime256v1') {
    return { importAlg: { name: 'ECDSA', namedCurve: 'P-256' }, signAlg: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams };
  }
  if (curve === 'secp384r1') {
    return { importAlg: { name: 'ECDSA', namedCurve: 'P-384' }, signAlg: { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams };
  }
  throw new PkiError('KEY_TYPE', `unsupported key type ${key.asymmetricKeyType} ${curve ?? ''}`.trim());
}

/** CA keys sign many certificates in a run (batch kubeconfig user, renew all): import each once. */
const importedKeys = new WeakMap<KeyObject, Promise<CryptoKeyPair>>();

function toCryptoKeys(key: KeyObject): Promise<CryptoKeyPair> {
  let p = importedKeys.get(key);
  if (!p) {
    p = importCryptoKeys(key);
    importedKeys.set(key, p);
  }
  return p;
}

async function importCryptoKeys(key: KeyObject): Promise<CryptoKeyPair> {
  const { importAlg } = algorithmsFor(key);
  const privateKey = await subtle.importKey('pkcs8', key.export({ type: 'pkcs8', format: 'der' }), importAlg, false, ['sign']);
  const publicKey = await subtle.importKey(
    'spki',
    createPublicKey(key).export({ type: 'spki', format: 'der' }),
    importAlg,
    true,
    ['verify'],
  );
  return { privateKey, publicKey } as CryptoKeyPair;
}

const GO_PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/**
 * The order Go's DER encoder gives the values of a multi-valued RDN (a SET OF): by encoded element, which for one
 * attribute type means by value length, then string tag (UTF8String 0x0c before PrintableString 0x13), then bytes.
 */
export function derSetOrder(values: readonly string[]): string[] {
  const key = (v: string): [number, number, Buffer] => {
    const b = Buffer.from(v, 'utf8');
    return [b.length, GO_PRINTABLE.test(v) ? 0x13 : 0x0c, b];
  };
  return [...values].sort((x, y) => {
    const [lx, tx, bx] = key(x);
    const [ly, ty, by] = key(y);
    return lx - ly || tx - ty || Buffer.compare(bx, by);
  });
}

/** Go's pkix order: O (one multi-valued RDN, DER-sorted) before CN. */
function toName(subject: Subject): x509.JsonName {
  const name: x509.JsonName = [];
  if (subject.orgs.length > 0) name.push({ O: derSetOrder(subject.orgs) });
  name.push({ CN: [subject.cn] });
  return name;
}

function altNames(dns: readonly string[], ips: readonly string[]): x509.JsonGeneralName[] {
  return [...dns.map((value) => ({ type: 'dns' as const, value })), ...ips.map((value) => ({ type: 'ip' as const, value }))];
}

/** Signs a certificate with kubeadm's (Go's) extensions: KU, EKU, BC, SKI (CAs) / AKI (leaves), SAN. */
export async function signCertificate(req: SignRequest): Promise<string> {
  const own = await toCryptoKeys(req.key);
  const signerKey = req.signer ? req.signer.key : req.key;
  const signing = req.signer ? await toCryptoKeys(req.signer.key) : own;
  const { signAlg } = algorithmsFor(signerKey);
  const extensions: x509.Extension[] = [];
  const ku = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;
  extensions.push(new x509.KeyUsagesExtension(req.isCA ? ku | x509.KeyUsageFlags.keyCertSign : ku, true));
  const ekus = [...req.usages.map((u) => EKU_OID[u]), ...(req.otherUsageOids ?? [])];
  if (ekus.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(ekus, false));
  extensions.push(new x509.BasicConstraintsExtension(req.isCA, undefined, true));
  let issuer: x509.Name | x509.JsonName = toName(req.subject);
  // Go matches issuer to CA subject byte for byte, so the CA's own encoded name is reused.
  if (req.isCA) {
    extensions.push(await x509.SubjectKeyIdentifierExtension.create(own.publicKey, false));
  }
  if (req.signer) {
    const ca = parseSigner(req.signer.certPem);
    issuer = ca.name;
    if (ca.ski) extensions.push(new x509.AuthorityKeyIdentifierExtension(ca.ski, false));
  }
  if (req.dns.length + req.ips.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(altNames(req.dns, req.ips), false));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: req.serialHex,
    subject: toName(req.subject),
    issuer,
    notBefore: req.notBefore,
    notAfter: req.notAfter,
    publicKey: own.publicKey,
    signingKey: signing.privateKey,
    signingAlgorithm: signAlg,
    extensions,
  });
  return cert.toString('pem').replace(/\r\n/g, '\n') + '\n';
}

export interface CsrRequest {
  readonly subject: Subject;
  readonly dns: readonly string[];
  readonly ips: readonly string[];
  readonly key: KeyObject;
}

/** A PKCS#10 request with CN, O and (only when there are SANs) the SAN extension; no usages, as kubeadm. */
export async function createCsr(req: CsrRequest): Promise<string> {
  const keys = await toCryptoKeys(req.key);
  const { signAlg } = algorithmsFor(req.key);
  const extensions: x509.Extension[] = [];
  if (req.dns.length + req.ips.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(altNames(req.dns, req.ips), false));
  }
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: toName(req.subject),
    keys,
    signingAlgorithm: signAlg,
    extensions,
  });
  return csr.toString('pem').replace(/\r\n/g, '\n') + '\n';
}

const signers = new Map<string, { name: x509.Name; ski: string | undefined }>();

/** The CA's encoded subject and key identifier, parsed once per run. */
function parseSigner(pem: string): { name: x509.Name; ski: string | undefined } {
  let s = signers.get(pem);
  if (!s) {
    const ca = parse(pem);
    s = { name: ca.subjectName, ski: ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId };
    signers.set(pem, s);
  }
  return s;
}

/**
 * asn1js stops at 10,000 ASN.1 nodes by default, which a valid certificate with ~10,000 SANs exceeds. Files are
 * read only up to 1 MiB and every node takes at least two bytes, so 2^20 nodes bounds the work without refusing
 * any certificate kubecerts can read.
 */
const PARSE_OPTIONS = { berOptions: { maxNodes: 1 << 20 } };

function parse(pem: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem, PARSE_OPTIONS);
  } catch (err) {
    throw new PkiError('CERT_PARSE', `x509: malformed certificate: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Reads the fields renewal copies (CN, O, DNS and IP SANs, EKUs) and the report fields. */
export function readCertificateDetails(pem: string): CertificateDetails {
  const cert = parse(pem);
  const cn: string[] = [];
  const orgs: string[] = [];
  for (const rdn of cert.subjectName.toJSON()) {
    for (const [type, values] of Object.entries(rdn)) {
      if (type === 'CN') cn.push(...values);
      if (type === 'O') orgs.push(...values);
    }
  }
  const dns: string[] = [];
  const ips: string[] = [];
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  for (const n of san?.names.items ?? []) {
    if (n.type === 'dns') dns.push(n.value);
    if (n.type === 'ip') ips.push(formatIp(parseIp(n.value) ?? new Uint8Array()) || n.value);
  }
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const extKeyUsages: Usage[] = [];
  const otherExtKeyUsages: string[] = [];
  for (const oid of (eku?.usages ?? []) as string[]) {
    const usage = (Object.keys(EKU_OID) as Usage[]).find((u) => EKU_OID[u] === oid);
    if (usage) extKeyUsages.push(usage);
    else otherExtKeyUsages.push(oid);
  }
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  return {
    subject: { cn: cn[0] ?? '', orgs },
    dns,
    ips,
    extKeyUsages,
    otherExtKeyUsages,
    isCA: bc?.ca ?? false,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    serialHex: cert.serialNumber,
    issuer: cert.issuer,
  };
}

/** What a reviewer of a PKCS#10 request needs: subject, SANs by kind, the public key and whether the signature holds. */
export interface CsrDetails {
  readonly cn: readonly string[];
  readonly orgs: readonly string[];
  /** subject attributes other than CN and O, as "type=value" */
  readonly otherSubject: readonly string[];
  readonly dns: readonly string[];
  readonly ips: readonly string[];
  readonly emails: readonly string[];
  readonly uris: readonly string[];
  /** the request's public key, DER SubjectPublicKeyInfo, for node:crypto */
  readonly spkiDer: Uint8Array;
  readonly signatureValid: boolean;
}

/** Parses a PEM "CERTIFICATE REQUEST". Throws PkiError (CSR_PARSE) when it does not parse. */
export async function readCsrDetails(pem: string): Promise<CsrDetails> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch (err) {
    throw new PkiError('CSR_PARSE', `malformed certificate request: ${err instanceof Error ? err.message : String(err)}`);
  }
  const cn: string[] = [];
  const orgs: string[] = [];
  const otherSubject: string[] = [];
  for (const rdn of csr.subjectName.toJSON()) {
    for (const [type, values] of Object.entries(rdn)) {
      if (type === 'CN') cn.push(...values);
      else if (type === 'O') orgs.push(...values);
      else otherSubject.push(...values.map((v) => `${type}=${v}`));
    }
  }
  const dns: string[] = [];
  const ips: string[] = [];
  const emails: string[] = [];
  const uris: string[] = [];
  const raw = csr.getExtension('2.5.29.17');
  const san = raw ? new x509.SubjectAlternativeNameExtension(raw.rawData) : undefined;
  for (const n of san?.names.items ?? []) {
    if (n.type === 'dns') dns.push(n.value);
    else if (n.type === 'ip') ips.push(formatIp(parseIp(n.value) ?? new Uint8Array()) || n.value);
    else if (n.type === 'email') emails.push(n.value);
    else if (n.type === 'url') uris.push(n.value);
  }
  let signatureValid = false;
  try {
    signatureValid = await csr.verify();
  } catch {
    signatureValid = false;
  }
  return { cn, orgs, otherSubject, dns, ips, emails, uris, spkiDer: new Uint8Array(csr.publicKey.rawData), signatureValid };
}
