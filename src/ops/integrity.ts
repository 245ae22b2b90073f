/**
 * What a reading command must notice besides expiry: a commit that was interrupted (its journal is still there,
 * so some files may be new and others old) and a private key that does not match its certificate.
 */
import { join } from 'node:path';
import type { RunConfig } from '../config/types.js';
import { currentEntries, dataField, parseKubeconfig } from '../kubeconfig/codec.js';
import { journalPending, pkiJournal } from '../store/journal.js';
import { keyDeclaresCertificateKey, parsePrivateKey } from '../pki/keys.js';
import { activeSpecs, RENEWABLE_SPECS } from '../pki/specs.js';
import { readSmallFile } from '../store/pki-files.js';
import { certPath, keyPath, parseCertificates } from '../pki/certificate.js';
import { type IntegrityFindings } from '../pki/expiration.js';

/** True when the key PEM and the certificate PEM hold different public keys; false when either cannot be read. */
function mismatched(certPem: string, keyPem: string, where: string): boolean {
  try {
    const cert = parseCertificates(certPem, where).cert;
    // the public key the key file declares, compared in DER; only when that does not show a match is the key
    // decoded and the pair compared by OpenSSL's X509_check_private_key
    if (keyDeclaresCertificateKey(keyPem, cert.raw)) return false;
    return !cert.checkPrivateKey(parsePrivateKey(keyPem, where));
  } catch {
    return false; // unreadable or malformed files are reported by the expiry scan itself
  }
}

/** Checks the PKI of `cfg` for a pending journal and for keys that do not match their certificates. Never throws. */
export function checkIntegrity(cfg: RunConfig): IntegrityFindings {
  const journal = pkiJournal(cfg.certificatesDir, cfg.kubeconfigDir);
  const keyMismatch: string[] = [];
  for (const spec of activeSpecs(RENEWABLE_SPECS, cfg)) {
    try {
      if (spec.kind === 'leaf') {
        const crt = certPath(cfg.certificatesDir, spec.baseName);
        const key = keyPath(cfg.certificatesDir, spec.baseName);
        if (mismatched(readSmallFile(crt), readSmallFile(key), key)) keyMismatch.push(spec.name);
      } else {
        const path = join(cfg.kubeconfigDir, spec.fileName);
        const cur = currentEntries(parseKubeconfig(readSmallFile(path), path), path);
        const cert = dataField(cur.user, 'client-certificate-data');
        const key = dataField(cur.user, 'client-key-data');
        if (cert !== undefined && key !== undefined && mismatched(cert, key, path)) keyMismatch.push(spec.name);
      }
    } catch {
      // absent or unreadable: the expiry scan reports it
    }
  }
  let pending = false;
  try {
    pending = journalPending(journal);
  } catch {
    pending = false;
  }
  return { ...(pending ? { pendingJournal: journal.path } : {}), keyMismatch };
}

/** True when `f` reports anything (what --fail-within fails on besides expiry). */
export const integrityFailed = (f: IntegrityFindings): boolean => f.pendingJournal !== undefined || f.keyMismatch.length > 0;
