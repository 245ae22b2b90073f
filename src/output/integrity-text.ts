/** The warning lines for interrupted writes and mismatched keys (check-expiration, renew --dry-run). Pure. */
import type { IntegrityFindings } from '../pki/expiration.js';
import { safeText } from './control-plane-text.js';

/** The warning lines for `f` (empty when all is well). */
export function integrityWarnings(f: IntegrityFindings): string[] {
  const lines: string[] = [];
  if (f.pendingJournal !== undefined) {
    lines.push(safeText`WARNING: an interrupted write left the journal "${f.pendingJournal}": some files may be new and others old until the next "kubecerts certs renew" completes it`);
  }
  if (f.keyMismatch.length > 0) lines.push(safeText`WARNING: the private key does not match the certificate of: ${f.keyMismatch.join(', ')}`);
  return lines;
}
