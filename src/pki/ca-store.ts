/** Loading CAs, certificates and keys through a Workspace, with kubeadm's error wording. */
import type { KeyObject } from 'node:crypto';
import { PkiError } from '../errors.js';
import { parsePrivateKey, samePublicKey } from './keys.js';
import type { CaSpec } from './specs.js';
import { certPath, keyPath, parseCertificates, type LoadedCertificate } from './store.js';
import type { Workspace } from './workspace.js';

export interface LoadedCa {
  readonly cert: LoadedCertificate;
  readonly key: KeyObject | undefined;
}

export function loadCertAt(ws: Workspace, path: string): LoadedCertificate {
  let text: string;
  try {
    text = ws.read(path);
  } catch (err) {
    throw new PkiError('CERT_READ', `couldn't load the certificate file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseCertificates(text, path);
}

export function loadKeyAt(ws: Workspace, path: string): KeyObject {
  let text: string;
  try {
    text = ws.read(path);
  } catch (err) {
    throw new PkiError('KEY_READ', `couldn't load the private key file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parsePrivateKey(text, path);
}

/** Loads a CA (certificate, and key when present), checking that the key belongs to the certificate. */
export function loadCa(ws: Workspace, certDir: string, ca: CaSpec): LoadedCa {
  const crt = certPath(certDir, ca.baseName);
  const keyP = keyPath(certDir, ca.baseName);
  if (!ws.exists(crt) && !ws.exists(keyP)) {
    throw new PkiError('CA_MISSING', `couldn't load ${ca.baseName} certificate authority from ${certDir}`);
  }
  const cert = loadCertAt(ws, crt);
  if (!cert.cert.ca) throw new PkiError('NOT_CA', `${ca.baseName} certificate is not a certificate authority`);
  if (!ws.exists(keyP)) return { cert, key: undefined };
  const key = loadKeyAt(ws, keyP);
  if (!samePublicKey(key, cert.cert.publicKey)) {
    throw new PkiError('CA_KEY_MISMATCH', `the private key ${keyP} does not match the certificate ${crt}: x509: provided PrivateKey doesn't match parent's PublicKey`);
  }
  return { cert, key };
}

