/**
 * The only importer of @peculiar/x509: makes CSRs and reads the fields renewal needs (signing is in signer.ts).
 * Keys come in as node:crypto KeyObjects; everything random or time-based is a parameter.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { PkiError } from '../errors.js';
import { formatIp, parseIp } from '../lib/net.js';
import { derSetOrder, EKU_OID, type Subject } from './signer.js';
import type { Usage } from './specs.js';

export type { Subject } from './signer.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const subtle = webcrypto.subtle;

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

function parse(pem: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
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
