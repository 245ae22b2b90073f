/**
 * `init phase certs`: create the CAs, leaves and service-account key pair that are missing, reuse (after checking)
 * what exists (kubeadm's certs phase, spec §1, §9). Writes go into the context's Workspace; progress is emitted as
 * typed events (`output/init-text.ts` prints kubeadm's `[certs]` lines).
 */
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { hasCode, PkiError } from '../errors.js';
import { detectExternalCa } from './external-ca.js';
import type { InitContext } from './init-events.js';
import { chainError } from '../pki/chain.js';
import { validateCertificateWithConfig } from '../pki/cert-validation.js';
import { encodePrivateKey, encodePublicKey, KeyPool, parsePrivateKey, samePublicKey } from '../pki/keys.js';
import { computeAltNames, type AltNames } from '../pki/sans.js';
import { findCa, type CaSpec, type KeyPairSpec, type LeafSpec } from '../pki/specs.js';
import { loadCa, loadCertAt, loadKeyAt, type LoadedCa } from '../store/ca.js';
import { certPath, keyPath, readCertificateDetails, validity, type LoadedCertificate } from '../pki/certificate.js';
import { backdatedWindow } from '../pki/validity.js';
import { issue } from '../pki/issue.js';
import { localCaSigner, SelfSigner } from '../pki/signer.js';

const REISSUE_HINT = (base: string): string =>
  `re-run with --reissue to re-sign ${base}.crt for the requested names with its existing key (the old certificate is backed up first), or move ${base}.crt and ${base}.key away to create new ones`;

export class CertPhases {
  private readonly keys: KeyPool;
  constructor(private readonly ctx: InitContext) {
    this.keys = new KeyPool(ctx.cfg.encryptionAlgorithm);
  }

  private get dir(): string {
    return this.ctx.cfg.certificatesDir;
  }

  /** Starts key generation for every named spec whose files are absent, so keys are made in parallel. */
  prefetchKeys(specs: readonly (CaSpec | LeafSpec | KeyPairSpec)[]): void {
    for (const s of specs) {
      if (s.etcd && !this.ctx.cfg.etcdLocal) continue;
      if (!this.ctx.ws.exists(certPath(this.dir, s.baseName)) && !this.ctx.ws.exists(keyPath(this.dir, s.baseName))) void this.keys.get(s.baseName);
    }
  }

  /**
   * One of kubeadm's newInitData checks, run before `init` and before every `init phase` command (for the cluster CA,
   * then the front-proxy CA): a keyless CA whose leaves do not load or chain is "invalid or incomplete external CA:
   * ...". A CA certificate that is absent or does not load is not an error here (kubeadm's UsingExternalCA answers
   * false); the phase that needs it reports it. Returns whether the CA is external; throws PkiError EXTERNAL_CA.
   */
  checkExternalCa(name: 'ca' | 'front-proxy-ca'): boolean {
    const { ws, warner, start } = this.ctx;
    const ca = findCa(name);
    if (!ws.exists(certPath(this.dir, ca.baseName))) return false;
    try {
      return detectExternalCa({ certDir: this.dir, ca, now: start, warner, read: (p) => ws.read(p), exists: (p) => ws.exists(p) });
    } catch (err) {
      if (hasCode(err, 'CA_LOAD') || hasCode(err, 'NOT_CA')) return false;
      const which = ca.name === 'ca' ? '' : `${ca.uxName.replace(/ CA$/, '')} `;
      throw new PkiError('EXTERNAL_CA', `invalid or incomplete external ${which}CA: ${(err as Error).message}`, { cause: err });
    }
  }

  async run(spec: CaSpec | LeafSpec | KeyPairSpec): Promise<void> {
    if (spec.kind === 'ca') return this.runCa(spec);
    if (spec.kind === 'leaf') return this.runLeaf(spec);
    return this.runServiceAccount(spec);
  }

