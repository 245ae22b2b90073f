/** `kubelet client-kubeconfig --node-name NAME`: a kubeconfig for a node whose kubelet client certificate expired. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration } from '../../lib/duration.js';
import { KubecertsError, UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../store/fs-atomic.js';
import { currentEntries, parseKubeconfig } from '../../kubeconfig/codec.js';
import { buildNodeKubeconfig } from '../../ops/kubelet-kubeconfig.js';
import type { Io } from '../io.js';
import { pathOption, readTextFile } from './node-common.js';

const read = readTextFile;

export default async function clientKubeconfig(_args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const node = String(opts['nodeName']);
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(node) || node.length > 253) throw new UsageError(`invalid --node-name "${node}": not a DNS-1123 subdomain`);
  const certDir = pathOption(opts, 'certDir', '/etc/kubernetes/pki');
  const dir = pathOption(opts, 'kubeconfigDir', '/etc/kubernetes');
  let server = typeof opts['server'] === 'string' ? opts['server'] : undefined;
  let clusterName = 'kubernetes';
  if (!server) {
    const admin = join(dir, 'admin.conf');
    const e = currentEntries(parseKubeconfig(read(admin), admin), admin);
    server = typeof e.cluster['server'] === 'string' ? e.cluster['server'] : undefined;
    clusterName = e.clusterName || clusterName;
    if (!server) throw new KubecertsError('KUBECONFIG_INVALID', `${admin} has no server; pass --server`);
  }
  const validity = opts['validityPeriod'] === undefined ? 8760 * 3600_000 : parseDuration(String(opts['validityPeriod']));
  if (validity === undefined || validity <= 0) throw new UsageError(`invalid --validity-period "${String(opts['validityPeriod'])}"`);
  const caKeyPath = join(certDir, 'ca.key');
  const text = await buildNodeKubeconfig({
    nodeName: node, caCertPem: read(join(certDir, 'ca.crt')), caKeyPem: read(caKeyPath), caKeyPath, server, clusterName, now: io.now(), validityMs: validity,
  });
  if (typeof opts['out'] === 'string') {
    if (existsSync(opts['out'])) throw new KubecertsError('FILE_EXISTS', `"${opts['out']}" exists; not overwriting it`);
    writeFileAtomic(opts['out'], text, { mode: 0o600, secret: true });
    io.stderr.write(`[kubelet] wrote ${opts['out']} for system:node:${node}; copy it to that node as /etc/kubernetes/kubelet.conf and restart its kubelet\n`);
  } else {
    io.stdout.write(text);
    io.stderr.write(`[kubelet] copy this to node ${node} as /etc/kubernetes/kubelet.conf (mode 0600) and restart its kubelet\n`);
  }
}
