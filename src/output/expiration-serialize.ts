/** check-expiration as kubeadm's output.kubeadm.k8s.io/v1alpha3 CertificateExpirationInfo (spec §4.7). Pure. */
import type { ExpirationReport, ExpirationRow } from '../pki/expiration.js';
import { formatRfc3339 } from '../lib/time-format.js';

interface OutputCertificate {
  name: string;
  expirationDate: string | null;
  residualTime: number;
  externallyManaged: boolean;
  caName?: string;
  missing: boolean;
}

function toOutput(r: ExpirationRow): OutputCertificate {
  // key order is the Go struct's: name, expirationDate, residualTime, externallyManaged, caName, missing
  return {
    name: r.name,
    expirationDate: r.missing || !r.notAfter ? null : formatRfc3339(r.notAfter),
    residualTime: r.missing ? 0 : r.residualTime,
    externallyManaged: r.missing ? false : r.externallyManaged,
    // kubeadm's fetchCertificateExpirationInfo sets only Name and Missing for an absent file; caName is omitempty
    ...(r.caName && !r.missing ? { caName: r.caName } : {}),
    missing: r.missing,
  };
}

/**
 * kubecerts' own findings, outside kubeadm's fields: present only when there is something to report (a pending
 * journal of an interrupted write, private keys that do not match their certificates), so the output is kubeadm's
 * byte for byte otherwise.
 */
function extra(report: ExpirationReport): { pendingJournal: string | null; keyMismatch: string[] } | undefined {
  const i = report.integrity;
  if (!i || (i.pendingJournal === undefined && i.keyMismatch.length === 0)) return undefined;
  return { pendingJournal: i.pendingJournal ?? null, keyMismatch: [...i.keyMismatch] };
}

export function renderExpirationJson(report: ExpirationReport): string {
  const obj = {
    kind: 'CertificateExpirationInfo',
    apiVersion: 'output.kubeadm.k8s.io/v1alpha3',
    certificates: report.certificates.map(toOutput),
    certificateAuthorities: report.authorities.map(toOutput),
    ...(extra(report) ? { kubecertsWarnings: extra(report) } : {}),
  };
  return `${JSON.stringify(obj, null, 4)}\n`;
}

/** YAML the way sigs.k8s.io/yaml writes it: keys sorted, lists unindented, timestamps double-quoted. */
export function renderExpirationYaml(report: ExpirationReport): string {
  const entry = (r: ExpirationRow): string => {
    const o = toOutput(r);
    const fields: [string, string][] = [];
    if (o.caName !== undefined) fields.push(['caName', yamlString(o.caName)]);
    fields.push(['expirationDate', o.expirationDate === null ? 'null' : `"${o.expirationDate}"`]);
    fields.push(['externallyManaged', String(o.externallyManaged)]);
    fields.push(['missing', String(o.missing)]);
    fields.push(['name', yamlString(o.name)]);
    fields.push(['residualTime', String(o.residualTime)]);
    return fields.map(([k, v], i) => `${i === 0 ? '- ' : '  '}${k}: ${v}`).join('\n');
  };
  const list = (rows: readonly ExpirationRow[]): string => (rows.length === 0 ? ' []' : `\n${rows.map(entry).join('\n')}`);
  const w = extra(report);
  const warnings = w
    ? [
        'kubecertsWarnings:',
        `  keyMismatch:${w.keyMismatch.length === 0 ? ' []' : w.keyMismatch.map((n) => `\n  - ${yamlString(n)}`).join('')}`,
        `  pendingJournal: ${w.pendingJournal === null ? 'null' : yamlString(w.pendingJournal)}`,
      ]
    : [];
  return [
    'apiVersion: output.kubeadm.k8s.io/v1alpha3',
    `certificateAuthorities:${list(report.authorities)}`,
    `certificates:${list(report.certificates)}`,
    'kind: CertificateExpirationInfo',
    ...warnings,
    '',
  ].join('\n');
}

/** Plain when YAML would read it back as the same string, else double-quoted. */
function yamlString(s: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/.test(s) && !/^(true|false|yes|no|on|off|null|y|n|~)$/i.test(s);
  return plain ? s : JSON.stringify(s);
}
