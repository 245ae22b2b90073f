/** The library-free parsed view of a certificate: what renewal copies and reports show. Pure. */
import { PkiError } from '../errors.js';
import { formatIp } from '../lib/net.js';
import { certificateFields } from './der.js';
import { parsePemBlocks } from './pem.js';
import { EKU_OID, type Subject } from './signer.js';
import type { Usage } from './specs.js';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { criticalExtensionOids, HANDLED_EXTENSIONS } from './der.js';
import { certificatePems } from './pem.js';

/** Everything renewal and reports need from a certificate, with no library types. */
export interface CertificateDetails {
  readonly subject: Subject;
  readonly dns: string[];
  readonly ips: string[];
  readonly extKeyUsages: Usage[];
  /** EKU OIDs other than serverAuth/clientAuth (renewal signs only the two kubeadm uses) */
  readonly otherExtKeyUsages: string[];
  readonly isCA: boolean;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly serialHex: string;
}

const CN = '2.5.4.3';
const O = '2.5.4.10';

/**
 * Reads the fields renewal copies (CN, O, DNS and IP SANs, EKUs) and the report fields from the first
 * CERTIFICATE block of `pem`, as kubeadm's certToConfig reads them. Throws PkiError('CERT_PARSE') on malformed input.
 */
export function readCertificateDetails(pem: string): CertificateDetails {
  const der = parsePemBlocks(pem).find((b) => b.type === 'CERTIFICATE')?.der;
  let f;
  try {
    if (!der) throw new Error('no CERTIFICATE block');
    f = certificateFields(der);
  } catch (err) {
    throw new PkiError('CERT_PARSE', `x509: malformed certificate: ${(err as Error).message}`);
  }
  const extKeyUsages: Usage[] = [];
  const otherExtKeyUsages: string[] = [];
  for (const oid of f.extKeyUsages) {
    const usage = (Object.keys(EKU_OID) as Usage[]).find((u) => EKU_OID[u] === oid);
    if (usage) extKeyUsages.push(usage);
    else otherExtKeyUsages.push(oid);
  }
  return {
    subject: { cn: f.subject.find(([oid]) => oid === CN)?.[1] ?? '', orgs: f.subject.filter(([oid]) => oid === O).map(([, v]) => v) },
    dns: [...f.dns],
    ips: f.ips.map(formatIp),
    extKeyUsages,
    otherExtKeyUsages,
    isCA: f.isCA,
    notBefore: f.notBefore,
    notAfter: f.notAfter,
    serialHex: f.serialHex,
  };
}

export interface LoadedCertificate {
  readonly path: string;
  /** canonical PEM of the first certificate */
  readonly pem: string;
  readonly cert: X509Certificate;
  /** the certificates after the first, as intermediates */
  readonly rest: readonly X509Certificate[];
}

/**
 * Certificates already parsed and checked, by canonical PEM: check-expiration reads a CA for its row, for the
 * external-CA check and for the chain checks, and a leaf for its row and for the key check. X509Certificate is
 * immutable, so one object serves every reader. Bounded, for batch commands that read thousands of certificates.
 */
const checked = new Map<string, X509Certificate>();
const CHECKED_MAX = 256;

/**
 * Parses PEM text holding certificates; `path` names the source in errors. Throws PkiError CERT_PARSE or
 * CERT_CRITICAL_EXT reading "couldn't load the certificate file <path>: error reading <path>: <reason>" (kubeadm's
 * TryLoadCertFromDisk around client-go's CertsFromFile); its cause holds client-go's own "error reading ..." part,
 * and that one's cause the bare reason (ParseCertsPEM's error, see parseFailureReason).
 */
export function parseCertificates(text: string, path: string): LoadedCertificate {
  const fail = (code: 'CERT_PARSE' | 'CERT_CRITICAL_EXT', reason: string): PkiError =>
    PkiError.wrap(PkiError.wrap(new PkiError(code, reason), code, `error reading ${path}`), code, `couldn't load the certificate file ${path}`);
  const pems = certificatePems(text);
  const first = pems[0];
  if (!first) throw fail('CERT_PARSE', 'data does not contain any valid RSA or ECDSA certificates');
  const certs = pems.map((pem) => {
    const known = checked.get(pem);
    if (known) return known;
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch {
      throw fail('CERT_PARSE', 'x509: malformed certificate');
    }
    // Go rejects a certificate with a critical extension it does not handle; so does every Kubernetes component
    let critical: string[];
    try {
      critical = criticalExtensionOids(cert.raw);
    } catch {
      throw fail('CERT_PARSE', 'x509: malformed certificate');
    }
    const unhandled = critical.find((oid) => !HANDLED_EXTENSIONS.has(oid));
    if (unhandled) throw fail('CERT_CRITICAL_EXT', `x509: unhandled critical extension ${unhandled}`);
    if (checked.size >= CHECKED_MAX) checked.clear();
    checked.set(pem, cert);
    return cert;
  });
  const [cert, ...rest] = certs as [X509Certificate, ...X509Certificate[]];
  return { path, pem: first, cert, rest };
}

/** The bare reason of a parseCertificates failure (client-go's ParseCertsPEM error), else the error's message. */
export function parseFailureReason(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && e.cause instanceof Error && depth < 8; depth++) e = e.cause;
  return e instanceof Error ? e.message : String(err);
}

export const certPath = (certDir: string, baseName: string): string => join(certDir, `${baseName}.crt`);

export const keyPath = (certDir: string, baseName: string): string => join(certDir, `${baseName}.key`);


/** NotBefore / NotAfter of a node:crypto certificate as Dates. */
export function validity(cert: X509Certificate): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}
