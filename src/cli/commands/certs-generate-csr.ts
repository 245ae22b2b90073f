/** `certs generate-csr`: keys and CSRs for every leaf and kubeconfig, for an external CA (spec §6). */
import { join } from 'node:path';
import { PkiError } from '../../errors.js';
import { buildKubeconfig, serializeKubeconfig } from '../../kubeconfig/codec.js';
import { controlPlaneEndpoint, localEndpoint } from '../../kubeconfig/endpoint.js';
import { encodePrivateKey, generateKey } from '../../pki/keys.js';
import { computeAltNames, formatSanWarning } from '../../pki/sans.js';
import { KUBECONFIG_SPECS, LEAF_SPECS } from '../../pki/specs.js';
import { pkiJournal, type JournalPlace } from '../../pki/journal.js';
import type { RunConfig } from '../../config/types.js';
import { Workspace } from '../../pki/workspace.js';
import { beginWrite } from '../../pki/write-session.js';
import { createCsr } from '../../pki/x509.js';
import { runConfigFrom } from '../config-flags.js';
import { line, type Io } from '../io.js';

export default async function generateCsr(_args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const cfgRaw = runConfigFrom(opts);
  // every etcd leaf is covered even with external etcd, as kubeadm does
  const cfg = { ...cfgRaw, etcdLocal: cfgRaw.etcdLocal ?? { serverCertSANs: [], peerCertSANs: [] } };
  const warn = line(io.stderr);
  const out = line(io.stdout);
  const journal = pkiJournal(cfg.certificatesDir, cfg.kubeconfigDir);
  const release = beginWrite({ lockDir: cfg.certificatesDir, journal, tempDirs: journal.roots, what: 'write', notice: warn, lockDirMode: 0o755 });
  try {
    await generate(cfg, io, journal);
  } finally {
    release();
  }
}

async function generate(cfg: RunConfig, io: Io, journal: JournalPlace): Promise<void> {
  const ws = new Workspace();
  const warn = line(io.stderr);
  const out = line(io.stdout);

  for (const leaf of LEAF_SPECS) {
    const base = join(cfg.certificatesDir, leaf.baseName);
    // kubeadm's createKeyAndCSR: "%s: key or CSR %s/%s" with errExist, the folder as given
    if (ws.exists(`${base}.csr`) || ws.exists(`${base}.key`)) throw new PkiError('EXISTS', `file already exists: key or CSR ${cfg.certificatesDir}/${leaf.baseName}`);
  }
  for (const kc of KUBECONFIG_SPECS) {
    const p = join(cfg.kubeconfigDir, kc.fileName);
    // kubeadm's createKubeConfigAndCSR: errors.Wrapf(errExist, "kube config: %s" / "csr: %s", kubeConfigPath)
    if (ws.exists(p)) throw new PkiError('EXISTS', `kube config: ${p}: file already exists`);
    for (const q of [`${p}.csr`, `${p}.key`]) if (ws.exists(q)) throw new PkiError('EXISTS', `csr: ${p}: file already exists`);
  }

  const leafJobs = LEAF_SPECS.map(async (leaf) => {
    const alt = leaf.sans
      ? computeAltNames(leaf.sans, cfg, (w) => warn(formatSanWarning(w)))
      : { dns: [], ips: [] };
    const key = await generateKey(cfg.encryptionAlgorithm);
    const csr = await createCsr({ subject: { cn: leaf.cn(cfg), orgs: leaf.orgs }, dns: alt.dns, ips: alt.ips, key });
    const base = join(cfg.certificatesDir, leaf.baseName);
    ws.writeKey(`${base}.key`, encodePrivateKey(key));
    ws.write(`${base}.csr`, csr, 0o600, 0o755);
    return leaf.baseName;
  });
  const kcJobs = KUBECONFIG_SPECS.map(async (spec) => {
    const server = spec.endpoint === 'local' ? localEndpoint(cfg) : controlPlaneEndpoint(cfg, warn);
    const key = await generateKey(cfg.encryptionAlgorithm);
    const keyPem = encodePrivateKey(key);
    const userName = spec.cn(cfg);
    const csr = await createCsr({ subject: { cn: userName, orgs: spec.orgs }, dns: [], ips: [], key });
    const p = join(cfg.kubeconfigDir, spec.fileName);
    ws.write(p, serializeKubeconfig(buildKubeconfig({ clusterName: cfg.clusterName, server, caPem: '', userName, clientKeyPem: keyPem })), 0o600);
    ws.write(`${p}.csr`, csr, 0o600);
    return spec.fileName;
  });
  const leaves = await Promise.all(leafJobs);
  const kcs = await Promise.all(kcJobs);
  ws.commit(journal);
  out(`generating keys and CSRs in ${cfg.certificatesDir}`);
  for (const n of [...leaves].sort()) out(`  ${n}`);
  out(`generating keys and CSRs in ${cfg.kubeconfigDir}`);
  for (const n of [...kcs].sort()) out(`  ${n}`);
}
