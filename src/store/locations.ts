/**
 * Where a certificate lives, as kubeadm's renewal read-writers know it (cmd/kubeadm/app/phases/certs/renewal/
 * readwriter.go): a `.crt`/`.key` pair under the certificate folder, or the client certificate of a kubeconfig's
 * current user. Plain load → replace functions over a file reader and writer (a Workspace, or an in-memory `Fs` in
 * tests), with no hidden state between the two: what replace needs is in what load returned. check-expiration,
 * renew, generate-csr and CA rotation reach certificates only through here.
 */
import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { RunConfig } from '../config/types.js';
import { KubeconfigError, PkiError } from '../errors.js';
import { currentEntries, dataField, parseKubeconfig, serializeKubeconfig, setDataField, type CurrentEntries, type Kubeconfig } from '../kubeconfig/codec.js';
import { replaceValues } from '../kubeconfig/in-place.js';
import type { CaSpec, KubeconfigSpec, LeafSpec } from '../pki/specs.js';
import type { FileReader, FileWriter } from './fs.js';
import { readCertificateFile, readExistingCertificate } from './pki-files.js';
import { hostPath } from './rootfs.js';
import { certPath, keyPath, parseCertificates, parseFailureReason, type LoadedCertificate } from '../pki/certificate.js';

export type { FileReader, FileWriter };

export type Location =
  | { readonly kind: 'pair'; readonly name: string; readonly certPath: string; readonly keyPath: string }
  | { readonly kind: 'kubeconfig'; readonly name: string; readonly path: string };

/** A `.crt`/`.key` pair. */
export type PairLocation = Extract<Location, { kind: 'pair' }>;

/** The location of a table entry under the run's folders (a CA is a pair too). */
export function locationOf(spec: CaSpec | LeafSpec | KubeconfigSpec, cfg: Pick<RunConfig, 'certificatesDir' | 'kubeconfigDir'>): Location {
  if (spec.kind !== 'kubeconfig') return pairAt(spec.name, cfg.certificatesDir, spec.baseName);
  return { kind: 'kubeconfig', name: spec.name, path: join(cfg.kubeconfigDir, spec.fileName) };
}

/** A pair `<dir>/<baseName>.crt` + `.key` named `name`. */
export const pairAt = (name: string, dir: string, baseName: string): PairLocation => ({
  kind: 'pair', name, certPath: certPath(dir, baseName), keyPath: keyPath(dir, baseName),
});

/** The file that holds the certificate: the `.crt` of a pair, the kubeconfig itself. */
export const certificateFile = (loc: Location): string => (loc.kind === 'pair' ? loc.certPath : loc.path);

/** Where the private key is, for messages: the `.key` file, or `<kubeconfig> (client-key-data)`. */
export const keyLabel = (loc: Location): string => (loc.kind === 'pair' ? loc.keyPath : `${loc.path} (client-key-data)`);

/**
 * The files `certs generate-csr` writes for a location (kubeadm's createKeyAndCSR / createKubeConfigAndCSR): the
 * request and key next to a pair (`<base>.csr`, `<base>.key`); next to a kubeconfig, `<file>.csr`, with the key
 * inside the kubeconfig (`<file>.key` must not exist either).
 */
export function requestFiles(loc: Location): { readonly csr: string; readonly key: string } {
  if (loc.kind === 'pair') {
    const base = loc.certPath.replace(/\.crt$/, '');
    return { csr: `${base}.csr`, key: loc.keyPath };
  }
  return { csr: `${loc.path}.csr`, key: `${loc.path}.key` };
}

export interface LoadedLocation {
  readonly location: Location;
  /** the certificate (the first of the file or of client-certificate-data) */
  readonly certificate: LoadedCertificate;
  /** the file the certificate came from: the location's, or the file a kubeconfig's client-certificate names */
  readonly source: string;
  /** the private key's text; undefined when there is none (no .key file, no client-key-data) or it was not asked for */
  readonly keyText: string | undefined;
  /** the parsed kubeconfig and its text as read, for replace */
  readonly kubeconfig?: Kubeconfig;
  readonly text?: string;
}

