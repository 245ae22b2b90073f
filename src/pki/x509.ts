/**
 * The only importer of @peculiar/x509: reading certificate requests that others made (the kubelet's serving CSRs),
 * including their signature check. Signing and kubecerts' own CSRs are in signer.ts, certificate parsing in
 * certificate.ts.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { PkiError } from '../errors.js';
import { formatIp, parseIp } from '../lib/net.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

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
      // loops, not push(...values): a request with 100,000+ values would overflow the stack as arguments
      for (const v of values) {
        if (type === 'CN') cn.push(v);
        else if (type === 'O') orgs.push(v);
        else otherSubject.push(`${type}=${v}`);
      }
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