  private async runCa(ca: CaSpec): Promise<void> {
    const { ws, emit, cfg, warner, start } = this.ctx;
    if (ca.etcd && !cfg.etcdLocal) {
      emit({ kind: 'external-etcd-skip', baseName: ca.baseName, ca: true });
      return;
    }
    const crt = certPath(this.dir, ca.baseName);
    if (ws.exists(crt) || ws.exists(keyPath(this.dir, ca.baseName))) {
      let loaded: LoadedCa;
      try {
        loaded = loadCa(ws, this.dir, ca);
      } catch (err) {
        throw new PkiError('CA_LOAD', `failure loading ${ca.baseName} certificate: ${(err as Error).message}`, { cause: err });
      }
      warner.checkPeriod(ca.baseName, loaded.cert.cert, start);
      if (loaded.key) {
        emit({ kind: 'ca-existing', baseName: ca.baseName, keyless: false });
        return;
      }
      try {
        detectExternalCa({ certDir: this.dir, ca, now: start, warner, read: (p) => ws.read(p), exists: (p) => ws.exists(p) });
      } catch (err) {
        const which = ca.name === 'ca' ? '' : `${ca.uxName.replace(/ CA$/, '')} `;
        throw new PkiError('EXTERNAL_CA', `invalid or incomplete external ${which}CA: ${(err as Error).message}`, { cause: err });
      }
      emit({ kind: 'ca-existing', baseName: ca.baseName, keyless: true });
      return;
    }
    emit({ kind: 'generating', baseName: ca.baseName });
    const key = await this.keys.get(ca.baseName);
    const window = backdatedWindow(start, cfg.caCertificateValidityMs);
    const issued = await issue({ subject: { cn: ca.cn, orgs: [] }, dns: [ca.cn], usages: [], isCA: true, key, window }, new SelfSigner());
    ws.writeKey(keyPath(this.dir, ca.baseName), issued.keyPem);
    ws.write(crt, issued.certPem, 0o644);
  }

  private async runLeaf(leaf: LeafSpec): Promise<void> {
    const { ws, emit, cfg, warner, start } = this.ctx;
    const ca = findCa(leaf.ca);
    if (leaf.etcd && !cfg.etcdLocal) {
      emit({ kind: 'external-etcd-skip', baseName: leaf.baseName, ca: false });
      return;
    }
    const crt = certPath(this.dir, leaf.baseName);
    const keyP = keyPath(this.dir, leaf.baseName);
    if (ws.exists(crt) || ws.exists(keyP)) {
      // kubeadm's writeCertificateFilesIfNotExist: "failed to write or validate certificate <name>: failure loading <base> key|certificate: ..."
      const writeOrValidate = (err: unknown, what: 'key' | 'certificate'): PkiError =>
        PkiError.wrap(PkiError.wrap(err, 'LEAF_LOAD', `failure loading ${leaf.baseName} ${what}`), 'LEAF_LOAD', `failed to write or validate certificate "${leaf.name}"`);
      let cert: LoadedCertificate;
      try {
        cert = loadCertAt(ws, crt);
      } catch (certErr) {
        // kubeadm's runCertPhase goes on to CreateCertAndKeyFilesWithCA when the certificate does not load: the CA
        // is loaded first, then the existing key, then the certificate again
        this.loadSigningCa(ca);
        try {
          loadKeyAt(ws, keyP);
        } catch (err) {
          throw writeOrValidate(err, 'key');
        }
        throw writeOrValidate(certErr, 'certificate');
      }
      let key: KeyObject;
      try {
        key = loadKeyAt(ws, keyP);
      } catch (err) {
        // kubeadm does not read the key of a certificate that loads; kubecerts needs it (and the component does)
        throw writeOrValidate(err, 'key');
      }
      warner.checkPeriod(leaf.baseName, cert.cert, start);
      let caCert: LoadedCertificate;
      try {
        caCert = loadCertAt(ws, certPath(this.dir, ca.baseName));
      } catch (err) {
        throw new PkiError('CA_LOAD', `couldn't load CA certificate ${ca.name}: ${(err as Error).message}`, { cause: err });
      }
      warner.checkPeriod(ca.baseName, caCert.cert, start);
      // kubeadm's runCertPhase: pkiutil.VerifyCertChain at the current time
      const chainErr = chainError(cert.cert, caCert.cert, start, cert.rest);
      const caValid = validity(caCert.cert).notAfter >= start && validity(caCert.cert).notBefore <= start;
      if (chainErr !== undefined && !(this.ctx.reissue && caValid && chainErr.includes('expired'))) {
        throw new PkiError(
          'NOT_SIGNED',
          `[certs] certificate ${leaf.baseName} not signed by CA certificate ${ca.baseName}: ${chainErr}`,
          chainErr.includes('expired') ? { hint: REISSUE_HINT(leaf.baseName) } : {},
        );
      }
      if (!samePublicKey(key, cert.cert.publicKey)) warner.warn({ kind: 'key-mismatch', keyPath: keyP, certPath: crt });
      // kubeadm's validateCertificateWithConfig: the existing certificate must cover every SAN asked for now
      const wanted = leaf.sans ? computeAltNames(leaf.sans, cfg, (w) => warner.warn(w)) : { dns: [], ips: [] };
      const sanErr = validateCertificateWithConfig(readCertificateDetails(cert.pem), leaf.baseName, wanted);
      if (chainErr === undefined && sanErr === undefined) {
        emit({ kind: 'leaf-existing', baseName: leaf.baseName });
        return;
      }
      if (!this.ctx.reissue) throw new PkiError('CERT_INVALID', sanErr as string, { hint: REISSUE_HINT(leaf.baseName) });
      if (!samePublicKey(key, cert.cert.publicKey)) {
        throw new PkiError('KEY_MISMATCH', `--reissue: the private key ${keyP} does not match the certificate ${crt}`);
      }
      emit({ kind: 'reissuing', baseName: leaf.baseName, reason: chainErr ?? (sanErr as string) });
      await this.signLeaf(leaf, key, wanted, false);
      return;
    }
    const alt = leaf.sans
      ? computeAltNames(leaf.sans, cfg, (w) => warner.warn(w))
      : { dns: [], ips: [] };
    emit({ kind: 'generating', baseName: leaf.baseName });
    await this.signLeaf(leaf, await this.keys.get(leaf.baseName), alt, true);
  }

