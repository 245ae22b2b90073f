/**
 * `certs generate-csr` as a use case (kubeadm's certs phase with external CA, spec §6): a new key and a CSR for every
 * leaf, and a CA-less kubeconfig with a key plus a CSR for every kubeconfig, written at once under the PKI's lock and
 * journal. Nothing is replaced: an existing key, CSR or kubeconfig is an error (PkiError EXISTS), as in kubeadm.
 */
import type { RunConfig } from '../config/types.js';
import { PkiError } from '../errors.js';
import { buildKubeconfig, serializeKubeconfig } from '../kubeconfig/codec.js';
import { controlPlaneEndpoint, localEndpoint } from '../kubeconfig/endpoint.js';
import { encodePrivateKey, generateKey } from '../pki/keys.js';
import { computeAltNames } from '../pki/sans.js';
import { createCsr } from '../pki/signer.js';
import { KUBECONFIG_SPECS, LEAF_SPECS } from '../pki/specs.js';
import { pkiJournal } from '../store/journal.js';
import { Workspace } from '../store/workspace.js';
import type { Lock } from '../lib/lock.js';
import { beginWrite, type JournalRecovered } from '../store/write-session.js';
import { certificateFile, locationOf, requestFiles } from '../store/locations.js';
import type { Warner } from './events.js';

export interface GeneratedCsrs {
  /** base names of the leaves (e.g. "etcd/server"), in table order */
  readonly leaves: readonly string[];
  /** kubeconfig file names, in table order */
  readonly kubeconfigs: readonly string[];
}

/**
 * Writes the keys, CSRs and kubeconfigs under `lock` (default: the PKI folder's pid file); `warner` hears kubeadm's
 * warnings (skipped SANs, endpoint port), `notice` that an interrupted write was completed first.
 */
export async function generateCsrs(
  cfgRaw: RunConfig,
  o: { readonly warner: Warner; readonly notice: (event: JournalRecovered) => void; readonly lock?: Lock | undefined },
): Promise<GeneratedCsrs> {
  // every etcd leaf is covered even with external etcd, as kubeadm does
  const cfg = { ...cfgRaw, etcdLocal: cfgRaw.etcdLocal ?? { serverCertSANs: [], peerCertSANs: [] } };
  const journal = pkiJournal(cfg.certificatesDir, cfg.kubeconfigDir);
  const hold = await beginWrite({ lockDir: cfg.certificatesDir, lock: o.lock, journal, tempDirs: journal.roots, what: 'write', notice: o.notice, lockDirMode: 0o755 });
  try {
    const ws = new Workspace();
    for (const leaf of LEAF_SPECS) {
      const f = requestFiles(locationOf(leaf, cfg));
      // kubeadm's createKeyAndCSR: "%s: key or CSR %s/%s" with errExist, the folder as given
      if (ws.exists(f.csr) || ws.exists(f.key)) throw new PkiError('EXISTS', `file already exists: key or CSR ${cfg.certificatesDir}/${leaf.baseName}`);
    }
    for (const kc of KUBECONFIG_SPECS) {
      const loc = locationOf(kc, cfg);
      const p = certificateFile(loc);
      const f = requestFiles(loc);
      // kubeadm's createKubeConfigAndCSR: errors.Errorf("%s: kube config: %s" / "%s: csr: %s", errExist, kubeConfigPath)
      if (ws.exists(p)) throw new PkiError('EXISTS', `file already exists: kube config: ${p}`);
      for (const q of [f.csr, f.key]) if (ws.exists(q)) throw new PkiError('EXISTS', `file already exists: csr: ${p}`);
    }

    const leafJobs = LEAF_SPECS.map(async (leaf) => {
      const alt = leaf.sans ? computeAltNames(leaf.sans, cfg, (w) => o.warner.warn(w)) : { dns: [], ips: [] };
      const key = await generateKey(cfg.encryptionAlgorithm);
      const csr = await createCsr({ subject: { cn: leaf.cn(cfg), orgs: leaf.orgs }, dns: alt.dns, ips: alt.ips, key });
      const f = requestFiles(locationOf(leaf, cfg));
      ws.writeKey(f.key, encodePrivateKey(key));
      ws.write(f.csr, csr, 0o600, 0o755);
      return leaf.baseName;
    });
    // kubeadm's CreateDefaultKubeConfigsAndCSRFiles resolves the endpoints once (getKubeConfigSpecsBase): one port warning
    const cpe = controlPlaneEndpoint(cfg, (w) => o.warner.warn(w));
    const kcJobs = KUBECONFIG_SPECS.map(async (spec) => {
      const server = spec.endpoint === 'local' ? localEndpoint(cfg) : cpe;
      const key = await generateKey(cfg.encryptionAlgorithm);
      const keyPem = encodePrivateKey(key);
      const userName = spec.cn(cfg);
      const csr = await createCsr({ subject: { cn: userName, orgs: spec.orgs }, dns: [], ips: [], key });
      const loc = locationOf(spec, cfg);
      // the kubeconfig holds the key and an empty CA: installing the signed certificate completes it
      ws.write(certificateFile(loc), serializeKubeconfig(buildKubeconfig({ clusterName: cfg.clusterName, server, caPem: '', userName, clientKeyPem: keyPem })), 0o600);
      ws.write(requestFiles(loc).csr, csr, 0o600);
      return spec.fileName;
    });
    const leaves = await Promise.all(leafJobs);
    const kubeconfigs = await Promise.all(kcJobs);
    await ws.commit(journal);
    return { leaves, kubeconfigs };
  } finally {
    await hold.release();
  }
}