export interface LoadOptions {
  /** read the private key too (a pair's `.key` when it exists; a kubeconfig's client-key-data always comes along) */
  readonly key?: boolean;
  /** a kubeconfig must embed certificate-authority-data: KubeconfigError NO_CA_DATA (check-expiration, as kubeadm) */
  readonly requireCaData?: boolean;
  /**
   * renew's rule: the CA must be embedded (kubeadm's kubeConfigReadWriter.Read), and no file reference may stand
   * next to what renewal embeds (kubectl rejects `x` with `x-data`). PkiError KUBECONFIG_CA_FILE / KUBECONFIG_FILE_REF.
   */
  readonly embeddedOnly?: boolean;
  /** read a `client-certificate` file reference (relative to the kubeconfig) when nothing is embedded (kubelet.conf) */
  readonly readReference?: (file: string) => string;
  /**
   * a leaf pair read as kubeadm's pkiCertificateReadWriter reads it: errors say "failed to load existing certificate
   * <existingBaseName>: error reading <path>: ..." (renew and check-expiration)
   */
  readonly existingBaseName?: string;
}

/**
 * Loads the certificate (and key text) at `loc`. Throws PkiError for an unreadable or malformed pair (kubeadm's
 * "couldn't load the certificate file"), what `files.read` throws for an unreadable kubeconfig, and KubeconfigError
 * with kubeadm's wording for a kubeconfig without a current user, CA data (when required) or a client certificate.
 */
export function loadLocation(loc: Location, files: FileReader, o: LoadOptions = {}): LoadedLocation {
  if (loc.kind === 'pair') {
    const read = (p: string): string => files.read(p);
    const certificate = o.existingBaseName !== undefined ? readExistingCertificate(loc.certPath, o.existingBaseName, read) : readCertificateFile(loc.certPath, read);
    const keyText = o.key && files.exists(loc.keyPath) ? files.read(loc.keyPath) : undefined;
    return { location: loc, certificate, source: loc.certPath, keyText };
  }
  const text = files.read(loc.path);
  const kubeconfig = parseKubeconfig(text, loc.path);
  const cur = currentEntries(kubeconfig, loc.path);
  if (o.requireCaData && dataField(cur.cluster, 'certificate-authority-data') === undefined) {
    throw new KubeconfigError('NO_CA_DATA', `kubeConfig file ${loc.path} does not have an embedded server certificate`);
  }
  if (o.embeddedOnly) refuseUnembedded(cur, loc.path);
  const { certificate, source } = clientCertificate(cur, loc.path, o.readReference);
  return { location: loc, certificate, source, keyText: dataField(cur.user, 'client-key-data'), kubeconfig, text };
}

/** The first certificate of `client-certificate-data`, or of the file `client-certificate` names when allowed. */
function clientCertificate(cur: CurrentEntries, path: string, readReference?: (file: string) => string): { certificate: LoadedCertificate; source: string } {
  let source = path;
  let text = dataField(cur.user, 'client-certificate-data');
  const ref = cur.user['client-certificate'];
  if (text === undefined && readReference && typeof ref === 'string') {
    // an absolute reference names a file on the host: under --rootfs it lies inside the rootfs
    source = isAbsolute(ref) ? hostPath(ref) : resolvePath(dirname(path), ref);
    text = readReference(source);
  }
  if (text === undefined) throw new KubeconfigError('NO_CLIENT_CERT', `kubeConfig file ${path} does not have an embedded client certificate`);
  try {
    return { certificate: parseCertificates(text, source), source };
  } catch (err) {
    // kubeadm's kubeConfigReadWriter.Read: errors.Wrapf(ParseCertsPEM's error, "... does not contain a valid client certificate")
    throw new KubeconfigError('BAD_CLIENT_CERT', `kubeConfig file ${path} does not contain a valid client certificate: ${parseFailureReason(err)}`, { cause: err });
  }
}

function refuseUnembedded(cur: CurrentEntries, path: string): void {
  if (dataField(cur.cluster, 'certificate-authority-data') === undefined) {
    throw new PkiError('KUBECONFIG_CA_FILE', `kubeConfig file ${path} does not have an embedded server certificate`, {
      hint: 'embed the CA (kubectl config set-cluster NAME --embed-certs --certificate-authority=FILE --kubeconfig FILE) and renew again',
    });
  }
  const refs: [Record<string, unknown>, string][] = [[cur.cluster, 'certificate-authority'], [cur.user, 'client-certificate'], [cur.user, 'client-key']];
  for (const [entry, key] of refs) {
    if (typeof entry[key] === 'string' && entry[key] !== '') {
      throw new PkiError('KUBECONFIG_FILE_REF', `kubeConfig file ${path} refers to a ${key} file; renewal embeds ${key}-data and kubectl rejects a file with both, so it is not renewed`, {
        hint: `remove the ${key} file reference from ${path} and renew again`,
      });
    }
  }
}

