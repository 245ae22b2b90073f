/** `kubelet serving enable`: serverTLSBootstrap: true in the kubelet config, then the cluster-side steps. */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KubecertsError, describe } from '../../errors.js';
import { writeFileAtomic } from '../../store/fs-atomic.js';
import { planServingEnable } from '../../ops/kubelet-serving-enable.js';
import { line, type Io } from '../io.js';
import { pathOption, replaceFile } from './node-common.js';

export default async function enable(_args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const path = pathOption(opts, 'kubeletConfig', '/var/lib/kubelet/config.yaml');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KubecertsError('KUBELET_CONFIG', `cannot read "${path}": ${describe(err)}`);
  }
  const r = planServingEnable(text, path);
  const out = line(io.stdout);
  if (!r.changed) out(`[kubelet] ${path} already has serverTLSBootstrap: true`);
  else if (opts['dryRun'] === true) {
    io.stdout.write(r.text);
    return;
  } else {
    const stamp = io.now().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    const backup = join(typeof opts['backupDir'] === 'string' ? opts['backupDir'] : dirname(path), `${basename(path)}.kubecerts-${stamp}.bak`);
    writeFileAtomic(backup, text, { mode: 0o600 });
    replaceFile(path, r.text, false);
    out(`[kubelet] set serverTLSBootstrap: true in ${path} (was ${r.before ?? 'unset'}); the old file is ${backup}`);
  }
  out('[kubelet] next steps:');
  out('  1. the same for nodes that join later: kubectl edit configmap kubelet-config -n kube-system, and under data.kubelet add "serverTLSBootstrap: true"');
  out('  2. restart the kubelet on this node: systemctl restart kubelet');
  out('  3. approve its kubernetes.io/kubelet-serving CSR once checked: kubectl get csr -o json > csrs.json; kubectl get nodes -o json > nodes.json; kubecerts kubelet serving-csr review --csrs csrs.json --nodes nodes.json');
}
