/**
 * `certs renew`: plan every named certificate, sign everything in memory, then back up and write all of it in one
 * journaled commit (spec §5). `--csr-only` writes keys and CSRs built from the existing certificates instead.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, statSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ENCRYPTION_ALGORITHMS, type EncryptionAlgorithm, type RunConfig } from '../config/types.js';
import { hasCode, PkiError } from '../errors.js';
import { currentEntries, dataField, parseKubeconfig, serializeKubeconfig, setDataField, type Kubeconfig } from '../kubeconfig/codec.js';
import { formatExpiryDate } from '../lib/time-format.js';
import { externalCaDetector, signedBy, type Warner } from './authority.js';
import { clientCertificate } from './client-certificate.js';
import { loadCa, loadCertAt, loadKeyAt, type LoadedCa } from './ca-store.js';
import { describeKey, encodePrivateKey, generateKey, parsePrivateKey, samePublicKey } from './keys.js';
import { findCa, type CaName, type KubeconfigSpec, type LeafSpec } from './specs.js';
import { certPath, keyPath, validity } from './store.js';
import { backdatedWindow } from './validity.js';
import type { Workspace } from './workspace.js';
import { issue } from './issue.js';
import { createCsr, localCaSigner } from './signer.js';
import { readCertificateDetails, type CertificateDetails } from './certificate.js';

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
  readonly path: string;
}

const pathOf = (spec: RenewSpec, cfg: RunConfig): string =>
  spec.kind === 'kubeconfig' ? join(cfg.kubeconfigDir, spec.fileName) : certPath(cfg.certificatesDir, spec.baseName);

function readExisting(spec: RenewSpec, o: RenewOptions): Existing {
  const { ws, cfg } = o;
  const path = pathOf(spec, cfg);
  if (spec.kind === 'leaf') {
    const loaded = loadCertAt(ws, path);
    const kp = keyPath(cfg.certificatesDir, spec.baseName);
    return { details: readCertificateDetails(loaded.pem), certPem: loaded.pem, cert: loaded.cert, keyText: ws.exists(kp) ? ws.read(kp) : undefined, path };
  }
  const kc = parseKubeconfig(ws.read(path), path);
  const cur = currentEntries(kc, path);
  const { loaded } = clientCertificate(cur, path);
  return { details: readCertificateDetails(loaded.pem), certPem: loaded.pem, cert: loaded.cert, keyText: dataField(cur.user, 'client-key-data'), kubeconfig: kc, path };
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
        if (hasCode(err, 'CA_MISSING')) throw err;
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
    if (!ws.exists(path) || (spec.etcd && !cfg.etcdLocal)) return { kind: 'missing', spec, message: `MISSING! ${spec.longName}` };
    const caSpec = findCa(spec.ca);
    if (this.isExternal(spec.ca)) {
      return { kind: 'external', spec, message: `Detected external ${caSpec.baseName}, ${spec.longName} can't be renewed` };
    }
    let existing: Existing;
    try {
      existing = readExisting(spec, this.o);
    } catch (err) {
      throw PkiError.wrap(err, 'RENEW_READ', `failed to renew certificate ${spec.name}`);
    }
    const old = existing.details;
    if (this.o.expiringWithinMs !== undefined && old.notAfter.getTime() - start.getTime() > this.o.expiringWithinMs) {
      return {
        kind: 'skipped',
        spec,
        message: `${spec.name}: skipped, expires ${formatExpiryDate(old.notAfter)}, outside the --expiring-within window`,
      };
    }
    const ca = this.ca(spec.ca);
    if (!this.o.csrOnly && !signedBy(existing.cert, ca.cert.cert)) {
      throw new PkiError('NOT_SIGNED', `failed to renew certificate ${spec.name}: ${path} is not signed by ${caSpec.baseName}.crt (x509: certificate signed by unknown authority)`, {
        hint: 'the certificate belongs to another CA; renewing it would silently change its issuer',
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
    if (this.o.csrOnly) return this.writeCsr(spec, old, key, keyPem, keyKept);

    const window = backdatedWindow(start, cfg.certificateValidityMs);
    const { certPem } = await issue({ subject: old.subject, dns: old.dns, ips: old.ips, usages: old.extKeyUsages, key, window }, localCaSigner(ca.cert.pem, ca.key));
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
      setDataField(cur.user, 'client-certificate-data', certPem);
      setDataField(cur.user, 'client-key-data', keyPem);
      setDataField(cur.cluster, 'certificate-authority-data', ca.cert.pem);
      ws.write(path, serializeKubeconfig(kc), 0o600);
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

/** Copies every file that is about to be overwritten into `backupDir`, keeping the layout below `roots`. */
export function backupFiles(paths: readonly string[], backupDir: string, roots: readonly { readonly dir: string; readonly as: string }[]): string[] {
  mkdirSync(backupDir, { recursive: true, mode: 0o700 });
  chmodSync(backupDir, 0o700);
  const copied: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    const root = roots.find((r) => p.startsWith(`${r.dir}/`));
    const rel = root ? join(root.as, p.slice(root.dir.length + 1)) : p.replace(/^\/+/, '');
    const target = join(backupDir, rel);
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    copyFileSync(p, target);
    chmodSync(target, st.mode & 0o777);
    copied.push(target);
  }
  return copied;
}
