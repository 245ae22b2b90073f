/** Loading CAs, certificates and keys through a file reader (a Workspace, or any Fs), with kubeadm's error wording. */
import type { KeyObject } from 'node:crypto';
import { PkiError } from '../errors.js';
import { samePublicKey } from '../pki/keys.js';
import type { CaSpec } from '../pki/specs.js';
import { readCertificateFile, readPrivateKeyFile } from './pki-files.js';
import { certPath, keyPath, type LoadedCertificate } from '../pki/certificate.js';
import type { FileReader } from './fs.js';

export interface LoadedCa {
  readonly cert: LoadedCertificate;
  readonly key: KeyObject | undefined;
}

export function loadCertAt(ws: FileReader, path: string): LoadedCertificate {
  return readCertificateFile(path, (p) => ws.read(p));
}

export function loadKeyAt(ws: FileReader, path: string): KeyObject {
  return readPrivateKeyFile(path, (p) => ws.read(p));
}

/** Loads a CA (certificate, and key when present), checking that the key belongs to the certificate. */
export function loadCa(ws: FileReader, certDir: string, ca: CaSpec): LoadedCa {
  const crt = certPath(certDir, ca.baseName);
  const keyP = keyPath(certDir, ca.baseName);
  if (!ws.exists(crt) && !ws.exists(keyP)) {
    throw new PkiError('CA_MISSING', `couldn't load ${ca.baseName} certificate authority from ${certDir}`);
  }
  // kubeadm's TryLoadCertAndKeyFromDisk: "failed to load certificate: ..." / "failed to load key: ..."
  let cert: LoadedCertificate;
  try {
    cert = loadCertAt(ws, crt);
  } catch (err) {
    throw PkiError.wrap(err, 'CERT_LOAD', 'failed to load certificate');
  }
  // kubeadm's LoadCertificateAuthority
  if (!cert.cert.ca) throw new PkiError('NOT_CA', `${ca.baseName} certificate is not a certificate authority`);
  if (!ws.exists(keyP)) return { cert, key: undefined };
  let key: KeyObject;
  try {
    key = loadKeyAt(ws, keyP);
  } catch (err) {
    throw PkiError.wrap(err, 'KEY_LOAD', 'failed to load key');
  }
  if (!samePublicKey(key, cert.cert.publicKey)) {
    throw new PkiError('CA_KEY_MISMATCH', `the private key ${keyP} does not match the certificate ${crt}: x509: provided PrivateKey doesn't match parent's PublicKey`);
  }
  return { cert, key };
}

