/** CA-related checks shared by init, check-expiration and renew (spec §4.8, §7). node:crypto only. */
import { PkiError } from '../errors.js';
import type { Warner } from './events.js';
import type { FileReader } from '../store/fs.js';
import { parsePrivateKey } from '../pki/keys.js';
import { findCa, LEAF_SPECS, type CaName, type CaSpec } from '../pki/specs.js';
import { pathPresent, readCertificateFile, readSmallFile } from '../store/pki-files.js';
import { certPath, keyPath, type LoadedCertificate } from '../pki/certificate.js';
import { chainError } from '../pki/chain.js';

export interface ExternalCaOptions {
  readonly certDir: string;
  readonly ca: CaSpec;
  readonly now: Date;
  readonly warner: Warner;
  readonly read?: (path: string) => string;
  readonly exists?: (path: string) => boolean;
}

/**
 * kubeadm's UsingExternal*CA: false when the CA key is present; true when it is absent and every leaf of that CA
 * loads and chains to it. Throws PkiError with kubeadm's wording (unwrapped) on a broken CA or leaf.
 */
export function detectExternalCa(o: ExternalCaOptions): boolean {
  const read = o.read ?? readSmallFile;
  const exists = o.exists ?? pathPresent;
  let ca: LoadedCertificate;
  try {
    ca = readCertificateFile(certPath(o.certDir, o.ca.baseName), read);
  } catch (err) {
    throw new PkiError('CA_LOAD', `failure loading certificate for ${o.ca.uxName}: ${(err as Error).message}`, { cause: err });
  }
  if (!ca.cert.ca) throw new PkiError('NOT_CA', `certificate ${o.ca.uxName} is not a CA`);
  o.warner.checkPeriod(o.ca.uxName, ca.cert, o.now);
  if (exists(keyPath(o.certDir, o.ca.baseName))) return false;
  for (const leaf of LEAF_SPECS.filter((l) => l.ca === o.ca.name)) {
    const kp = keyPath(o.certDir, leaf.baseName);
    try {
      parsePrivateKey(read(kp), kp);
    } catch (err) {
      throw new PkiError('KEY_LOAD', `failure loading key for ${leaf.baseName}: ${(err as Error).message}`, { cause: err });
    }
    let cert: LoadedCertificate;
    try {
      cert = readCertificateFile(certPath(o.certDir, leaf.baseName), read);
    } catch (err) {
      throw new PkiError('CERT_LOAD', `failure loading certificate for ${leaf.uxName}: ${(err as Error).message}`, { cause: err });
    }
    o.warner.checkPeriod(leaf.uxName, cert.cert, o.now);
    const bad = chainError(cert.cert, ca.cert, o.now, cert.rest);
    if (bad) throw new PkiError('NOT_SIGNED', `certificate ${leaf.uxName} is not signed by corresponding CA: ${bad}`);
  }
  return true;
}

/** detectExternalCa wrapped as check-expiration and renew report it. */
export function detectExternalCaOrFail(o: ExternalCaOptions): boolean {
  try {
    return detectExternalCa(o);
  } catch (err) {
    throw new PkiError('EXTERNAL_CA_CHECK', `Error checking external CA condition for ${o.ca.baseName} certificate authority: ${(err as Error).message}`, { cause: err });
  }
}

/** detectExternalCaOrFail per CA, each CA checked once per run (check-expiration and renew ask per row). */
export function externalCaDetector(certDir: string, now: Date, warner: Warner, files?: FileReader): (ca: CaName) => boolean {
  const known = new Map<CaName, boolean>();
  return (ca) => {
    let v = known.get(ca);
    if (v === undefined) {
      v = detectExternalCaOrFail({ certDir, ca: findCa(ca), now, warner, ...(files ? { read: (p: string) => files.read(p), exists: (p: string) => files.exists(p) } : {}) });
      known.set(ca, v);
    }
    return v;
  };
}

