/** Presenters of `fleet report` and `fleet scan`: kubeadm-style tables, JSON and YAML. Pure. */
import { dump } from 'js-yaml';
import type { FleetReport, FleetRow } from '../report/schema.js';
import type { ScanResult } from '../report/scan.js';
import { formatExpiryDate, formatRfc3339, formatResidual } from '../lib/time-format.js';
import { renderTabwriter } from './tabwriter.js';

const residual = (s: number): string => (s <= 0 ? 'expired' : formatResidual(s));
const status = (r: FleetRow): string => (r.missing ? 'missing' : r.residualSeconds <= 0 ? 'EXPIRED' : r.externallyManaged ? 'external' : '');

/** The merged table (NODE, HOST, NAME, TYPE, EXPIRES, RESIDUAL TIME, CA, STATUS), the unreadable files and the totals. */
export function renderFleetText(r: FleetReport): string {
  // many rows share a date and a residual time: each is formatted once (10,000 nodes make 140,000 rows)
  const dates = new Map<number, string>();
  const residuals = new Map<number, string>();
  const cells = (x: FleetRow): string[] => {
    let date = '-';
    let left = '-';
    if (x.expiresAt !== null) {
      date = dates.get(x.expiresAt) ?? formatExpiryDate(new Date(x.expiresAt));
      dates.set(x.expiresAt, date);
      left = residuals.get(x.residualSeconds) ?? residual(x.residualSeconds);
      residuals.set(x.residualSeconds, left);
    }
    return [x.node, x.host || '-', x.name, x.kind, date, x.missing ? '-' : left, x.caName || '-', status(x)];
  };
  // columns padded to their widest cell plus 3 spaces, as kubeadm's tabwriter lays out one block; own code rather
  // than renderTabwriter, which mirrors Go's text/tabwriter cell by cell and is slow for 140,000 rows
  const head = ['NODE', 'HOST', 'NAME', 'TYPE', 'EXPIRES', 'RESIDUAL TIME', 'CA', 'STATUS'];
  const rows = r.rows.map(cells);
  const widths = head.map((h) => h.length);
  for (const c of rows) for (let i = 0; i < c.length; i++) if ((c[i] as string).length > (widths[i] as number)) widths[i] = (c[i] as string).length;
  const line = (c: readonly string[]): string => {
    let s = '';
    for (let i = 0; i < c.length - 1; i++) s += (c[i] as string).padEnd((widths[i] as number) + 3);
    return (s + (c[c.length - 1] as string)).trimEnd();
  };
  const lines = [line(head)];
  for (const c of rows) lines.push(line(c));
  let out = `${lines.join('\n')}\n`;
  for (const b of r.bad) out += `\nunreadable report ${b.file}: ${b.error}`;
  if (r.bad.length > 0) out += '\n';
  const t = r.totals;
  out += `\n${t.nodes} node(s), ${t.certificates} certificate(s) and CA(s): ${t.expired} expired, ${t.expiring} expiring within the window, ${t.missing} missing; ${t.badFiles} unreadable report file(s)\n`;
  return out;
}

const rowObject = (x: FleetRow): object => ({
  node: x.node, host: x.host, file: x.file, type: x.kind, name: x.name, caName: x.caName,
  expirationDate: x.expirationDate, residualTime: x.residualSeconds,
  externallyManaged: x.externallyManaged, missing: x.missing,
});

const header = (r: FleetReport): object => ({ kind: 'FleetCertificateExpiration', apiVersion: 'kubecerts.io/v1alpha1', time: formatRfc3339(r.now), totals: r.totals });

/** JSON with one certificate per line (10,000 nodes stay a few MB and render in tens of ms). */
export function renderFleetJson(r: FleetReport): string {
  const head = JSON.stringify(header(r), null, 2).slice(0, -2);
  const rows = r.rows.map((x) => `    ${JSON.stringify(rowObject(x))}`).join(',\n');
  const bad = r.bad.map((b) => `    ${JSON.stringify(b)}`).join(',\n');
  return `${head},\n  "certificates": [${rows ? `\n${rows}\n  ` : ''}],\n  "unreadable": [${bad ? `\n${bad}\n  ` : ''}]\n}\n`;
}

export const renderFleetYaml = (r: FleetReport): string => dump({ ...header(r), certificates: r.rows.map(rowObject), unreadable: r.bad }, { lineWidth: -1, noRefs: true });

/** One line per endpoint: its served leaf's subject, issuer, expiry and residual time, or the error. */
export function renderScanText(results: readonly ScanResult[], now: Date): string {
  const lines = ['ENDPOINT\tSUBJECT\tISSUER\tEXPIRES\tRESIDUAL TIME\tCHAIN\tERROR'];
  for (const r of results) {
    const leaf = r.chain[0];
    if (!leaf) {
      lines.push(`${r.endpoint}\t-\t-\t-\t-\t0\t${r.error ?? 'no certificate'}`);
      continue;
    }
    const s = Math.floor((leaf.notAfter.getTime() - now.getTime()) / 1000);
    lines.push(`${r.endpoint}\t${leaf.subject}\t${leaf.issuer}\t${formatExpiryDate(leaf.notAfter)}\t${residual(s)}\t${r.chain.length}\t${r.error ?? ''}`);
  }
  return renderTabwriter(`${lines.join('\n')}\n`);
}

function scanObject(results: readonly ScanResult[], now: Date): object {
  return {
    kind: 'FleetEndpointScan',
    apiVersion: 'kubecerts.io/v1alpha1',
    time: formatRfc3339(now),
    endpoints: results.map((r) => ({
      endpoint: r.endpoint,
      ...(r.error ? { error: r.error } : {}),
      chain: r.chain.map((c) => ({
        subject: c.subject, issuer: c.issuer, serial: c.serial, notBefore: formatRfc3339(c.notBefore), notAfter: formatRfc3339(c.notAfter),
        residualTime: Math.floor((c.notAfter.getTime() - now.getTime()) / 1000), sha256: c.sha256,
      })),
    })),
  };
}

export const renderScanJson = (results: readonly ScanResult[], now: Date): string => `${JSON.stringify(scanObject(results, now), null, 2)}\n`;
export const renderScanYaml = (results: readonly ScanResult[], now: Date): string => dump(scanObject(results, now), { lineWidth: -1, noRefs: true });
