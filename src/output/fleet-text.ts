/** Presenters of `fleet report` and `fleet scan`: kubeadm-style tables, JSON and YAML. Pure. */
import { dump } from 'js-yaml';
import type { FleetReport, FleetRow } from '../report/schema.js';
import type { ScanResult } from '../report/scan.js';
import { formatExpiryDate, formatRfc3339, formatResidual } from '../lib/time-format.js';
import { renderTabwriter } from './tabwriter.js';

const residual = (s: number): string => (s <= 0 ? 'expired' : formatResidual(s));
const status = (r: FleetRow): string => (r.missing ? 'missing' : r.residualSeconds <= 0 ? 'EXPIRED' : r.externallyManaged ? 'external' : '');

/**
 * `lines` joined with newlines, built a block at a time: each block's join flattens its lines (a line assembled from
 * many pieces is a tree of small string nodes until then), so the pieces die young instead of 140,000 trees
 * surviving to the end and being copied by every garbage collection on the way.
 */
class LineBlocks {
  private readonly blocks: string[] = [];
  private lines: string[] = [];
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length === 1024) this.flush();
  }
  private flush(): void {
    if (this.lines.length > 0) this.blocks.push(this.lines.join('\n'));
    this.lines = [];
  }
  /** every line, separated by `\n` (no newline after the last) */
  join(): string {
    this.flush();
    return this.blocks.join('\n');
  }
}

/** `text` padded with spaces to `width`, each distinct text padded once (a node's name recurs in each of its rows). */
function padder(width: number): (text: string) => string {
  const done = new Map<string, string>();
  return (text) => {
    let p = done.get(text);
    if (p === undefined) {
      p = text.padEnd(width);
      done.set(text, p);
    }
    return p;
  };
}

/** The merged table (NODE, HOST, NAME, TYPE, EXPIRES, RESIDUAL TIME, CA, STATUS), the unreadable files and the totals. */
export function renderFleetText(r: FleetReport): string {
  // many rows share a date and a residual time: each is formatted once (10,000 nodes make 140,000 rows)
  const dates = new Map<number, string>();
  const residuals = new Map<number, string>();
  const n = r.rows.length;
  const date: string[] = new Array<string>(n);
  const left: string[] = new Array<string>(n);
  const head = ['NODE', 'HOST', 'NAME', 'TYPE', 'EXPIRES', 'RESIDUAL TIME', 'CA', 'STATUS'];
  const widths = head.map((h) => h.length);
  const widen = (i: number, text: string): void => {
    if (text.length > (widths[i] as number)) widths[i] = text.length;
  };
  for (let k = 0; k < n; k++) {
    const x = r.rows[k] as FleetRow;
    let d = '-';
    let l = '-';
    if (x.expiresAt !== null) {
      d = dates.get(x.expiresAt) ?? formatExpiryDate(new Date(x.expiresAt));
      dates.set(x.expiresAt, d);
      l = residuals.get(x.residualSeconds) ?? residual(x.residualSeconds);
      residuals.set(x.residualSeconds, l);
      if (x.missing) l = '-';
    }
    date[k] = d;
    left[k] = l;
    widen(0, x.node);
    widen(1, x.host || '-');
    widen(2, x.name);
    widen(3, x.kind);
    widen(4, d);
    widen(5, l);
    widen(6, x.caName || '-');
  }
  // columns padded to their widest cell plus 3 spaces, as kubeadm's tabwriter lays out one block, and the line's
  // trailing blanks cut; own code rather than renderTabwriter, which mirrors Go's text/tabwriter cell by cell and is
  // slow for 140,000 rows
  const pad = widths.map((w) => padder(w + 3));
  const cut = new Map<string, string>();
  const line = (cells: readonly string[], last: string): string => {
    let s = '';
    for (let i = 0; i < cells.length; i++) s += (pad[i] as (t: string) => string)(cells[i] as string);
    return last === '' ? s.trimEnd() : s + last;
  };
  const lines = new LineBlocks();
  lines.push(line(head.slice(0, -1), head[head.length - 1] as string));
  const p = pad as [(t: string) => string, (t: string) => string, (t: string) => string, (t: string) => string, (t: string) => string, (t: string) => string];
  for (let k = 0; k < n; k++) {
    const x = r.rows[k] as FleetRow;
    const front = p[0](x.node) + p[1](x.host || '-') + p[2](x.name) + p[3](x.kind) + p[4](date[k] as string) + p[5](left[k] as string);
    const st = status(x);
    const ca = x.caName || '-';
    if (st !== '') lines.push(front + (pad[6] as (t: string) => string)(ca) + st);
    else {
      // the CA cell ends the line: its padding (and any trailing blanks) cut, as trimEnd of the whole line does
      let c = cut.get(ca);
      if (c === undefined) {
        c = ca.trimEnd();
        cut.set(ca, c);
      }
      lines.push(c === '' ? front.trimEnd() : front + c);
    }
  }
  let out = `${lines.join()}\n`;
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

/**
 * JSON with one certificate per line, each line what JSON.stringify(rowObject(row)) gives: the same keys in the same
 * order, each distinct string quoted once (a node's name, host and file recur in each of its rows; 10,000 nodes make
 * 140,000 lines).
 */
export function renderFleetJson(r: FleetReport): string {
  const head = JSON.stringify(header(r), null, 2).slice(0, -2);
  const quoted = new Map<string, string>();
  const q = (s: string): string => {
    let j = quoted.get(s);
    if (j === undefined) {
      j = JSON.stringify(s);
      quoted.set(s, j);
    }
    return j;
  };
  const lines = new LineBlocks();
  for (const x of r.rows) {
    lines.push(
      `    {"node":${q(x.node)},"host":${q(x.host)},"file":${q(x.file)},"type":${q(x.kind)},"name":${q(x.name)},"caName":${q(x.caName)},` +
        `"expirationDate":${x.expirationDate === null ? 'null' : q(x.expirationDate)},"residualTime":${JSON.stringify(x.residualSeconds)},` +
        `"externallyManaged":${x.externallyManaged},"missing":${x.missing}},`,
    );
  }
  // the last row has no comma
  const rows = r.rows.length > 0 ? lines.join().slice(0, -1) : '';
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
