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
import type { LoadedLocation } from '../store/locations.js';
import type { X509Certificate } from 'node:crypto';

/**
 * True when the key PEM and the certificate hold different public keys; false when either cannot be read. `cert`
 * is the certificate's PEM, or the certificate the expiry scan already parsed.
 */
function mismatched(cert: string | X509Certificate, keyPem: string, where: string): boolean {
  try {
    const parsed = typeof cert === 'string' ? parseCertificates(cert, where).cert : cert;
    // the public key the key file declares, compared in DER; only when that does not show a match is the key
    // decoded and the pair compared by OpenSSL's X509_check_private_key
    if (keyDeclaresCertificateKey(keyPem, parsed.raw)) return false;
    return !parsed.checkPrivateKey(parsePrivateKey(keyPem, where));
  } catch {
    return false; // unreadable or malformed files are reported by the expiry scan itself
  }
}

/**
 * Checks the PKI of `cfg` for a pending journal and for keys that do not match their certificates. `loaded` holds
 * what the expiry scan already read, by row name: those certificates and kubeconfigs are not read and parsed again
 * (a kubeconfig's YAML is the slow part); any other row is read here. Never throws.
 */
export function checkIntegrity(cfg: RunConfig, loaded: ReadonlyMap<string, LoadedLocation> = new Map()): IntegrityFindings {
  const journal = pkiJournal(cfg.certificatesDir, cfg.kubeconfigDir);
  const keyMismatch: string[] = [];
  for (const spec of activeSpecs(RENEWABLE_SPECS, cfg)) {
    const seen = loaded.get(spec.name);
    try {
      if (spec.kind === 'leaf') {
        const crt = certPath(cfg.certificatesDir, spec.baseName);
        const key = keyPath(cfg.certificatesDir, spec.baseName);
        if (mismatched(seen?.certificate.cert ?? readSmallFile(crt), readSmallFile(key), key)) keyMismatch.push(spec.name);
      } else if (seen) {
        if (seen.keyText !== undefined && mismatched(seen.certificate.cert, seen.keyText, seen.location.kind === 'kubeconfig' ? seen.location.path : seen.source)) keyMismatch.push(spec.name);
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
