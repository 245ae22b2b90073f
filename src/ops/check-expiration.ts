/**
 * Reads every certificate check-expiration reports (spec §4.3): PKI leaves, kubeconfig client certificates, CAs and,
 * on request, the kubelet's. node:crypto only, so this path never loads the X.509 library.
 */
import type { X509Certificate } from 'node:crypto';
import { realPath } from '../store/rootfs.js';
import { join } from 'node:path';
import type { RunConfig } from '../config/types.js';
import { KubeconfigError, PkiError } from '../errors.js';
import { certificateFile, loadLocation, locationOf, pairAt, type FileReader, type LoadedLocation, type LoadOptions, type Location } from '../store/locations.js';
import { externalCaDetector } from './external-ca.js';
import type { Warner } from './events.js';
import { buildExpirationReport, type CertificateFacts, type ExpirationReport, type IntegrityFindings } from '../pki/expiration.js';
import { checkIntegrity } from './integrity.js';
import { describeKey } from '../pki/keys.js';
import { activeSpecs, CA_SPECS, RENEWABLE_SPECS } from '../pki/specs.js';
import { fileExists, readSmallFile } from '../store/pki-files.js';
import { validity } from '../pki/certificate.js';

export interface ScanOptions {
  readonly cfg: RunConfig;
  readonly now: Date;
  readonly warner: Warner;
  /** record per-row errors instead of throwing (prometheus output) */
  readonly tolerant: boolean;
  readonly kubeletDir?: string | undefined;
}

export interface ScanResult {
  readonly certificates: CertificateFacts[];
  readonly authorities: CertificateFacts[];
  /** the leaf and kubeconfig locations the scan read, by row name (for the integrity check, which reads no file twice) */
  readonly loaded: ReadonlyMap<string, LoadedLocation>;
}

function facts(name: string, path: string, caName: string, cert: X509Certificate, external: boolean): CertificateFacts {
  const { notBefore, notAfter } = validity(cert);
  return { name, path, caName, missing: false, notBefore, notAfter, externallyManaged: external, serial: cert.serialNumber, keyAlgorithm: describeKey(cert.publicKey) };
}

/** check-expiration reads a kubeconfig with kubeadm's wording for an unreadable file. */
const kubeconfigReader: FileReader = {
  exists: fileExists,
  read(path) {
    try {
      return readSmallFile(path);
    } catch (err) {
      throw new KubeconfigError('KUBECONFIG_READ', `failed to load kubeConfig file ${path}: ${(err as Error).message}`);
    }
  },
};
const pairReader: FileReader = { exists: fileExists, read: readSmallFile };

/**
 * The certificate at `loc` as a row's facts; `o` as for loadLocation (a kubeconfig's row shows where the certificate
 * came from). What was loaded is kept in `seen` under the row's name when given.
 */
function factsAt(loc: Location, caName: string, external: boolean, o: LoadOptions = {}, seen?: Map<string, LoadedLocation>): CertificateFacts {
  const loaded = loadLocation(loc, loc.kind === 'pair' ? pairReader : kubeconfigReader, o);
  seen?.set(loc.name, loaded);
  return facts(loc.name, loc.kind === 'pair' ? loc.certPath : loaded.source, caName, loaded.certificate.cert, external);
}

export function scanExpiration(o: ScanOptions): ScanResult {
  const { cfg } = o;
  const isExternal = externalCaDetector(cfg.certificatesDir, o.now, o.warner);
  const missing = (name: string, path: string, caName: string): CertificateFacts => ({ name, path, caName, missing: true, externallyManaged: false });
  // a row is "missing" only when stat says the file does not exist; any other failure is an unreadable row
  const guard = (name: string, path: string, caName: string, f: () => CertificateFacts): CertificateFacts => {
    try {
      if (!fileExists(path)) return missing(name, path, caName);
      return f();
    } catch (err) {
      if (!o.tolerant) throw err;
      return { name, path, caName, missing: false, externallyManaged: false, error: (err as Error).message };
    }
  };

  const certificates: CertificateFacts[] = [];
  const loaded = new Map<string, LoadedLocation>();
  for (const spec of activeSpecs(RENEWABLE_SPECS, cfg)) {
    const loc = locationOf(spec, cfg);
    certificates.push(guard(spec.name, certificateFile(loc), spec.ca, () => factsAt(loc, spec.ca, isExternal(spec.ca), {
      requireCaData: true,
      // kubeadm's GetCertificateExpirationInfo reads through pkiCertificateReadWriter: "failed to load existing certificate <base>: ..."
      ...(spec.kind === 'leaf' ? { existingBaseName: spec.baseName } : {}),
    }, loaded)));
  }
  if (o.kubeletDir !== undefined) certificates.push(...scanKubelet(o, o.kubeletDir, guard));

  const authorities: CertificateFacts[] = [];
  for (const ca of activeSpecs(CA_SPECS, cfg)) {
    const loc = locationOf(ca, cfg);
    authorities.push(guard(ca.name, certificateFile(loc), '', () => factsAt(loc, '', isExternal(ca.name))));
  }
  return { certificates, authorities, loaded };
}

type Guard = (name: string, path: string, caName: string, f: () => CertificateFacts) => CertificateFacts;

function scanKubelet(o: ScanOptions, dir: string, guard: Guard): CertificateFacts[] {
  const rows: CertificateFacts[] = [];
  const client = join(dir, 'kubelet-client-current.pem');
  {
    rows.push(
      guard('kubelet-client', client, 'ca', () => {
        let real = client;
        try {
          real = realPath(client);
        } catch (err) {
          throw new PkiError('READ', `cannot resolve ${client}: ${(err as Error).message}`);
        }
        // the kubelet keeps certificate and key in one file
        return factsAt({ kind: 'pair', name: 'kubelet-client', certPath: real, keyPath: real }, 'ca', false);
      }),
    );
  }
  const serving = pairAt('kubelet-serving', dir, 'kubelet');
  rows.push(guard('kubelet-serving', certificateFile(serving), '', () => factsAt(serving, '', false)));
  const conf = join(o.cfg.kubeconfigDir, 'kubelet.conf');
  {
    rows.push(
      guard('kubelet.conf', conf, 'ca', () => factsAt({ kind: 'kubeconfig', name: 'kubelet.conf', path: conf }, 'ca', false, { readReference: readSmallFile })),
    );
  }
  return rows;
}

/**
 * check-expiration's whole read of a node: the scan, the integrity findings (an interrupted write, keys that do not
 * match their certificates) and the report at `o.now`. Throws what the scan throws (unless `o.tolerant`).
 */
export function checkExpiration(o: ScanOptions): ExpirationReport & { readonly integrity: IntegrityFindings } {
  const scan = scanExpiration(o);
  const integrity = checkIntegrity(o.cfg, scan.loaded);
  return { ...buildExpirationReport(scan.certificates, scan.authorities, o.now), integrity };
}
