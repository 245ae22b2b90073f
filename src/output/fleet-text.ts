/** Presenters of `fleet report` and `fleet scan`: kubeadm-style tables, JSON and YAML. Pure. */
import { dump } from 'js-yaml';
import type { FleetReport, FleetRow } from '../report/schema.js';
import type { ScanResult } from '../report/scan.js';
import { formatExpiryDate, formatRfc3339, formatResidual } from './time-format.js';
import { renderTabwriter } from './tabwriter.js';

const residual = (s: number): string => (s <= 0 ? 'expired' : formatResidual(s));
const status = (r: FleetRow): string => (r.missing ? 'missing' : r.residualSeconds <= 0 ? 'EXPIRED' : r.externallyManaged ? 'external' : '');

/** The merged table (NODE, HOST, NAME, TYPE, EXPIRES, RESIDUAL TIME, CA, STATUS), the unreadable files and the totals. */
export function renderFleetText(r: FleetReport): string {
  const lines = ['NODE\tHOST\tNAME\tTYPE\tEXPIRES\tRESIDUAL TIME\tCA\tSTATUS'];
  for (const x of r.rows) {
    lines.push(`${x.node}\t${x.host || '-'}\t${x.name}\t${x.kind}\t${x.expirationDate ? formatExpiryDate(x.expirationDate) : '-'}\t${x.missing ? '-' : residual(x.residualSeconds)}\t${x.caName || '-'}\t${status(x)}`);
  }
  let out = renderTabwriter(`${lines.join('\n')}\n`);
  for (const b of r.bad) out += `\nunreadable report ${b.file}: ${b.error}`;
  if (r.bad.length > 0) out += '\n';
  const t = r.totals;
  out += `\n${t.nodes} node(s), ${t.certificates} certificate(s) and CA(s): ${t.expired} expired, ${t.expiring} expiring within the window, ${t.missing} missing; ${t.badFiles} unreadable report file(s)\n`;
  return out;
}

function fleetObject(r: FleetReport): object {
  return {
    kind: 'FleetCertificateExpiration',
    apiVersion: 'kubecerts.io/v1alpha1',
    time: formatRfc3339(r.now),
    totals: r.totals,
    certificates: r.rows.map((x) => ({
      node: x.node, host: x.host, file: x.file, type: x.kind, name: x.name, caName: x.caName,
      expirationDate: x.expirationDate ? formatRfc3339(x.expirationDate) : null, residualTime: x.residualSeconds,
      externallyManaged: x.externallyManaged, missing: x.missing,
    })),
    unreadable: r.bad,
  };
}

export const renderFleetJson = (r: FleetReport): string => `${JSON.stringify(fleetObject(r), null, 2)}\n`;
export const renderFleetYaml = (r: FleetReport): string => dump(fleetObject(r), { lineWidth: -1, noRefs: true });

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
