/**
 * `certs renew`: plan every named certificate, sign everything in memory, then back up and write all of it in one
 * journaled commit (spec §5). `--csr-only` writes keys and CSRs built from the existing certificates instead.
 */
import { randomBytes, type KeyObject, type X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { ENCRYPTION_ALGORITHMS, type EncryptionAlgorithm, type RunConfig } from '../config/types.js';
import { hasCode, PkiError } from '../errors.js';
import { formatExpiryDate } from '../lib/time-format.js';
import { externalCaDetector } from './external-ca.js';
import type { Warner } from './events.js';
import { signedBy } from '../pki/chain.js';
import { certificateFile, keyLabel, loadLocation, locationOf, replaceLocation, type LoadedLocation } from '../store/locations.js';
import { loadCa, type LoadedCa } from '../store/ca.js';
import { describeKey, encodePrivateKey, generateKey, parsePrivateKey, samePublicKey } from '../pki/keys.js';
import { normalizeAltNames } from '../pki/sans.js';
import { findCa, type CaName, type KubeconfigSpec, type LeafSpec } from '../pki/specs.js';
import { validity } from '../pki/certificate.js';
import { backdatedWindow } from '../pki/validity.js';
import { Workspace } from '../store/workspace.js';
import type { Fs } from '../store/fs.js';
import { backupFiles, backupFolderName, checkPrivateFolder, pruneBackups } from '../store/backup.js';
import { pkiJournal } from '../store/journal.js';
import { NO_HOLD, type Lock } from '../lib/lock.js';
import { beginWrite, type JournalRecovered } from '../store/write-session.js';
import { checkIntegrity } from './integrity.js';
import type { IntegrityFindings } from '../pki/expiration.js';
import { issue } from '../pki/issue.js';
import { createCsr, localCaSigner } from '../pki/signer.js';
import { readCertificateDetails, type CertificateDetails } from '../pki/certificate.js';

export type RenewSpec = LeafSpec | KubeconfigSpec;

export interface RenewOptions {
  readonly cfg: RunConfig;
  readonly start: Date;
  /** where certificates are read and the renewed ones planned (a Workspace; an in-memory Fs in tests) */
  readonly ws: Fs;
  readonly warner: Warner;
  readonly reuseKey: boolean;
  /** renew only certificates whose NotAfter is within this many ms of start */
  readonly expiringWithinMs?: number | undefined;
  readonly csrDir?: string | undefined;
  readonly csrOnly: boolean;
}

export type RenewOutcome =
  | { readonly kind: 'missing'; readonly spec: RenewSpec }
  | { readonly kind: 'external'; readonly spec: RenewSpec }
  /** outside the --expiring-within window */
  | { readonly kind: 'skipped'; readonly spec: RenewSpec; readonly notAfter: Date }
  | {
      readonly kind: 'renewed' | 'csr';
      readonly spec: RenewSpec;
      /** renewed: the files replaced; csr: the key and the CSR written */
      readonly files: readonly string[];
      readonly oldNotAfter: Date;
      readonly newNotAfter: Date;
      readonly keyKept: boolean;
    };

export class Renewer {
  private readonly cas = new Map<CaName, LoadedCa>();
  private readonly isExternal: (ca: CaName) => boolean;
  constructor(private readonly o: RenewOptions) {
    this.isExternal = externalCaDetector(o.cfg.certificatesDir, o.start, o.warner, o.ws);
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
          { hint: 'rotate the CA first: `kubecerts ca rotate plan` (see README "kubecerts ca rotate"), or https://kubernetes.io/docs/tasks/tls/manual-rotation-of-ca-certificates/' },
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
  private algorithmFor(cert: X509Certificate): EncryptionAlgorithm {
    const { cfg } = this.o;
    if (cfg.encryptionAlgorithmSource !== 'default') return cfg.encryptionAlgorithm;
    const own = describeKey(cert.publicKey);
    return (ENCRYPTION_ALGORITHMS as readonly string[]).includes(own) ? (own as EncryptionAlgorithm) : cfg.encryptionAlgorithm;
  }

  /** Plans and signs one certificate; writes go into the workspace. */
  async renew(spec: RenewSpec): Promise<RenewOutcome> {
    const { cfg, ws, start } = this.o;
    const loc = locationOf(spec, cfg);
    const path = certificateFile(loc);
    let present: boolean;
    try {
      present = ws.exists(path);
    } catch (err) {
      // unreadable is not missing: renewing over a file we cannot see could destroy it
      throw new PkiError('RENEW_READ', `failed to renew certificate ${spec.name}: ${(err as Error).message}`, { cause: err });
    }
    if (!present || (spec.etcd && !cfg.etcdLocal)) return { kind: 'missing', spec };
    const caSpec = findCa(spec.ca);
    // kubeadm's renewCert handles --csr-only before the external-CA check: CSRs are what an external CA needs
    if (!this.o.csrOnly && this.isExternal(spec.ca)) return { kind: 'external', spec };
    let existing: LoadedLocation;
    try {
      existing = loadLocation(loc, ws, { key: true, embeddedOnly: true, ...(spec.kind === 'leaf' ? { existingBaseName: spec.baseName } : {}) });
    } catch (err) {
      // kubeadm's readwriters: pkiCertificateReadWriter's "failed to load existing certificate <base>: ..." comes from
      // readExistingCertificate; kubeConfigReadWriter's errors (and ours, in its wording) stand alone
      if (err instanceof PkiError && err.code.startsWith('KUBECONFIG_')) throw err;
      throw new PkiError('RENEW_READ', (err as Error).message, { cause: err, ...(err instanceof PkiError && err.hint ? { hint: err.hint } : {}) });
    }
    const cert = existing.certificate.cert;
    const old = readCertificateDetails(existing.certificate.pem);
    if (this.o.expiringWithinMs !== undefined && old.notAfter.getTime() - start.getTime() > this.o.expiringWithinMs) {
      return { kind: 'skipped', spec, notAfter: old.notAfter };
    }
    const ca = this.o.csrOnly ? undefined : this.ca(spec.ca);
    if (ca && !signedBy(cert, ca.cert.cert)) {
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
      const kp = keyLabel(loc);
      if (existing.keyText === undefined) throw new PkiError('KEY_MISSING', `--reuse-key: no private key for ${spec.name} at ${kp}`);
      key = parsePrivateKey(existing.keyText, kp);
      if (!samePublicKey(key, cert.publicKey)) {
        throw new PkiError('KEY_MISMATCH', `--reuse-key: the private key ${kp} does not match the certificate of ${spec.name}`);
      }
    } else {
      key = await generateKey(this.algorithmFor(cert));
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
      this.o.warner.warn({ kind: 'ca-expires-first', ca: caSpec.baseName, name: spec.name, caNotAfter, notAfter: window.notAfter });
    }
    // a kubeconfig gets the whole CA file as its CA data, so a trust bundle stays whole
    const caPem = [ca.cert.pem, ...ca.cert.rest.map((c) => c.toString())].join('');
    const files = replaceLocation(existing, { certPem, keyPem, caPem }, ws);
    return { kind: 'renewed', spec, files, oldNotAfter: old.notAfter, newNotAfter: window.notAfter, keyKept };
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
    return { kind: 'csr', spec, files: [kp, csrPath], oldNotAfter: old.notAfter, newNotAfter: old.notAfter, keyKept };
  }
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
  /** hears that the commit of an interrupted run was completed before this one (output/write-text.ts renders it) */
  readonly notice: (event: JournalRecovered) => void;
  /** the lock the write takes; default: the PKI folder's pid file */
  readonly lock?: Lock | undefined;
}

export interface RenewRunResult {
  readonly outcomes: readonly RenewOutcome[];
  /** where the replaced files were copied (or, in a dry run, would be); undefined without a backup */
  readonly backupDir: string | undefined;
  /** a dry run's findings about an interrupted renewal or mismatched keys, which it does not repair */
  readonly integrity: IntegrityFindings | undefined;
  readonly written: boolean;
}

/** The files the renewed outcomes replaced, in outcome order (what --restart and --update-kubeconfig look at). */
export const changedFiles = (outcomes: readonly RenewOutcome[]): string[] => outcomes.flatMap((o) => (o.kind === 'renewed' ? o.files : []));

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
  const hold = o.dryRun ? NO_HOLD : await beginWrite({ lockDir: cfg.certificatesDir, lock: o.lock, journal, tempDirs: journal.roots, what: 'renewal', notice: o.notice });
  try {
    // --csr-dir holds new private keys: the same rule as backup folders (created 0700 when absent)
    if (o.csrOnly && o.csrDir !== undefined) {
      checkPrivateFolder(o.csrDir, '--csr-dir', 'CSR_DIR', 'name a folder of your own that only you can write, or a new one (created 0700)');
    }
    // a dry run does not complete an interrupted renewal, so it says what it found instead
    const integrity = o.dryRun ? checkIntegrity(cfg) : undefined;
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
    if (o.dryRun) return { outcomes, backupDir, integrity, written: false };
    if (backupFolder) {
      backupDir = backupFiles(overwritten, o.backupRoot, backupFolder, [
        { dir: cfg.certificatesDir, as: 'pki' },
        { dir: cfg.kubeconfigDir, as: '.' },
      ]);
    }
    await ws.commit(journal);
    if (backupFolder) pruneBackups(o.backupRoot, o.keepBackups);
    return { outcomes, backupDir, integrity, written: true };
  } finally {
    await hold.release();
  }
}
