/**
 * Where a certificate lives, as kubeadm's renewal read-writers know it: a `.crt`/`.key` pair under the certificate
 * folder, or the client certificate of a kubeconfig's current user. Plain load → replace functions over a file
 * reader and writer (a Workspace, or a test double), with no hidden state between the two: what replace needs is
 * in what load returned.
 */
import { join } from 'node:path';
import type { RunConfig } from '../config/types.js';
import { KubeconfigError } from '../errors.js';
import { currentEntries, dataField, parseKubeconfig, serializeKubeconfig, setDataField, type Kubeconfig } from '../kubeconfig/codec.js';
import { certificatePems } from '../pki/pem.js';
import type { KubeconfigSpec, LeafSpec } from '../pki/specs.js';
import { readCertificateFile } from './pki-files.js';
import { certPath, keyPath, parseCertificates, parseFailureReason, type LoadedCertificate } from '../pki/certificate.js';

export type Location =
  | { readonly kind: 'pair'; readonly name: string; readonly certPath: string; readonly keyPath: string }
  | { readonly kind: 'kubeconfig'; readonly name: string; readonly path: string };

/** Reads files: `read` throws (with Go's wording) when a file cannot be read; `exists` never throws. */
export interface FileReader {
  exists(path: string): boolean;
  read(path: string): string;
}

/** Plans writes: `write` keeps a replaced file's mode and owner; `writeKey` writes 0600. */
export interface FileWriter {
  write(path: string, data: string, mode: number): void;
  writeKey(path: string, pem: string): void;
}

/** The location of a table entry under the run's folders. */
export function locationOf(spec: LeafSpec | KubeconfigSpec, cfg: Pick<RunConfig, 'certificatesDir' | 'kubeconfigDir'>): Location {
  if (spec.kind === 'leaf') {
    return { kind: 'pair', name: spec.name, certPath: certPath(cfg.certificatesDir, spec.baseName), keyPath: keyPath(cfg.certificatesDir, spec.baseName) };
  }
  return { kind: 'kubeconfig', name: spec.name, path: join(cfg.kubeconfigDir, spec.fileName) };
}

/** The file that holds the certificate: the `.crt` of a pair, the kubeconfig itself. */
export const certificateFile = (loc: Location): string => (loc.kind === 'pair' ? loc.certPath : loc.path);

export interface LoadedLocation {
  readonly location: Location;
  /** the certificate (the first of the file or of client-certificate-data) */
  readonly certificate: LoadedCertificate;
  /** the private key's text, undefined when there is none (no .key file, no client-key-data) */
  readonly keyText: string | undefined;
  /** the parsed kubeconfig, for replace */
  readonly kubeconfig?: Kubeconfig;
}

export interface LoadOptions {
  /** a kubeconfig must embed certificate-authority-data (check-expiration, as kubeadm) */
  readonly requireCaData?: boolean;
}

/**
 * Loads the certificate (and key text) at `loc`. Throws PkiError for an unreadable or malformed pair, and
 * KubeconfigError with kubeadm's wording for a kubeconfig without a current user, CA data (when required) or an
 * embedded client certificate.
 */
export function loadLocation(loc: Location, files: FileReader, o: LoadOptions = {}): LoadedLocation {
  if (loc.kind === 'pair') {
    const certificate = readCertificateFile(loc.certPath, (p) => files.read(p));
    return { location: loc, certificate, keyText: files.exists(loc.keyPath) ? files.read(loc.keyPath) : undefined };
  }
  const kubeconfig = parseKubeconfig(files.read(loc.path), loc.path);
  const cur = currentEntries(kubeconfig, loc.path);
  if (o.requireCaData && dataField(cur.cluster, 'certificate-authority-data') === undefined) {
    throw new KubeconfigError('NO_CA_DATA', `kubeConfig file ${loc.path} does not have an embedded server certificate`);
  }
  const text = dataField(cur.user, 'client-certificate-data');
  if (text === undefined) throw new KubeconfigError('NO_CLIENT_CERT', `kubeConfig file ${loc.path} does not have an embedded client certificate`);
  let certificate: LoadedCertificate;
  try {
    certificate = parseCertificates(text, loc.path);
  } catch (err) {
    // kubeadm's kubeConfigReadWriter.Read: errors.Wrapf(ParseCertsPEM's error, "... does not contain a valid client certificate")
    throw new KubeconfigError('BAD_CLIENT_CERT', `kubeConfig file ${loc.path} does not contain a valid client certificate: ${parseFailureReason(err)}`, { cause: err });
  }
  return { location: loc, certificate, keyText: dataField(cur.user, 'client-key-data'), kubeconfig };
}

export interface Replacement {
  readonly certPem: string;
  readonly keyPem: string;
  /** the signing CA's certificate file text: every certificate in it is kept (a bundle stays whole) */
  readonly caText: string;
}

/**
 * Plans the writes that put a new certificate and key where `loaded` came from: the pair's two files, or the
 * kubeconfig with its client certificate, key and CA data replaced and everything else kept. Returns the paths.
 */
export function replaceLocation(loaded: LoadedLocation, next: Replacement, files: FileWriter): string[] {
  const loc = loaded.location;
  if (loc.kind === 'pair') {
    files.writeKey(loc.keyPath, next.keyPem);
    files.write(loc.certPath, next.certPem, 0o644);
    return [loc.keyPath, loc.certPath];
  }
  if (!loaded.kubeconfig) throw new KubeconfigError('KUBECONFIG_INVALID', `invalid kubeConfig file ${loc.path}: not loaded`);
  const kc = structuredClone(loaded.kubeconfig);
  const cur = currentEntries(kc, loc.path);
  setDataField(cur.user, 'client-certificate-data', next.certPem);
  setDataField(cur.user, 'client-key-data', next.keyPem);
  setDataField(cur.cluster, 'certificate-authority-data', certificatePems(next.caText).join(''));
  files.write(loc.path, serializeKubeconfig(kc), 0o600);
  return [loc.path];
}
