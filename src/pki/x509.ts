/**
 * The only importer of @peculiar/x509: makes CSRs (signing is in signer.ts, parsing in certificate.ts).
 * Keys come in as node:crypto KeyObjects; everything random or time-based is a parameter.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { PkiError } from '../errors.js';
import { derSetOrder, type Subject } from './signer.js';

export type { Subject } from './signer.js';
// the parsed view moved to certificate.ts (no library); kept here for callers that import it from x509
export { readCertificateDetails, type CertificateDetails } from './certificate.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const subtle = webcrypto.subtle;

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
