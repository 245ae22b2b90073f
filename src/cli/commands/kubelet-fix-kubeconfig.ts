/** `kubelet fix-kubeconfig`: kubelet.conf references the rotating kubelet-client-current.pem (kubeadm < 1.17). */
import { join } from 'node:path';
import { writeFileAtomic } from '../../store/fs-atomic.js';
import { planFixKubeconfig } from '../../ops/kubelet-kubeconfig.js';
import { line, type Io } from '../io.js';
import { pathOption, readTextFile, replaceFile } from './node-common.js';

const read = readTextFile;

export default async function fix(_args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const dir = pathOption(opts, 'kubeconfigDir', '/etc/kubernetes');
  const kubeletDir = pathOption(opts, 'kubeletDir', '/var/lib/kubelet/pki');
  const conf = join(dir, 'kubelet.conf');
  const pem = join(kubeletDir, 'kubelet-client-current.pem');
  const text = read(conf);
  const r = planFixKubeconfig(text, conf, read(pem), pem, io.now());
  const out = line(io.stdout);
  if (!r.changed) {
    out(`[kubelet] ${conf} already references a client certificate file; nothing to do`);
    return;
  }
  if (opts['dryRun'] === true) {
    out(`[dryrun] would point user "${r.identity}" in ${conf} at ${pem} (valid until ${r.notAfter ?? '?'})`);
    return;
  }
  const stamp = io.now().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const backup = join(typeof opts['backupDir'] === 'string' ? opts['backupDir'] : join(dir, 'tmp'), `kubelet.conf.kubecerts-${stamp}.bak`);
  writeFileAtomic(backup, text, { mode: 0o600, dirMode: 0o700, secret: true });
  replaceFile(conf, r.text, true);
  out(`[kubelet] ${conf} now uses ${pem} (valid until ${r.notAfter ?? '?'}); the old file is ${backup}`);
  out('[kubelet] restart the kubelet: systemctl restart kubelet');
}
