/** node_exporter textfile-collector exposition of an expiration report. Pure. */
import type { ExpirationReport, ExpirationRow } from '../pki/expiration.js';

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function labels(r: ExpirationRow, type: string): string {
  return `{name="${esc(r.name)}",type="${type}",ca="${esc(r.caName)}",path="${esc(r.path)}"}`;
}

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly value: (r: ExpirationRow & { keyMismatch?: boolean }) => number | undefined;
}

const METRICS: readonly Metric[] = [
  {
    name: 'kubecerts_certificate_expiration_timestamp_seconds',
    help: 'NotAfter of the certificate as Unix time in seconds.',
    value: (r) => (r.notAfter && !r.missing && !r.error ? Math.floor(r.notAfter.getTime() / 1000) : undefined),
  },
  {
    name: 'kubecerts_certificate_not_before_timestamp_seconds',
    help: 'NotBefore of the certificate as Unix time in seconds.',
    value: (r) => (r.notBefore && !r.missing && !r.error ? Math.floor(r.notBefore.getTime() / 1000) : undefined),
  },
  {
    name: 'kubecerts_certificate_missing',
    help: '1 when the file of a managed certificate does not exist.',
    value: (r) => (r.missing ? 1 : 0),
  },
  {
    name: 'kubecerts_certificate_unreadable',
    help: '1 when the file exists but cannot be read, parsed or verified against its CA.',
    value: (r) => (r.error ? 1 : 0),
  },
  {
    name: 'kubecerts_certificate_key_mismatch',
    help: '1 when the private key does not match the certificate (for example after an interrupted renewal).',
    value: (r) => (r.keyMismatch ? 1 : 0),
  },
  {
    name: 'kubecerts_certificate_externally_managed',
    help: '1 when the certificate CA key is absent (external CA mode).',
    value: (r) => (r.externallyManaged ? 1 : 0),
  },
];

export function renderExpirationPrometheus(report: ExpirationReport): string {
  const mismatch = new Set(report.integrity?.keyMismatch ?? []);
  const rows: [ExpirationRow & { keyMismatch?: boolean }, string][] = [
    ...report.certificates.map((r): [ExpirationRow & { keyMismatch?: boolean }, string] => [{ ...r, keyMismatch: mismatch.has(r.name) }, r.name.endsWith('.conf') ? 'kubeconfig' : 'certificate']),
    ...report.authorities.map((r): [ExpirationRow, string] => [r, 'ca']),
  ];
  const out: string[] = [];
  for (const m of METRICS) {
    out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} gauge`);
    for (const [r, type] of rows) {
      const v = m.value(r);
      if (v !== undefined) out.push(`${m.name}${labels(r, type)} ${v}`);
    }
  }
  out.push(
    '# HELP kubecerts_pending_journal 1 when an interrupted write left its journal (files may be a mix of old and new until the next writing command completes it).',
    '# TYPE kubecerts_pending_journal gauge',
    `kubecerts_pending_journal ${report.integrity?.pendingJournal !== undefined ? 1 : 0}`,
    '# HELP kubecerts_last_check_timestamp_seconds When kubecerts last checked the certificates, as Unix time in seconds.',
    '# TYPE kubecerts_last_check_timestamp_seconds gauge',
    `kubecerts_last_check_timestamp_seconds ${Math.floor(report.now.getTime() / 1000)}`,
  );
  return `${out.join('\n')}\n`;
}
