/**
 * Reads every certificate check-expiration reports (spec §4.3): PKI leaves, kubeconfig client certificates, CAs and,
 * on request, the kubelet's. node:crypto only, so this path never loads the X.509 library.
 */
import type { X509Certificate } from 'node:crypto';
import { realPath } from '../store/rootfs.js';
import { join } from 'node:path';
import type { RunConfig } from '../config/types.js';
import { KubeconfigError, PkiError } from '../errors.js';
import { currentEntries, dataField, parseKubeconfig } from '../kubeconfig/codec.js';
import { clientCertificate } from '../store/client-certificate.js';
import { externalCaDetector, type Warner } from './external-ca.js';
import type { CertificateFacts } from '../pki/expiration.js';
import { describeKey } from '../pki/keys.js';
import { activeSpecs, CA_SPECS, RENEWABLE_SPECS } from '../pki/specs.js';
import { fileExists, readCertificateFile, readExistingCertificate, readSmallFile } from '../store/pki-files.js';
import { certPath, validity } from '../pki/certificate.js';

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
}

function facts(name: string, path: string, caName: string, cert: X509Certificate, external: boolean): CertificateFacts {
  const { notBefore, notAfter } = validity(cert);
  return { name, path, caName, missing: false, notBefore, notAfter, externallyManaged: external, serial: cert.serialNumber, keyAlgorithm: describeKey(cert.publicKey) };
}

/** The current user's client certificate of the kubeconfig at `path` (embedded, or a referenced file when allowed). */
function readKubeconfigClientCert(path: string, o: { allowFileReference: boolean; requireCaData: boolean }): { cert: X509Certificate; source: string } {
  let text: string;
  try {
    text = readSmallFile(path);
  } catch (err) {
    throw new KubeconfigError('KUBECONFIG_READ', `failed to load kubeConfig file ${path}: ${(err as Error).message}`);
  }
  const cur = currentEntries(parseKubeconfig(text, path), path);
  if (o.requireCaData && dataField(cur.cluster, 'certificate-authority-data') === undefined) {
    throw new KubeconfigError('NO_CA_DATA', `kubeConfig file ${path} does not have an embedded server certificate`);
  }
  const { loaded, source } = clientCertificate(cur, path, o.allowFileReference ? readSmallFile : undefined);
  return { cert: loaded.cert, source };
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
  for (const spec of activeSpecs(RENEWABLE_SPECS, cfg)) {
    const path = spec.kind === 'kubeconfig' ? join(cfg.kubeconfigDir, spec.fileName) : certPath(cfg.certificatesDir, spec.baseName);
    certificates.push(
      guard(spec.name, path, spec.ca, () => {
        const external = isExternal(spec.ca);
        // kubeadm's GetCertificateExpirationInfo reads through pkiCertificateReadWriter: "failed to load existing certificate <base>: ..."
        if (spec.kind === 'leaf') return facts(spec.name, path, spec.ca, readExistingCertificate(path, spec.baseName).cert, external);
        return facts(spec.name, path, spec.ca, readKubeconfigClientCert(path, { allowFileReference: false, requireCaData: true }).cert, external);
      }),
    );
  }
  if (o.kubeletDir !== undefined) certificates.push(...scanKubelet(o, o.kubeletDir, guard));

  const authorities: CertificateFacts[] = [];
  for (const ca of activeSpecs(CA_SPECS, cfg)) {
    const path = certPath(cfg.certificatesDir, ca.baseName);
    authorities.push(guard(ca.name, path, '', () => facts(ca.name, path, '', readCertificateFile(path).cert, isExternal(ca.name))));
  }
  return { certificates, authorities };
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
        return facts('kubelet-client', real, 'ca', readCertificateFile(real).cert, false);
      }),
    );
  }
  const serving = join(dir, 'kubelet.crt');
  rows.push(guard('kubelet-serving', serving, '', () => facts('kubelet-serving', serving, '', readCertificateFile(serving).cert, false)));
  const conf = join(o.cfg.kubeconfigDir, 'kubelet.conf');
  {
    rows.push(
      guard('kubelet.conf', conf, 'ca', () => {
        const { cert, source } = readKubeconfigClientCert(conf, { allowFileReference: true, requireCaData: false });
        return facts('kubelet.conf', source, 'ca', cert, false);
      }),
    );
  }
  return rows;
}
