/** kubeadm's `certs renew` text and kubecerts' dry-run lines, from renewal outcomes. Pure. */
import { formatExpiryDate } from '../lib/time-format.js';
import type { RenewOutcome } from '../ops/renew.js';
import { findCa } from '../pki/specs.js';
import type { RestartReport } from '../ops/control-plane-restart.js';
import type { KubeconfigUpdate } from '../ops/renew-update-kubeconfig.js';
import { certificateFile, locationOf } from '../store/locations.js';
import { renderJson, renderRestartText, renderYaml, safeText } from './control-plane-text.js';
import { integrityWarnings } from './integrity-text.js';
import type { IntegrityFindings } from '../pki/expiration.js';

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

/** A dry run's lines: what it found but does not repair, each outcome, the restarts it would do, kubeadm's last line. */
export function renewDryRunLines(r: { readonly integrity: IntegrityFindings | undefined; readonly outcomes: readonly RenewOutcome[]; readonly backupDir: string | undefined }, wouldRestart: readonly string[]): string[] {
  return [
    ...(r.integrity ? integrityWarnings(r.integrity) : []).map((w) => `[dryrun] ${w}`),
    ...r.outcomes.map((o) => dryRunLine(o, r.backupDir)),
    ...(wouldRestart.length > 0 ? [`[dryrun] would restart ${wouldRestart.join(', ')}`] : []),
    '[dryrun] Nothing was written',
  ];
}

/** The `[kubeconfig]` lines for one --update-kubeconfig FILE (user names from FILE, paths: control characters escaped). */
export function kubeconfigUpdateLines(u: KubeconfigUpdate): string[] {
  if (u.kind === 'not-renewed') return [safeText`[kubeconfig] ${u.file}: ${u.from} was not renewed, nothing to update`];
  return u.refreshed.map((r) => safeText`[kubeconfig] replaced the credentials of user "${r.name}" in ${u.file} with the renewed ones of ${u.from} (expiring ${r.newNotAfter})`);
}

export interface RenewSummary {
  readonly dryRun: boolean;
  readonly outcomes: readonly RenewOutcome[];
  readonly backupDir: string | undefined;
  /** components that use a renewed file */
  readonly needRestart: readonly string[];
  readonly kubeconfigs: readonly KubeconfigUpdate[];
  readonly restart: RestartReport | undefined;
}

/** One renewal outcome in the summary. */
function summaryEntry(o: RenewOutcome, dirs: { readonly certificatesDir: string; readonly kubeconfigDir: string }): Record<string, unknown> {
  const base = { name: o.spec.name, path: certificateFile(locationOf(o.spec, dirs)) };
  if (o.kind === 'renewed' || o.kind === 'csr') {
    return { ...base, files: o.files, oldNotAfter: o.oldNotAfter.toISOString(), newNotAfter: o.newNotAfter.toISOString(), keyKept: o.keyKept };
  }
  return { ...base, message: outcomeLine(o) };
}

/**
 * `certs renew -o json|yaml`: the machine-readable summary (schema in the README, "certs renew -o json"), so a cron
 * job can act on it.
 */
export function renderRenewSummary(format: 'json' | 'yaml', s: RenewSummary, dirs: { readonly certificatesDir: string; readonly kubeconfigDir: string }): string {
  const of = (k: RenewOutcome['kind']): Record<string, unknown>[] => s.outcomes.filter((o) => o.kind === k).map((o) => summaryEntry(o, dirs));
  const doc = {
    kind: 'CertificateRenewal',
    dryRun: s.dryRun,
    renewed: of('renewed'),
    csr: of('csr'),
    skipped: of('skipped'),
    missing: of('missing'),
    external: of('external'),
    backupDir: s.backupDir ?? null,
    restartNeeded: s.restart ? s.restart.outcomes.filter((o) => o.result !== 'restarted').map((o) => o.component) : s.needRestart,
    restart: s.restart ? s.restart.outcomes : null,
    kubeconfigsUpdated: s.kubeconfigs.filter((u) => u.kind === 'updated').map((u) => ({ file: u.file, from: u.from, users: u.kind === 'updated' ? u.refreshed.map((r) => r.name) : [] })),
  };
  return format === 'json' ? renderJson(doc) : renderYaml(doc);
}

/**
 * What `certs renew` prints on stdout once it wrote (and restarted, when asked): in text, the restart report (or that
 * no running component uses a renewed file) and, after `renew all` with nothing restarted, kubeadm's reminder; with
 * `-o json|yaml`, the summary. `run.all`: the name was `all`.
 */
export function renewClosing(format: string, run: { readonly all: boolean; readonly csrOnly: boolean; readonly restart: boolean }, s: RenewSummary, dirs: { readonly certificatesDir: string; readonly kubeconfigDir: string }): string {
  if (format !== 'text') return renderRenewSummary(format === 'json' ? 'json' : 'yaml', s, dirs);
  let out = '';
  if (s.restart) out += renderRestartText(s.restart);
  else if (run.restart) out += '[restart] no running component uses a renewed file: nothing to restart\n';
  // kubeadm's reminder, only when something was renewed and nothing was restarted for it
  if (run.all && !run.csrOnly && !run.restart && s.outcomes.some((o) => o.kind === 'renewed')) out += `\n${RESTART_NOTICE}\n`;
  return out;
}
