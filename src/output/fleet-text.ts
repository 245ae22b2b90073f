/** Presenters of `fleet report` and `fleet scan`: kubeadm-style tables, JSON and YAML. Pure. */
import { dump } from 'js-yaml';
import type { FleetReport, FleetRow, RowOwner } from '../report/schema.js';
import type { ScanResult } from '../report/scan.js';
import { formatExpiryDate, formatRfc3339, formatResidual } from '../lib/time-format.js';
import { escapeControls } from './control-plane-text.js';
import { renderTabwriter } from './tabwriter.js';

const residual = (s: number): string => (s <= 0 ? 'expired' : formatResidual(s));
/** The STATUS cells, and a row's index among them. */
const STATUS = ['', 'missing', 'EXPIRED', 'external'] as const;
const statusCode = (r: FleetRow): number => (r.missing ? 1 : r.residualSeconds <= 0 ? 2 : r.externallyManaged ? 3 : 0);

/**
 * `line(row)` of each of `rows`, joined by `sep`, in blocks of 256 lines, each block one flat string: a line assembled
 * from pieces is a tree of small string nodes until flattened, and flattening each block as it fills lets the pieces
 * die young instead of 140,000 trees surviving to the end. The blocks are yielded to be written as they come (a
 * block after the first starts with `sep`), so the output of 10,000 nodes (tens of MB) is never held at once.
 */
function* joinedBlocks<T>(rows: readonly T[], line: (row: T) => string, sep: string): Generator<string> {
  let lines: string[] = [];
  let lead = '';
  for (const x of rows) {
    lines.push(line(x));
    if (lines.length === 256) {
      yield lead + lines.join(sep);
      lead = sep;
      lines = [];
    }
  }
  if (lines.length > 0) yield lead + lines.join(sep);
}

/** `make(key)` computed once per distinct key (a node's cells recur in each of its rows, a name in every node's). */
function memo<K, V>(make: (key: K) => V): (key: K) => V {
  const done = new Map<K, V>();
  return (key) => {
    let v = done.get(key);
    if (v === undefined) {
      v = make(key);
      done.set(key, v);
    }
    return v;
  };
}

/** The merged table (NODE, HOST, NAME, TYPE, EXPIRES, RESIDUAL TIME, CA, STATUS), the unreadable files and the totals. */
export function renderFleetText(r: FleetReport): string {
  return [...renderFleetTextBlocks(r)].join('');
}

/**
 * renderFleetText's output in blocks, to be written one after the other. Columns are padded to their widest cell
 * plus 3 spaces, as kubeadm's tabwriter lays out one block, and each line's trailing blanks cut; own code rather
 * than renderTabwriter, which mirrors Go's text/tabwriter cell by cell and is slow for 140,000 rows. A row's cells
 * come in four pieces, each formatted and padded once per distinct value, so a row costs four lookups: node and host
 * (per node), name and type, expiry and residual time (both follow from the expiry on the report's one clock), CA
 * and status. Every value from a report (node, host, names, the unreadable files and why) is shown through
 * escapeControls, once per distinct value: a report cannot forge lines or drive the terminal.
 */
export function* renderFleetTextBlocks(r: FleetReport): Generator<string> {
  const head = ['NODE', 'HOST', 'NAME', 'TYPE', 'EXPIRES', 'RESIDUAL TIME', 'CA', 'STATUS'];
  // expiry and residual cells per distinct expiry (a missing row has none: expiresAt null, "-" in both)
  const expiries = new Map<number, [string, string]>();
  const widths = head.map((h) => h.length);
  const widen = (i: number, text: string): void => {
    if (text.length > (widths[i] as number)) widths[i] = text.length;
  };
  const esc = memo(escapeControls);
  for (const x of r.rows) {
    widen(0, esc(x.node));
    widen(1, esc(x.host) || '-');
    widen(2, esc(x.name));
    widen(3, x.kind);
    widen(6, esc(x.caName) || '-');
    if (x.expiresAt !== null && !expiries.has(x.expiresAt)) expiries.set(x.expiresAt, [formatExpiryDate(new Date(x.expiresAt)), residual(x.residualSeconds)]);
  }
  for (const [date, left] of expiries.values()) {
    widen(4, date);
    widen(5, left);
  }
  const pad = (i: number, text: string): string => text.padEnd((widths[i] as number) + 3);
  const who = memo((o: RowOwner) => pad(0, esc(o.node)) + pad(1, esc(o.host) || '-'));
  const what = [memo((name: string) => pad(2, esc(name)) + pad(3, 'certificate')), memo((name: string) => pad(2, esc(name)) + pad(3, 'ca'))];
  const when = memo((ms: number) => {
    const [date, left] = expiries.get(ms) as [string, string];
    return pad(4, date) + pad(5, left);
  });
  const never = pad(4, '-') + pad(5, '-');
  // the last two cells by status (see statusCode); with an empty STATUS the CA cell ends the line and loses its
  // padding and trailing blanks, as trimming the whole line does (undefined: the CA cell is all blanks, so the whole
  // line is trimmed)
  const tail = STATUS.map((st) => memo((raw: string): string | undefined => {
    const ca = esc(raw);
    return st !== '' ? pad(6, ca) + st : ca.trimEnd() || undefined;
  }));
  yield `${head.slice(0, -1).map((h, i) => pad(i, h)).join('')}${head[head.length - 1] as string}\n`;
  yield* joinedBlocks(r.rows, (x) => {
    const front = who(x.owner) + (what[x.kind === 'ca' ? 1 : 0] as (name: string) => string)(x.name) + (x.expiresAt === null ? never : when(x.expiresAt));
    const end = (tail[statusCode(x)] as (ca: string) => string | undefined)(x.caName || '-');
    return end === undefined ? front.trimEnd() : front + end;
  }, '\n');
  let out = r.rows.length > 0 ? '\n' : '';
  for (const b of r.bad) out += `\nunreadable report ${escapeControls(b.file)}: ${escapeControls(b.error)}`;
  if (r.bad.length > 0) out += '\n';
  const t = r.totals;
  out += `\n${t.nodes} node(s), ${t.certificates} certificate(s) and CA(s): ${t.expired} expired, ${t.expiring} expiring within the window, ${t.missing} missing; ${t.badFiles} unreadable report file(s)\n`;
  yield out;
}

