/** `kubeconfig refresh FILE --from admin.conf`: the renewed admin credentials into a copy of the old ones. */
import { writeFileAtomic } from '../../store/fs-atomic.js';
import { planKubeconfigRefresh } from '../../ops/kubeconfig-refresh.js';
import { hostPath, inRoot } from '../../store/rootfs.js';
import { safeText } from '../../output/control-plane-text.js';
import { line, type Io } from '../io.js';
import { readFileBytes, readTextFile, replaceFile } from './node-common.js';

const read = readTextFile;
const readBytes = readFileBytes;

export default async function refresh(args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const file = hostPath(String(args[0]));
  const from = String(opts['from']);
  // the bytes as read, so the backup is an exact copy
  const old = readBytes(file);
  const r = planKubeconfigRefresh(old.toString('utf8'), file, read(from), from);
  const out = line(io.stdout);
  // user names come from FILE: every line shown with control characters escaped (safeText)
  for (const u of r.current) out(safeText`[kubeconfig] user "${u}" in ${file} already holds the credentials of ${from}`);
  if (r.refreshed.length === 0) return;
  if (opts['dryRun'] === true) {
    for (const u of r.refreshed) out(safeText`[dryrun] would replace the credentials of user "${u.name}" in ${file} (expiring ${u.oldNotAfter}) with those of ${from} (expiring ${u.newNotAfter})`);
    return;
  }
  if (opts['backup'] !== false) {
    const stamp = io.now().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    const backup = `${file}.kubecerts-${stamp}.bak`;
    // the copy holds a private key: 0600 whatever FILE's mode
    writeFileAtomic(backup, old, { mode: 0o600, secret: true });
    out(safeText`[kubeconfig] kept a copy of ${file} as ${backup}`);
  }
  replaceFile(file, r.text, true);
  for (const u of r.refreshed) out(safeText`[kubeconfig] replaced the credentials of user "${u.name}" in ${file} (expiring ${u.oldNotAfter}) with those of ${from} (expiring ${u.newNotAfter})`);
}
