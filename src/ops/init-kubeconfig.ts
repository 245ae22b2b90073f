/**
 * `init phase kubeconfig`: write the kubeconfigs that are missing, each with a client certificate signed by the
 * cluster CA, and check the ones that exist (kubeadm's kubeconfig phase, spec §2.4). Writes go into the context's
 * Workspace; progress is emitted as typed events (`output/init-text.ts` prints kubeadm's `[kubeconfig]` lines).
 */
import { join } from 'node:path';
import { describe, PkiError } from '../errors.js';
import { hostPath, inRoot } from '../store/rootfs.js';
import { buildKubeconfig, currentEntries, dataField, parseKubeconfig, serializeKubeconfig } from '../kubeconfig/codec.js';
import { controlPlaneEndpoint, localEndpoint } from '../kubeconfig/endpoint.js';
import type { InitContext } from './init-events.js';
import { KeyPool } from '../pki/keys.js';
import { findCa, type KubeconfigSpec } from '../pki/specs.js';
import { loadCa, type LoadedCa } from '../store/ca.js';
import { firstCertificatePem } from '../pki/pem.js';
import { certPath, keyPath, validity } from '../pki/certificate.js';
import { caAnchoredWindow } from '../pki/validity.js';
import { readTextFile } from '../store/pki-files.js';
import { issue } from '../pki/issue.js';
import { localCaSigner } from '../pki/signer.js';

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
   * overrides bindPort" is emitted: its getKubeConfigSpecsBase resolves the control-plane endpoint once per kubeconfig
   * phase, the local ones (controller-manager, scheduler) included.
   */
  private server(spec: KubeconfigSpec, warn: boolean): string {
    const cpe = controlPlaneEndpoint(this.ctx.cfg, warn ? (w) => this.ctx.warner.warn(w) : () => undefined);
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
        this.ctx.warner.warn({ kind: 'kubeconfig-ca-unreadable', caFile, path, reason: describe(err) });
      }
    }
    // the CA may differ from ca.crt in whitespace or PEM line breaks only
    if (firstCertificatePem(current) !== ca.cert.pem) {
      throw new PkiError('WRONG_CA', `a kubeconfig file "${path}" exists already but has got the wrong CA cert`);
    }
    const server = typeof cur.cluster['server'] === 'string' ? cur.cluster['server'] : '';
    if (server !== expectedServer) {
      this.ctx.warner.warn({ kind: 'kubeconfig-server', path, expected: expectedServer, got: server });
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
    controlPlaneEndpoint(this.ctx.cfg, (w) => this.ctx.warner.warn(w));
    for (const spec of sorted) this.checkExternal(spec, ca);
  }

  async run(spec: KubeconfigSpec): Promise<void> {
    const { ws, emit, cfg, start } = this.ctx;
    const path = this.path(spec);
    const ca = this.loadCaForKubeconfig();
    if (!ca.key) {
      this.checkExternal(spec, ca);
      emit({ kind: 'kubeconfig-external', fileName: spec.fileName });
      return;
    }
    const server = this.server(spec, true);
    if (ws.exists(path)) {
      this.validateExisting(path, ca, server);
      emit({ kind: 'kubeconfig-existing', path });
      return;
    }
    emit({ kind: 'kubeconfig-writing', fileName: spec.fileName });
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