const rowObject = (x: FleetRow): object => ({
  node: x.node, host: x.host, file: x.file, type: x.kind, name: x.name, caName: x.caName,
  expirationDate: x.expirationDate, residualTime: x.residualSeconds,
  externallyManaged: x.externallyManaged, missing: x.missing,
});

const header = (r: FleetReport): object => ({ kind: 'FleetCertificateExpiration', apiVersion: 'kubecerts.io/v1alpha1', time: formatRfc3339(r.now), totals: r.totals });

/** JSON with one certificate per line (10,000 nodes stay a few MB). */
export function renderFleetJson(r: FleetReport): string {
  return [...renderFleetJsonBlocks(r)].join('');
}

/**
 * renderFleetJson's output in blocks, to be written one after the other. Each certificate's line is what
 * JSON.stringify(rowObject(row)) gives, the same keys in the same order, put together from pieces each quoted once
 * per distinct value: node, host and file (per node), type, name and CA name, the expiry date with the residual time
 * (which follows from it on the report's one clock: 0 for a missing row, whose date is null), and the two flags.
 */
export function* renderFleetJsonBlocks(r: FleetReport): Generator<string> {
  const q = (v: string | number | null): string => JSON.stringify(v);
  const who = memo((o: RowOwner) => `    {"node":${q(o.node)},"host":${q(o.host)},"file":${q(o.file)},"type":`);
  const what = (['certificate', 'ca'] as const).map((kind) => memo((name: string) => memo((ca: string) => `${q(kind)},"name":${q(name)},"caName":${q(ca)},"expirationDate":`)));
  const whens = new Map<string | null, string>();
  const when = (x: FleetRow): string => {
    let s = whens.get(x.expirationDate);
    if (s === undefined) whens.set(x.expirationDate, (s = `${q(x.expirationDate)},"residualTime":${q(x.residualSeconds)}`));
    return s;
  };
  const flags = [false, true].map((external) => [false, true].map((missing) => `,"externallyManaged":${external},"missing":${missing}}`));
  const head = JSON.stringify(header(r), null, 2).slice(0, -2);
  const bad = r.bad.map((b) => `    ${JSON.stringify(b)}`).join(',\n');
  const unreadable = `  "unreadable": [${bad ? `\n${bad}\n  ` : ''}]\n}\n`;
  if (r.rows.length === 0) {
    yield `${head},\n  "certificates": [],\n${unreadable}`;
    return;
  }
  yield `${head},\n  "certificates": [\n`;
  yield* joinedBlocks(r.rows, (x) => {
    const named = (what[x.kind === 'ca' ? 1 : 0] as (name: string) => (ca: string) => string)(x.name);
    return `${who(x.owner)}${named(x.caName)}${when(x)}${(flags[+x.externallyManaged] as string[])[+x.missing] as string}`;
  }, ',\n');
  yield `\n  ],\n${unreadable}`;
}

export const renderFleetYaml = (r: FleetReport): string => dump({ ...header(r), certificates: r.rows.map(rowObject), unreadable: r.bad }, { lineWidth: -1, noRefs: true });

/**
 * One line per endpoint: its served leaf's subject, issuer, expiry and residual time, or the error. The endpoint,
 * subject, issuer and error go through escapeControls: what a hostile endpoint serves cannot add cells or lines.
 */
export function renderScanText(results: readonly ScanResult[], now: Date): string {
  const lines = ['ENDPOINT\tSUBJECT\tISSUER\tEXPIRES\tRESIDUAL TIME\tCHAIN\tERROR'];
  const esc = escapeControls;
  for (const r of results) {
    const leaf = r.chain[0];
    if (!leaf) {
      lines.push(`${esc(r.endpoint)}\t-\t-\t-\t-\t0\t${esc(r.error ?? 'no certificate')}`);
      continue;
    }
    const s = Math.floor((leaf.notAfter.getTime() - now.getTime()) / 1000);
    lines.push(`${esc(r.endpoint)}\t${esc(leaf.subject)}\t${esc(leaf.issuer)}\t${formatExpiryDate(leaf.notAfter)}\t${residual(s)}\t${r.chain.length}\t${esc(r.error ?? '')}`);
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
