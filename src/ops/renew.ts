/**
 * `certs renew`: plan every named certificate, sign everything in memory, then back up and write all of it in one
 * journaled commit (spec §5). `--csr-only` writes keys and CSRs built from the existing certificates instead.
 */
import { randomBytes, type KeyObject, type X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { ENCRYPTION_ALGORITHMS, type EncryptionAlgorithm, type RunConfig } from '../config/types.js';
import { hasCode, PkiError } from '../errors.js';
import { currentEntries, dataField, parseKubeconfig, serializeKubeconfig, setDataField, type Kubeconfig } from '../kubeconfig/codec.js';
import { formatExpiryDate } from '../lib/time-format.js';
import { externalCaDetector, type Warner } from './external-ca.js';
import { signedBy } from '../pki/chain.js';
import { clientCertificate } from '../store/client-certificate.js';
import { loadCa, loadKeyAt, type LoadedCa } from '../store/ca.js';
import { readExistingCertificate } from '../store/pki-files.js';
import { describeKey, encodePrivateKey, generateKey, parsePrivateKey, samePublicKey } from '../pki/keys.js';
import { normalizeAltNames } from '../pki/sans.js';
import { findCa, type CaName, type KubeconfigSpec, type LeafSpec } from '../pki/specs.js';
import { certPath, keyPath, validity } from '../pki/certificate.js';
import { backdatedWindow } from '../pki/validity.js';
import { Workspace } from '../store/workspace.js';
import { backupFiles, backupFolderName, checkPrivateFolder, pruneBackups } from '../store/backup.js';
import { pkiJournal } from '../store/journal.js';
import { beginWrite } from '../store/write-session.js';
import { checkIntegrity, integrityWarnings } from './integrity.js';
import { issue } from '../pki/issue.js';
import { createCsr, localCaSigner } from '../pki/signer.js';
import { readCertificateDetails, type CertificateDetails } from '../pki/certificate.js';

export type RenewSpec = LeafSpec | KubeconfigSpec;

export interface RenewOptions {
  readonly cfg: RunConfig;
  readonly start: Date;
  readonly ws: Workspace;
  readonly warner: Warner;
  readonly reuseKey: boolean;
  /** renew only certificates whose NotAfter is within this many ms of start */
  readonly expiringWithinMs?: number | undefined;
  readonly csrDir?: string | undefined;
  readonly csrOnly: boolean;
}

export type RenewOutcome =
  | { readonly kind: 'missing'; readonly spec: RenewSpec; readonly message: string }
  | { readonly kind: 'external'; readonly spec: RenewSpec; readonly message: string }
  | { readonly kind: 'skipped'; readonly spec: RenewSpec; readonly message: string }
  | {
      readonly kind: 'renewed' | 'csr';
      readonly spec: RenewSpec;
      readonly message: string;
      readonly files: readonly string[];
      readonly oldNotAfter: Date;
      readonly newNotAfter: Date;
      readonly keyKept: boolean;
    };

interface Existing {
  readonly details: CertificateDetails;
  readonly certPem: string;
  readonly cert: X509Certificate;
  readonly keyText: string | undefined;
  readonly kubeconfig?: Kubeconfig;
  /** the kubeconfig's text as read */
  readonly text?: string;
  readonly path: string;
}

const pathOf = (spec: RenewSpec, cfg: RunConfig): string =>
  spec.kind === 'kubeconfig' ? join(cfg.kubeconfigDir, spec.fileName) : certPath(cfg.certificatesDir, spec.baseName);

function readExisting(spec: RenewSpec, o: RenewOptions): Existing {
  const { ws, cfg } = o;
  const path = pathOf(spec, cfg);
  if (spec.kind === 'leaf') {
    const loaded = readExistingCertificate(path, spec.baseName, (p) => ws.read(p));
    const kp = keyPath(cfg.certificatesDir, spec.baseName);
    return { details: readCertificateDetails(loaded.pem), certPem: loaded.pem, cert: loaded.cert, keyText: ws.exists(kp) ? ws.read(kp) : undefined, path };
  }
  const text = ws.read(path);
  const kc = parseKubeconfig(text, path);
  const cur = currentEntries(kc, path);
  refuseUnembedded(cur, path);
  const { loaded } = clientCertificate(cur, path);
  return { details: readCertificateDetails(loaded.pem), certPem: loaded.pem, cert: loaded.cert, keyText: dataField(cur.user, 'client-key-data'), kubeconfig: kc, text, path };
}

/**
 * kubeadm's kubeConfigReadWriter.Read refuses a kubeconfig whose cluster CA is not embedded; kubecerts also refuses
 * file references next to what renewal embeds (certificate-authority, client-certificate, client-key), because a
 * kubeconfig with both `x` and `x-data` is rejected by kubectl.
 */
function refuseUnembedded(cur: ReturnType<typeof currentEntries>, path: string): void {
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

export class Renewer {
  private readonly cas = new Map<CaName, LoadedCa>();
  private readonly isExternal: (ca: CaName) => boolean;
  constructor(private readonly o: RenewOptions) {
    this.isExternal = externalCaDetector(o.cfg.certificatesDir, o.start, o.warner);
  }

  private ca(name: CaName): LoadedCa & { key: KeyObject } {
    let ca = this.cas.get(name);
    const spec = findCa(name);
    if (!ca) {
      try {
        ca = loadCa(this.o.ws, this.o.cfg.certificatesDir, spec);
      } catch (err) {
        if (hasCode(err, 'CA_MISSING') || hasCode(err, 'NOT_CA')) throw err;
        throw PkiError.wrap(err, 'CA_LOAD', `failure loading ${spec.baseName} certificate authority`);
      }
      const { notAfter } = validity(ca.cert.cert);
      if (notAfter < this.o.start) {
        throw new PkiError(
          'CA_EXPIRED',
          `${spec.baseName} certificate authority expired on ${formatExpiryDate(notAfter)}: certificates it signs would not verify`,
          { hint: 'rotate the CA first (https://kubernetes.io/docs/tasks/tls/manual-rotation-of-ca-certificates/)' },
        );
      }
      this.cas.set(name, ca);
    }
    if (!ca.key) throw new PkiError('CA_KEY_MISSING', `couldn't load ${spec.baseName} certificate authority from ${this.o.cfg.certificatesDir}: ${spec.baseName}.key is missing`);
    return ca as LoadedCa & { key: KeyObject };
  }

  /**
   * The key algorithm of a renewed certificate: the one chosen with --encryption-algorithm or in the config file,
   * else the existing certificate's own (an ECDSA PKI stays ECDSA without a config file).
   */
  private algorithmFor(existing: Existing): EncryptionAlgorithm {
    const { cfg } = this.o;
    if (cfg.encryptionAlgorithmSource !== 'default') return cfg.encryptionAlgorithm;
    const own = describeKey(existing.cert.publicKey);
    return (ENCRYPTION_ALGORITHMS as readonly string[]).includes(own) ? (own as EncryptionAlgorithm) : cfg.encryptionAlgorithm;
  }

  /** Plans and signs one certificate; writes go into the workspace. */
  async renew(spec: RenewSpec): Promise<RenewOutcome> {
    const { cfg, ws, start } = this.o;
    const path = pathOf(spec, cfg);
    let present: boolean;
    try {
      present = ws.exists(path);
    } catch (err) {
      // unreadable is not missing: renewing over a file we cannot see could destroy it
      throw new PkiError('RENEW_READ', `failed to renew certificate ${spec.name}: ${(err as Error).message}`, { cause: err });
    }
    if (!present || (spec.etcd && !cfg.etcdLocal)) return { kind: 'missing', spec, message: `MISSING! ${spec.longName}` };
    const caSpec = findCa(spec.ca);
    // kubeadm's renewCert handles --csr-only before the external-CA check: CSRs are what an external CA needs
    if (!this.o.csrOnly && this.isExternal(spec.ca)) {
      return { kind: 'external', spec, message: `Detected external ${caSpec.baseName}, ${spec.longName} can't be renewed` };
    }
    let existing: Existing;
    try {
      existing = readExisting(spec, this.o);
    } catch (err) {
      // kubeadm's readwriters: pkiCertificateReadWriter's "failed to load existing certificate <base>: ..." comes from
      // readExistingCertificate; kubeConfigReadWriter's errors (and ours, in its wording) stand alone
      if (err instanceof PkiError && err.code.startsWith('KUBECONFIG_')) throw err;
      throw new PkiError('RENEW_READ', (err as Error).message, { cause: err, ...(err instanceof PkiError && err.hint ? { hint: err.hint } : {}) });
    }
    const old = existing.details;
    if (this.o.expiringWithinMs !== undefined && old.notAfter.getTime() - start.getTime() > this.o.expiringWithinMs) {
      return {
        kind: 'skipped',
        spec,
        message: `${spec.name}: skipped, expires ${formatExpiryDate(old.notAfter)}, outside the --expiring-within window`,
      };
    }
    const ca = this.o.csrOnly ? undefined : this.ca(spec.ca);
    if (ca && !signedBy(existing.cert, ca.cert.cert)) {
      throw new PkiError('NOT_SIGNED', `failed to renew certificate ${spec.name}: ${path} is not signed by ${caSpec.baseName}.crt (x509: certificate signed by unknown authority)`, {
        hint: 'the certificate belongs to another CA; renewing it would silently change its issuer',
      });
    }
    // kubeadm's NewSignedCert: "must specify at least one ExtKeyUsage"; a certificate without EKUs is not renewed
    if (!this.o.csrOnly && old.extKeyUsages.length + old.otherExtKeyUsages.length === 0) {
      throw new PkiError('NO_EKU', `failed to renew certificate ${spec.name}: must specify at least one ExtKeyUsage`, {
        hint: `${path} has no extended key usage; kubeadm's certificates all have serverAuth and/or clientAuth: re-create it with init phase`,
      });
    }
    const keyKept = this.o.reuseKey;
    let key: KeyObject;
    if (keyKept) {
      const kp = spec.kind === 'leaf' ? keyPath(cfg.certificatesDir, spec.baseName) : `${path} (client-key-data)`;
      if (existing.keyText === undefined) throw new PkiError('KEY_MISSING', `--reuse-key: no private key for ${spec.name} at ${kp}`);
      key = parsePrivateKey(existing.keyText, kp);
      if (!samePublicKey(key, existing.cert.publicKey)) {
        throw new PkiError('KEY_MISMATCH', `--reuse-key: the private key ${kp} does not match the certificate of ${spec.name}`);
      }
    } else {
      key = await generateKey(this.algorithmFor(existing));
    }
    const keyPem = encodePrivateKey(key);
    if (!ca) return this.writeCsr(spec, old, key, keyPem, keyKept);

    const window = backdatedWindow(start, cfg.certificateValidityMs);
    // kubeadm's NewSignedCert runs RemoveDuplicateAltNames: DNS names sorted and de-duplicated, IPs de-duplicated
    const alt = normalizeAltNames({ dns: old.dns, ips: old.ips });
    const { certPem } = await issue(
      { subject: old.subject, dns: alt.dns, ips: alt.ips, usages: old.extKeyUsages, otherUsageOids: old.otherExtKeyUsages, key, window },
      localCaSigner(ca.cert.pem, ca.key),
    );
    const caNotAfter = validity(ca.cert.cert).notAfter;
    if (caNotAfter < window.notAfter) {
      this.o.warner.warn(
        `WARNING: ${caSpec.baseName} expires ${formatExpiryDate(caNotAfter)}, before the renewed ${spec.name} (${formatExpiryDate(window.notAfter)}); rotate the CA before then`,
      );
    }
    const files: string[] = [];
    if (spec.kind === 'leaf') {
      const kp = keyPath(cfg.certificatesDir, spec.baseName);
      ws.writeKey(kp, keyPem);
      ws.write(path, certPem, 0o644);
      files.push(kp, path);
    } else {
      const kc = existing.kubeconfig as Kubeconfig;
      const cur = currentEntries(kc, path);
      const before = [cur.user['client-certificate-data'], cur.user['client-key-data'], cur.cluster['certificate-authority-data']];
      setDataField(cur.user, 'client-certificate-data', certPem);
      setDataField(cur.user, 'client-key-data', keyPem);
      // the whole CA file: during a CA rotation it holds old and new, and both must stay trusted (kubeadm writes the first only)
      setDataField(cur.cluster, 'certificate-authority-data', [ca.cert.pem, ...ca.cert.rest.map((c) => c.toString())].join(''));
      const after = [cur.user['client-certificate-data'], cur.user['client-key-data'], cur.cluster['certificate-authority-data']];
      const edited = replaceValues(existing.text ?? '', before, after);
      ws.write(path, edited ?? serializeKubeconfig(kc), 0o600);
      files.push(path);
    }
    return { kind: 'renewed', spec, message: `${spec.longName} renewed`, files, oldNotAfter: old.notAfter, newNotAfter: window.notAfter, keyKept };
  }

  private async writeCsr(spec: RenewSpec, old: CertificateDetails, key: KeyObject, keyPem: string, keyKept: boolean): Promise<RenewOutcome> {
    const dir = this.o.csrDir ?? this.o.cfg.certificatesDir;
    const csrPath = join(dir, `${spec.name}.csr`);
    const kp = join(dir, `${spec.name}.key`);
    for (const p of [csrPath, kp]) {
      if (this.o.ws.exists(p)) throw new PkiError('EXISTS', `file already exists: key or CSR ${p}`, { hint: 'move the old key and CSR away first' });
    }
    const csr = await createCsr({ subject: old.subject, dns: old.dns, ips: old.ips, key });
    this.o.ws.writeKey(kp, keyPem, 0o700);
    this.o.ws.write(csrPath, csr, 0o600, 0o700);
    return { kind: 'csr', spec, message: `${spec.name}: wrote ${kp} and ${csrPath}`, files: [kp, csrPath], oldNotAfter: old.notAfter, newNotAfter: old.notAfter, keyKept };
  }
}

/**
 * The kubeconfig text with each changed base64 value replaced in place, so every byte kubecerts does not change
 * (other users, comments, key order, quoting) stays as it was. Undefined when a value cannot be replaced
 * unambiguously (absent, or present more than once); the caller then writes the re-serialized document.
 */
export function replaceValues(text: string, before: readonly unknown[], after: readonly unknown[]): string | undefined {
  let out = text;
  for (let i = 0; i < before.length; i++) {
    const b = before[i];
    const a = after[i];
    if (b === a) continue;
    if (typeof b !== 'string' || typeof a !== 'string' || !/^[A-Za-z0-9+/=]{16,}$/.test(b)) return undefined;
    const at = out.indexOf(b);
    if (at < 0 || out.indexOf(b, at + 1) >= 0) return undefined;
    // the whole scalar must be the value: bounded by the line's start of value and its end
    const end = at + b.length;
    if (/[A-Za-z0-9+/=]/.test(out[at - 1] ?? '') || /[A-Za-z0-9+/=]/.test(out[end] ?? '')) return undefined;
    out = out.slice(0, at) + a + out.slice(end);
  }
  return out;
}

export interface RenewRunOptions {
  readonly cfg: RunConfig;
  readonly start: Date;
  readonly specs: readonly RenewSpec[];
  readonly dryRun: boolean;
  readonly csrOnly: boolean;
  /** where --csr-only writes; default: a fresh folder under <kubeconfig-dir>/tmp */
  readonly csrDir: string | undefined;
  readonly reuseKey: boolean;
  readonly expiringWithinMs: number | undefined;
  /** back up the files a renewal replaces (not for --csr-only) */
  readonly backup: boolean;
  /** parent folder of the backup folders */
  readonly backupRoot: string;
  /** backup folders to keep, this run's included */
  readonly keepBackups: number;
  readonly warner: Warner;
  /** a line about an interrupted run completed before this one (stderr) */
  readonly notice: (line: string) => void;
}

export interface RenewRunResult {
  readonly outcomes: readonly RenewOutcome[];
  /** where the replaced files were copied (or, in a dry run, would be); undefined without a backup */
  readonly backupDir: string | undefined;
  /** a dry run's findings about an interrupted renewal or mismatched keys, which it does not repair */
  readonly integrityWarnings: readonly string[];
  readonly written: boolean;
}

/** A fresh folder name for --csr-only without --csr-dir: time and a random suffix, so nobody can plant it first. */
const csrFolderName = (start: Date): string => `kubecerts-csr-${start.toISOString().replace(/[:.]/g, '-')}-${randomBytes(8).toString('hex')}`;

/**
 * `certs renew`: under the PKI's lock (after completing an interrupted commit), renews every spec in memory, then
 * backs up the files it replaces, commits them in one journaled step and prunes old backups. A dry run takes no lock
 * and writes nothing. Returns the outcomes; throws what loading, signing or writing raised (nothing is written then).
 */
export async function renewCertificates(o: RenewRunOptions): Promise<RenewRunResult> {
  const { cfg, start } = o;
  const journal = pkiJournal(cfg.certificatesDir, cfg.kubeconfigDir);
  const release = o.dryRun ? () => undefined : beginWrite({ lockDir: cfg.certificatesDir, journal, tempDirs: journal.roots, what: 'renewal', notice: o.notice });
  try {
    // --csr-dir holds new private keys: the same rule as backup folders (created 0700 when absent)
    if (o.csrOnly && o.csrDir !== undefined) {
      checkPrivateFolder(o.csrDir, '--csr-dir', 'CSR_DIR', 'name a folder of your own that only you can write, or a new one (created 0700)');
    }
    // a dry run does not complete an interrupted renewal, so it says what it found instead
    const warnings = o.dryRun ? integrityWarnings(checkIntegrity(cfg)) : [];
    const ws = new Workspace();
    const renewer = new Renewer({
      cfg, start, ws, warner: o.warner, reuseKey: o.reuseKey, expiringWithinMs: o.expiringWithinMs, csrOnly: o.csrOnly,
      // the default is a fresh folder, so a CSR run can never collide with (or replace) a live key
      csrDir: o.csrDir ?? join(cfg.kubeconfigDir, 'tmp', csrFolderName(start)),
    });
    // sign everything in memory first; nothing is written unless all of it succeeded
    const outcomes = await Promise.all(o.specs.map((s) => renewer.renew(s)));
    const overwritten = ws.planned().map((w) => w.path);
    const backupFolder = o.backup && !o.csrOnly && overwritten.length > 0 ? backupFolderName(start) : undefined;
    let backupDir = backupFolder === undefined ? undefined : join(o.backupRoot, backupFolder);
    if (o.dryRun) return { outcomes, backupDir, integrityWarnings: warnings, written: false };
    if (backupFolder) {
      backupDir = backupFiles(overwritten, o.backupRoot, backupFolder, [
        { dir: cfg.certificatesDir, as: 'pki' },
        { dir: cfg.kubeconfigDir, as: '.' },
      ]);
    }
    await ws.commit(journal);
    if (backupFolder) pruneBackups(o.backupRoot, o.keepBackups);
    return { outcomes, backupDir, integrityWarnings: warnings, written: true };
  } finally {
    release();
  }
}
