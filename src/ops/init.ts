/**
 * `init phase certs` and `init phase kubeconfig`: create what is missing, reuse what exists (spec §1, §2.4, §9).
 * All writes go into a Workspace; the caller commits (or, for --dry-run, only lists) them.
 */
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import type { RunConfig } from '../config/types.js';
import { describe, hasCode, PkiError } from '../errors.js';
import { hostPath, inRoot } from '../store/rootfs.js';
import { buildKubeconfig, currentEntries, dataField, parseKubeconfig, serializeKubeconfig } from '../kubeconfig/codec.js';
import { controlPlaneEndpoint, localEndpoint } from '../kubeconfig/endpoint.js';
import { detectExternalCa, type Warner } from './external-ca.js';
import { chainError } from '../pki/chain.js';
import { validateCertificateWithConfig } from '../pki/cert-validation.js';
import { encodePrivateKey, encodePublicKey, KeyPool, parsePrivateKey, samePublicKey } from '../pki/keys.js';
import { computeAltNames, formatSanWarning, type AltNames } from '../pki/sans.js';
import { findCa, type CaSpec, type KeyPairSpec, type KubeconfigSpec, type LeafSpec } from '../pki/specs.js';
import { loadCa, loadCertAt, loadKeyAt, type LoadedCa } from '../store/ca.js';
import { firstCertificatePem } from '../pki/pem.js';
import { certPath, keyPath, validity, type LoadedCertificate } from '../pki/certificate.js';
import { backdatedWindow, caAnchoredWindow } from '../pki/validity.js';
import type { Workspace } from '../store/workspace.js';
import { readTextFile } from '../store/pki-files.js';
import { readCertificateDetails } from '../pki/certificate.js';
import { issue } from '../pki/issue.js';
import { localCaSigner, SelfSigner } from '../pki/signer.js';

export interface InitContext {
  readonly cfg: RunConfig;
  readonly start: Date;
  readonly ws: Workspace;
  readonly out: (line: string) => void;
  readonly warner: Warner;
  /** --reissue: re-sign an existing leaf that no longer fits the config (SANs, expiry) with its own key instead of failing */
  readonly reissue?: boolean;
}

const REISSUE_HINT = (base: string): string =>
  `re-run with --reissue to re-sign ${base}.crt for the requested names with its existing key (the old certificate is backed up first), or move ${base}.crt and ${base}.key away to create new ones`;

