/** Filesystem reads of certificates and keys, with kubeadm's error wording. */
import { type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { errnoText, PkiError } from '../errors.js';
import { parsePrivateKey } from '../pki/keys.js';
import { decodeUtf8 } from '../lib/utf8.js';
import { type LoadedCertificate, parseCertificates } from '../pki/certificate.js';
import { inRoot } from './rootfs.js';

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

/**
 * kubeadm's pkiCertificateReadWriter.Read (renewal/readwriter.go), used by renew and check-expiration: client-go's
 * CertsFromFile without TryLoadCertFromDisk's clause, so errors read "failed to load existing certificate <baseName>:
 * error reading <path>: ..." (or "...: open <path>: ..."). Keeps the code of the underlying PkiError.
 */
export function readExistingCertificate(path: string, baseName: string, read: (p: string) => string = readSmallFile): LoadedCertificate {
  try {
    return readCertificateFile(path, read);
  } catch (err) {
    if (!(err instanceof PkiError)) throw err;
    const inner = err.cause instanceof Error ? err.cause.message : err.message;
    throw new PkiError(err.code, `failed to load existing certificate ${baseName}: ${inner}`, { cause: err });
  }
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

/** A whole file as Latin-1 text, with no size limit or decoding check (kubeadm's fallback to a CA file a kubeconfig names); Node's error on failure. */
export function readTextFile(path: string): string {
  return readFileSync(path, 'latin1');
}

/** existsSync: true when something is at `path` (a dangling link or an unreadable folder counts as absent). */
export function pathExists(path: string): boolean {
  return existsSync(path);
}