  /**
   * The CA that signs a leaf, as kubeadm's CreateCertAndKeyFilesWithCA loads it: errors read "couldn't load CA
   * certificate <name>: ..." around LoadCertificateAuthority's own ("failure loading <base> certificate authority: ...").
   */
  private loadSigningCa(ca: CaSpec): LoadedCa & { key: KeyObject } {
    const { ws } = this.ctx;
    let loaded: LoadedCa;
    try {
      try {
        loaded = loadCa(ws, this.dir, ca);
      } catch (err) {
        // kubeadm's LoadCertificateAuthority wraps load failures, not a missing CA or one that is not a CA
        if (hasCode(err, 'CA_MISSING') || hasCode(err, 'NOT_CA')) throw err;
        throw PkiError.wrap(err, 'CA_LOAD', `failure loading ${ca.baseName} certificate authority`);
      }
      if (!loaded.key) throw new PkiError('CA_KEY_MISSING', `failure loading ${ca.baseName} certificate authority: failed to load key: couldn't load the private key file ${keyPath(this.dir, ca.baseName)}: open ${keyPath(this.dir, ca.baseName)}: no such file or directory`);
    } catch (err) {
      throw new PkiError('CA_LOAD', `couldn't load CA certificate ${ca.name}: ${(err as Error).message}`, { cause: err });
    }
    return loaded as LoadedCa & { key: KeyObject };
  }

  /** Signs `leaf` for `alt` with `key` under its CA and puts the certificate (and, when `writeKey`, the key) in the workspace. */
  private async signLeaf(leaf: LeafSpec, key: KeyObject, alt: AltNames, writeKey: boolean): Promise<void> {
    const { ws, emit, cfg, start } = this.ctx;
    const loaded = this.loadSigningCa(findCa(leaf.ca));
    if (alt.dns.length + alt.ips.length > 0) emit({ kind: 'signed-for', baseName: leaf.baseName, dns: alt.dns, ips: alt.ips });
    const { certPem, keyPem } = await issue(
      { subject: { cn: leaf.cn(cfg), orgs: leaf.orgs }, dns: alt.dns, ips: alt.ips, usages: leaf.usages, key, window: backdatedWindow(start, cfg.certificateValidityMs) },
      localCaSigner(loaded.cert.pem, loaded.key),
    );
    if (writeKey) ws.writeKey(keyPath(this.dir, leaf.baseName), keyPem);
    ws.write(certPath(this.dir, leaf.baseName), certPem, 0o644);
  }

  private async runServiceAccount(sa: KeyPairSpec): Promise<void> {
    const { ws, emit } = this.ctx;
    const keyP = keyPath(this.dir, sa.baseName);
    const caCrt = certPath(this.dir, 'ca');
    if (ws.exists(caCrt) && !ws.exists(keyPath(this.dir, 'ca'))) {
      emit({ kind: 'sa-keyless' });
      return;
    }
    if (ws.exists(keyP)) {
      try {
        parsePrivateKey(ws.read(keyP), keyP);
      } catch (err) {
        throw new PkiError('SA_LOAD', `file ${sa.baseName}.key existed but it could not be loaded properly: ${(err as Error).message}`, { cause: err });
      }
      emit({ kind: 'sa-existing', baseName: sa.baseName });
      return;
    }
    emit({ kind: 'sa-generating', baseName: sa.baseName });
    const key = await this.keys.get(sa.baseName);
    ws.writeKey(keyP, encodePrivateKey(key));
    ws.write(join(this.dir, `${sa.baseName}.pub`), encodePublicKey(key), 0o600);
  }
}