const SIGNED_FOR = (base: string, dns: readonly string[], ips: readonly string[]): string =>
  `[certs] ${base} serving cert is signed for DNS names [${dns.join(' ')}] and IPs [${ips.join(' ')}]`;

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
   * false); the phase that needs it reports it. Returns whether the CA is external.
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
    const { ws, out, cfg, warner, start } = this.ctx;
    if (ca.etcd && !cfg.etcdLocal) {
      out(`[certs] External etcd mode: Skipping ${ca.baseName} certificate authority generation`);
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
        out(`[certs] Using existing ${ca.baseName} certificate authority`);
        return;
      }
      try {
        detectExternalCa({ certDir: this.dir, ca, now: start, warner, read: (p) => ws.read(p), exists: (p) => ws.exists(p) });
      } catch (err) {
        const which = ca.name === 'ca' ? '' : `${ca.uxName.replace(/ CA$/, '')} `;
        throw new PkiError('EXTERNAL_CA', `invalid or incomplete external ${which}CA: ${(err as Error).message}`, { cause: err });
      }
      out(`[certs] Using existing ${ca.baseName} keyless certificate authority`);
      return;
    }
    out(`[certs] Generating "${ca.baseName}" certificate and key`);
    const key = await this.keys.get(ca.baseName);
    const window = backdatedWindow(start, cfg.caCertificateValidityMs);
    const issued = await issue({ subject: { cn: ca.cn, orgs: [] }, dns: [ca.cn], usages: [], isCA: true, key, window }, new SelfSigner());
    ws.writeKey(keyPath(this.dir, ca.baseName), issued.keyPem);
    ws.write(crt, issued.certPem, 0o644);
  }

  private async runLeaf(leaf: LeafSpec): Promise<void> {
    const { ws, out, cfg, warner, start } = this.ctx;
    const ca = findCa(leaf.ca);
    if (leaf.etcd && !cfg.etcdLocal) {
      out(`[certs] External etcd mode: Skipping ${leaf.baseName} certificate generation`);
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
      if (!samePublicKey(key, cert.cert.publicKey)) warner.warn(`WARNING: the private key ${keyP} does not match the certificate ${crt}`);
      // kubeadm's validateCertificateWithConfig: the existing certificate must cover every SAN asked for now
      const wanted = leaf.sans ? computeAltNames(leaf.sans, cfg, (w) => warner.warn(formatSanWarning(w))) : { dns: [], ips: [] };
      const sanErr = validateCertificateWithConfig(readCertificateDetails(cert.pem), leaf.baseName, wanted);
      if (chainErr === undefined && sanErr === undefined) {
        out(`[certs] Using existing ${leaf.baseName} certificate and key on disk`);
        return;
      }
      if (!this.ctx.reissue) throw new PkiError('CERT_INVALID', sanErr as string, { hint: REISSUE_HINT(leaf.baseName) });
      if (!samePublicKey(key, cert.cert.publicKey)) {
        throw new PkiError('KEY_MISMATCH', `--reissue: the private key ${keyP} does not match the certificate ${crt}`);
      }
      out(`[certs] Reissuing "${leaf.baseName}" certificate with its existing key: ${chainErr ?? sanErr}`);
      await this.signLeaf(leaf, key, wanted, false);
      return;
    }
    const alt = leaf.sans
      ? computeAltNames(leaf.sans, cfg, (w) => warner.warn(formatSanWarning(w)))
      : { dns: [], ips: [] };
    out(`[certs] Generating "${leaf.baseName}" certificate and key`);
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
    const { ws, out, cfg, start } = this.ctx;
    const loaded = this.loadSigningCa(findCa(leaf.ca));
    if (alt.dns.length + alt.ips.length > 0) out(SIGNED_FOR(leaf.baseName, alt.dns, alt.ips));
    const { certPem, keyPem } = await issue(
      { subject: { cn: leaf.cn(cfg), orgs: leaf.orgs }, dns: alt.dns, ips: alt.ips, usages: leaf.usages, key, window: backdatedWindow(start, cfg.certificateValidityMs) },
      localCaSigner(loaded.cert.pem, loaded.key),
    );
    if (writeKey) ws.writeKey(keyPath(this.dir, leaf.baseName), keyPem);
    ws.write(certPath(this.dir, leaf.baseName), certPem, 0o644);
  }

  private async runServiceAccount(sa: KeyPairSpec): Promise<void> {
    const { ws, out } = this.ctx;
    const keyP = keyPath(this.dir, sa.baseName);
    const caCrt = certPath(this.dir, 'ca');
    if (ws.exists(caCrt) && !ws.exists(keyPath(this.dir, 'ca'))) {
      out('[certs] Using existing sa keys');
      return;
    }
    if (ws.exists(keyP)) {
      try {
        parsePrivateKey(ws.read(keyP), keyP);
      } catch (err) {
        throw new PkiError('SA_LOAD', `file ${sa.baseName}.key existed but it could not be loaded properly: ${(err as Error).message}`, { cause: err });
      }
      out(`[certs] Using the existing "${sa.baseName}" key`);
      return;
    }
    out(`[certs] Generating "${sa.baseName}" key and public key`);
    const key = await this.keys.get(sa.baseName);
    ws.writeKey(keyP, encodePrivateKey(key));
    ws.write(join(this.dir, `${sa.baseName}.pub`), encodePublicKey(key), 0o600);
  }
}

export class KubeconfigPhases {
  private readonly keys: KeyPool;
  constructor(private readonly ctx: InitContext) {
    this.keys = new KeyPool(ctx.cfg.encryptionAlgorithm);
  }

  private path(spec: KubeconfigSpec): string {
    return join(this.ctx.cfg.kubeconfigDir, spec.fileName);
  }

  prefetchKeys(specs: readonly KubeconfigSpec[]): void {
    for (const s of specs) if (!this.ctx.ws.exists(this.path(s))) void this.keys.get(s.name);
  }

  /**
   * The API server URL of `spec`. With `warn`, kubeadm's "[endpoint] WARNING: port specified in controlPlaneEndpoint
   * overrides bindPort" is printed: its getKubeConfigSpecsBase resolves the control-plane endpoint once per kubeconfig
   * phase, the local ones (controller-manager, scheduler) included.
   */
  private server(spec: KubeconfigSpec, warn: boolean): string {
    const cpe = controlPlaneEndpoint(this.ctx.cfg, warn ? (l) => this.ctx.warner.warn(l) : () => undefined);
    return spec.endpoint === 'local' ? localEndpoint(this.ctx.cfg) : cpe;
  }

