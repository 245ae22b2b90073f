/** kubeadm's `certs renew` text and kubecerts' dry-run lines, from renewal outcomes. Pure. */
import { formatExpiryDate } from '../lib/time-format.js';
import type { RenewOutcome } from '../ops/renew.js';
import { findCa } from '../pki/specs.js';

/** kubeadm's closing line after `renew all`. */
export const RESTART_NOTICE =
  'Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.';

/** kubeadm's line for one outcome of a run that wrote (renewal.go's messages; the CSR and skip lines are kubecerts' own). */
export function outcomeLine(o: RenewOutcome): string {
  switch (o.kind) {
    case 'missing':
      return `MISSING! ${o.spec.longName}`;
    case 'external':
      return `Detected external ${findCa(o.spec.ca).baseName}, ${o.spec.longName} can't be renewed`;
    case 'skipped':
      return `${o.spec.name}: skipped, expires ${formatExpiryDate(o.notAfter)}, outside the --expiring-within window`;
    case 'csr':
      return `${o.spec.name}: wrote ${o.files[0]} and ${o.files[1]}`;
    case 'renewed':
      return `${o.spec.longName} renewed`;
  }
}

/** The `[dryrun]` line for one outcome; `backupDir` is where the replaced files would be copied. */
export function dryRunLine(o: RenewOutcome, backupDir: string | undefined): string {
  if (o.kind !== 'renewed' && o.kind !== 'csr') return outcomeLine(o);
  const key = o.keyKept ? 'key kept' : 'new key';
  if (o.kind === 'csr') return `[dryrun] ${o.spec.name}: would write ${o.files.join(' and ')} (${key})`;
  const backup = backupDir ? `; backup to ${backupDir}` : '; no backup';
  return `[dryrun] ${o.spec.name}: would renew, NotAfter ${formatExpiryDate(o.oldNotAfter)} -> ${formatExpiryDate(o.newNotAfter)}, ${key}${backup}`;
}
