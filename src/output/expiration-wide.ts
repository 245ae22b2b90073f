/**
 * `-o wide`: the kubeadm columns plus key, serial, NotBefore and path. On a colour terminal a cli-table3 table with
 * expired rows red and rows within 30 days yellow; otherwise plain aligned text.
 */
import chalk, { Chalk } from 'chalk';
import Table from 'cli-table3';
import type { ExpirationReport, ExpirationRow } from '../pki/expiration.js';
import { escapeControls } from './control-plane-text.js';
import { renderTabwriter } from './tabwriter.js';
import { formatExpiryDate, formatResidual } from '../lib/time-format.js';

const SOON_SECONDS = 30 * 86_400;
const HEAD = ['CERTIFICATE', 'EXPIRES', 'RESIDUAL TIME', 'CERTIFICATE AUTHORITY', 'EXTERNALLY MANAGED', 'KEY', 'SERIAL', 'NOT BEFORE', 'PATH'];

function cells(r: ExpirationRow): string[] {
  if (r.missing) return [`!MISSING! ${r.name}`, '', '', r.caName, '', '', '', '', r.path];
  if (r.error) return [`!UNREADABLE! ${r.name}`, '', '', r.caName, '', '', '', '', r.path];
  return [
    r.name,
    formatExpiryDate(r.notAfter ?? new Date(0)),
    formatResidual(r.residualTime),
    r.caName,
    r.externallyManaged ? 'yes' : 'no',
    r.keyAlgorithm ?? '',
    r.serial ?? '',
    formatExpiryDate(r.notBefore ?? new Date(0)),
    r.path,
  ].map(escapeControls); // the path comes from --cert-dir or a config file: a tab or newline in it cannot add cells or rows
}

export function renderExpirationWide(report: ExpirationReport, color: boolean): string {
  const rows = [...report.certificates, ...report.authorities.map((r) => ({ ...r, caName: '(ca)' }))];
  if (!color) {
    return renderTabwriter(`${[HEAD, ...rows.map(cells)].map((c) => c.join('\t')).join('\n')}\n`);
  }
  const c = new Chalk({ level: chalk.level > 0 ? chalk.level : 1 });
  const table = new Table({ head: HEAD.map((h) => c.bold(h)), style: { head: [], border: [] } });
  for (const r of rows) {
    const paint = r.missing || r.error || r.residualTime < 0 ? c.red : r.residualTime < SOON_SECONDS ? c.yellow : (s: string) => s;
    table.push(cells(r).map((s) => paint(s)));
  }
  return `${table.toString()}\n`;
}