  private loadCaForKubeconfig(): LoadedCa {
    const { ws, cfg } = this.ctx;
    const dir = cfg.certificatesDir;
    if (!ws.exists(certPath(dir, 'ca'))) {
      throw new PkiError(
        'CA_MISSING',
        `the CA files do not exist, please run \`kubecerts init phase certs ca\` to generate it: failed to load certificate: couldn't load the certificate file ${certPath(dir, 'ca')}: open ${certPath(dir, 'ca')}: no such file or directory`,
      );
    }
    try {
      return loadCa(ws, dir, findCa('ca'));
    } catch (err) {
      throw new PkiError('CA_LOAD', `couldn't create a kubeconfig; the CA files couldn't be loaded: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Checks an existing kubeconfig against the CA (error) and the server (warning). */
  private validateExisting(path: string, ca: LoadedCa, expectedServer: string): void {
    const cur = currentEntries(parseKubeconfig(this.ctx.ws.read(path), path), path);
    let current = dataField(cur.cluster, 'certificate-authority-data') ?? '';
    const caFile = cur.cluster['certificate-authority'];
    if (current === '' && typeof caFile === 'string' && caFile !== '') {
      // kubeadm's validateKubeConfig falls back to the CA file the cluster names
      try {
        current = readTextFile(inRoot(hostPath(caFile)));
      } catch (err) {
        this.ctx.warner.warn(`failed to load CA cert from "${caFile}" for kubeconfig "${path}", ${describe(err)}`);
      }
    }
    // the CA may differ from ca.crt in whitespace or PEM line breaks only
    if (firstCertificatePem(current) !== ca.cert.pem) {
      throw new PkiError('WRONG_CA', `a kubeconfig file "${path}" exists already but has got the wrong CA cert`);
    }
    const server = typeof cur.cluster['server'] === 'string' ? cur.cluster['server'] : '';
    if (server !== expectedServer) {
      this.ctx.warner.warn(`a kubeconfig file "${path}" exists already but has an unexpected API Server URL: expected: ${expectedServer}, got: ${server}`);
    }
  }

  /** In external-CA mode (ca.crt without ca.key) the kubeconfig must exist and match; kubeadm's wording. */
  private checkExternal(spec: KubeconfigSpec, ca: LoadedCa): void {
    const path = this.path(spec);
    try {
      if (!this.ctx.ws.exists(path)) throw new PkiError('NOT_FOUND', `open ${path}: no such file or directory`);
      this.validateExisting(path, ca, this.server(spec, false));
    } catch (err) {
      throw new PkiError('EXTERNAL_KUBECONFIG', `the ${spec.fileName} file does not exists or it is not valid: ${(err as Error).message}`, {
        cause: err,
        hint: `ca.key is absent (external-CA mode): as kubeadm, every init command first checks the five kubeconfigs in ${this.ctx.cfg.kubeconfigDir}`,
      });
    }
  }

  /**
   * kubeadm's ValidateKubeconfigsForExternalCA, run by `init` before any phase: with a keyless CA, every kubeconfig
   * must already exist and match (controller-manager and scheduler first, then admin, super-admin, kubelet).
   * Does nothing when ca.crt is absent or unreadable or ca.key present.
   */
  validateForExternalCa(specs: readonly KubeconfigSpec[]): void {
    const dir = this.ctx.cfg.certificatesDir;
    if (!this.ctx.ws.exists(certPath(dir, 'ca')) || this.ctx.ws.exists(keyPath(dir, 'ca'))) return;
    let ca: LoadedCa;
    try {
      ca = this.loadCaForKubeconfig();
    } catch {
      // kubeadm's UsingExternalCA is false when ca.crt does not load: the certs phase reports it
      return;
    }
    const order = ['controller-manager.conf', 'scheduler.conf', 'admin.conf', 'super-admin.conf', 'kubelet.conf'];
    const sorted = [...specs].sort((a, b) => order.indexOf(a.fileName) - order.indexOf(b.fileName));
    // kubeadm's ValidateKubeconfigsForExternalCA resolves the control-plane endpoint once (its one port warning)
    controlPlaneEndpoint(this.ctx.cfg, (l) => this.ctx.warner.warn(l));
    for (const spec of sorted) this.checkExternal(spec, ca);
  }

  async run(spec: KubeconfigSpec): Promise<void> {
    const { ws, out, cfg, start } = this.ctx;
    const path = this.path(spec);
    const ca = this.loadCaForKubeconfig();
    if (!ca.key) {
      this.checkExternal(spec, ca);
      out(`[kubeconfig] External CA mode: Using user provided ${spec.fileName}`);
      return;
    }
    const server = this.server(spec, true);
    if (ws.exists(path)) {
      this.validateExisting(path, ca, server);
      out(`[kubeconfig] Using existing kubeconfig file: "${path}"`);
      return;
    }
    out(`[kubeconfig] Writing "${spec.fileName}" kubeconfig file`);
    const key = await this.keys.get(spec.name);
    const userName = spec.cn(cfg);
    const { certPem, keyPem } = await issue(
      { subject: { cn: userName, orgs: spec.orgs }, usages: ['clientAuth'], key, window: caAnchoredWindow(start, validity(ca.cert.cert).notBefore, cfg.certificateValidityMs) },
      localCaSigner(ca.cert.pem, ca.key),
    );
    const kc = buildKubeconfig({ clusterName: cfg.clusterName, server, caPem: ca.cert.pem, userName, clientCertPem: certPem, clientKeyPem: keyPem });
    ws.write(path, serializeKubeconfig(kc), 0o600);
  }
}