export interface Replacement {
  readonly certPem: string;
  readonly keyPem: string;
  /**
   * a kubeconfig's new certificate-authority-data: the signing CA's whole file (during a CA rotation it holds old
   * and new, and both must stay trusted; kubeadm writes the first certificate only)
   */
  readonly caPem: string;
}

/**
 * Plans the writes that put a new certificate and key where `loaded` came from: the pair's two files (key 0600,
 * certificate 0644), or the kubeconfig (0600) with its client certificate, key and CA data replaced in place and
 * every other byte kept (re-serialized when a value cannot be replaced unambiguously). Returns the paths written.
 */
export function replaceLocation(loaded: LoadedLocation, next: Replacement, files: FileWriter): string[] {
  const loc = loaded.location;
  if (loc.kind === 'pair') return replacePair(loc, next.certPem, next.keyPem, files);
  if (!loaded.kubeconfig) throw new KubeconfigError('KUBECONFIG_INVALID', `invalid kubeConfig file ${loc.path}: not loaded`);
  return editKubeconfig(loc.path, loaded.text, structuredClone(loaded.kubeconfig), files, [
    ['user', 'client-certificate-data', next.certPem],
    ['user', 'client-key-data', next.keyPem],
    ['cluster', 'certificate-authority-data', next.caPem],
  ]);
}

/**
 * Plans a pair's two files: the key (0600) first, then the certificate (0644; a chain when `certPem` holds more
 * than one certificate, as reissue's leaf followed by its cross certificate). Returns the paths written, key first.
 */
export function replacePair(loc: PairLocation, certPem: string, keyPem: string, files: FileWriter): string[] {
  files.writeKey(loc.keyPath, keyPem);
  files.write(loc.certPath, certPem, 0o644);
  return [loc.keyPath, loc.certPath];
}

/** A kubeconfig as read: its path and its whole text. */
export interface KubeconfigText {
  readonly path: string;
  readonly text: string;
}

/**
 * Plans the write of a kubeconfig (0600) with the current cluster's certificate-authority-data set to `caPem`, kept
 * whole (a CA rotation's trust bundle: [old, new], [new, old] or [new]) and, when `client` is given, the current
 * user's client certificate and key replaced too; every other byte is kept (re-serialized when a value cannot be
 * replaced unambiguously). Unlike `replaceLocation` it needs no client certificate in the file (a kubelet.conf
 * that names its certificate file still gets the CA data). Returns the paths written. Throws KubeconfigError for
 * text that is not a kubeconfig or has no current context.
 */
export function replaceKubeconfigCaData(file: KubeconfigText, caPem: string, files: FileWriter, client?: { readonly certPem: string; readonly keyPem: string }): string[] {
  return editKubeconfig(file.path, file.text, parseKubeconfig(file.text, file.path), files, [
    ['cluster', 'certificate-authority-data', caPem],
    ...(client ? ([['user', 'client-certificate-data', client.certPem], ['user', 'client-key-data', client.keyPem]] as const) : []),
  ]);
}

/**
 * Sets `fields` (in this order) of `kc`'s current cluster or user, and plans the kubeconfig's write: `text` with
 * each changed value replaced where it stands, or `kc` re-serialized when that cannot be done unambiguously.
 */
function editKubeconfig(path: string, text: string | undefined, kc: Kubeconfig, files: FileWriter, fields: readonly (readonly ['cluster' | 'user', string, string])[]): string[] {
  const cur = currentEntries(kc, path);
  const values = (): unknown[] => fields.map(([entry, key]) => cur[entry][key]);
  const before = values();
  for (const [entry, key, value] of fields) setDataField(cur[entry], key, value);
  const edited = text === undefined ? undefined : replaceValues(text, before, values());
  files.write(path, edited ?? serializeKubeconfig(kc), 0o600);
  return [path];
}
