/** kubeadm's `certs renew` text and kubecerts' dry-run lines, from renewal outcomes. Pure. */
import { formatExpiryDate } from '../lib/time-format.js';
import type { RenewOutcome } from '../ops/renew.js';

/** kubeadm's closing line after `renew all`. */
export const RESTART_NOTICE =
  'Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.';

/** The `[dryrun]` line for one outcome; `backupDir` is where the replaced files would be copied. */
export function dryRunLine(o: RenewOutcome, backupDir: string | undefined): string {
  if (o.kind !== 'renewed' && o.kind !== 'csr') return o.message;
  const key = o.keyKept ? 'key kept' : 'new key';
  if (o.kind === 'csr') return `[dryrun] ${o.spec.name}: would write ${o.files.join(' and ')} (${key})`;
  const backup = backupDir ? `; backup to ${backupDir}` : '; no backup';
  return `[dryrun] ${o.spec.name}: would renew, NotAfter ${formatExpiryDate(o.oldNotAfter)} -> ${formatExpiryDate(o.newNotAfter)}, ${key}${backup}`;
}
