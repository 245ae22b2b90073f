/** `kubelet fix-kubeconfig`: kubelet.conf references the rotating kubelet-client-current.pem (kubeadm < 1.17). */
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../store/fs-atomic.js';
import { UsageError } from '../../errors.js';
import { planFixKubeconfig } from '../../ops/kubelet-kubeconfig.js';
import { pathOnHost } from '../../store/rootfs.js';
import { line, type Io } from '../io.js';
import { pathOption, readTextFile, recoverNodeIfPresent, replaceFile } from './node-common.js';
import { realNodeHost } from '../../store/node-host.js';

const read = readTextFile;

export default async function fix(_args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  if (opts['dryRun'] !== true) recoverNodeIfPresent(realNodeHost(), opts, io);
  const dir = pathOption(opts, 'kubeconfigDir', '/etc/kubernetes');
  const kubeletDir = pathOption(opts, 'kubeletDir', '/var/lib/kubelet/pki');
  const conf = join(dir, 'kubelet.conf');
  // absolute before it is checked and written: kubectl and the kubelet resolve a relative one from kubelet.conf's folder
  const pem = resolve(kubeletDir, 'kubelet-client-current.pem');
  // what the kubelet on the host reads: without the --rootfs prefix
  const ref = pathOnHost(pem);
  if (ref === undefined) throw new UsageError(`--kubelet-dir "${kubeletDir}" is outside --rootfs: the host's kubelet cannot read it`);
  const text = read(conf);
  const r = planFixKubeconfig(text, conf, read(pem), pem, io.now(), ref);
  const out = line(io.stdout);
  if (!r.changed) {
    out(`[kubelet] ${conf} already references a client certificate file; nothing to do`);
    return;
  }
  if (opts['dryRun'] === true) {
    out(`[dryrun] would point user "${r.identity}" in ${conf} at ${ref} (valid until ${r.notAfter ?? '?'})`);
    return;
  }
  const stamp = io.now().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const backup = join(typeof opts['backupDir'] === 'string' ? opts['backupDir'] : join(dir, 'tmp'), `kubelet.conf.kubecerts-${stamp}.bak`);
  writeFileAtomic(backup, text, { mode: 0o600, dirMode: 0o700, secret: true });
  replaceFile(conf, r.text, true);
  out(`[kubelet] ${conf} now uses ${ref} (valid until ${r.notAfter ?? '?'}); the old file is ${backup}`);
  out('[kubelet] restart the kubelet: systemctl restart kubelet');
}
