/** Filesystem reads of certificates and keys, with kubeadm's error wording. */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errnoText, PkiError } from '../errors.js';
import { parsePrivateKey } from './keys.js';
import { criticalExtensionOids, HANDLED_EXTENSIONS } from './der.js';
import { certificatePems } from './pem.js';
import { decodeUtf8 } from '../utf8.js';
import { inRoot } from '../rootfs.js';

const MAX_PEM_BYTES = 1 << 20;

/** Reads a small text file; errors read like Go's ("open <p>: no such file or directory"). */
export function readSmallFile(path: string): string {
  let size: number;
  let real = path;
  try {
    // under --rootfs, links resolve inside the root
    real = inRoot(path);
    const st = statSync(real);
    if (st.isDirectory()) throw new PkiError('READ', `read ${path}: is a directory`);
    size = st.size;
  } catch (err) {
    if (err instanceof PkiError) throw err;
    throw new PkiError((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'NOT_FOUND' : 'READ', `open ${path}: ${errnoText(err)}`);
  }
  if (size > MAX_PEM_BYTES) throw new PkiError('READ', `read ${path}: file is larger than 1 MiB`);
  let buf: Buffer;
  try {
    buf = readFileSync(real);
  } catch (err) {
    throw new PkiError('READ', `open ${path}: ${errnoText(err)}`);
  }
  return decodeUtf8(buf, (why) => new PkiError('ENCODING', `read ${path}: ${why}`));
}

/**
 * True when `path` exists and is not a directory, false when it does not exist. Any other stat error (permission
 * denied on a folder, a symbolic-link loop) is thrown as PkiError UNREADABLE: unreadable is never "missing".
 */
export function fileExists(path: string): boolean {
  try {
    return !statSync(inRoot(path)).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    throw new PkiError('UNREADABLE', `stat ${path}: ${errnoText(err)}`);
  }
}

/** True unless stat says "does not exist" (kubeadm's test for a CA key being present). */
export function pathPresent(path: string): boolean {
  try {
    statSync(inRoot(path));
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

export interface LoadedCertificate {
  readonly path: string;
  /** canonical PEM of the first certificate */
  readonly pem: string;
  readonly cert: X509Certificate;
  /** the certificates after the first, as intermediates */
  readonly rest: readonly X509Certificate[];
}

/** Parses PEM text holding certificates; `path` names the source in errors. */
export function parseCertificates(text: string, path: string): LoadedCertificate {
  const pems = certificatePems(text);
  const first = pems[0];
  if (!first) {
    throw new PkiError(
      'CERT_PARSE',
      `couldn't load the certificate file ${path}: error reading ${path}: data does not contain any valid RSA or ECDSA certificates`,
    );
  }
  const certs = pems.map((pem) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch {
      throw new PkiError('CERT_PARSE', `couldn't load the certificate file ${path}: x509: malformed certificate`);
    }
    // Go rejects a certificate with a critical extension it does not handle; so does every Kubernetes component
    let critical: string[];
    try {
      critical = criticalExtensionOids(cert.raw);
    } catch {
      throw new PkiError('CERT_PARSE', `couldn't load the certificate file ${path}: x509: malformed certificate`);
    }
    const unhandled = critical.find((oid) => !HANDLED_EXTENSIONS.has(oid));
    if (unhandled) throw new PkiError('CERT_CRITICAL_EXT', `couldn't load the certificate file ${path}: x509: unhandled critical extension ${unhandled}`);
    return cert;
  });
  const [cert, ...rest] = certs as [X509Certificate, ...X509Certificate[]];
  return { path, pem: first, cert, rest };
}

/** Reads and parses a certificate file; `read` lets callers read through a Workspace. */
export function readCertificateFile(path: string, read: (p: string) => string = readSmallFile): LoadedCertificate {
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    throw new PkiError('CERT_READ', `couldn't load the certificate file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseCertificates(text, path);
}

export function readPrivateKeyFile(path: string, read: (p: string) => string = readSmallFile): KeyObject {
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    throw new PkiError('KEY_READ', `couldn't load the private key file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parsePrivateKey(text, path);
}

export const certPath = (certDir: string, baseName: string): string => join(certDir, `${baseName}.crt`);
export const keyPath = (certDir: string, baseName: string): string => join(certDir, `${baseName}.key`);

/** NotBefore / NotAfter of a node:crypto certificate as Dates. */
export function validity(cert: X509Certificate): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}
