/** Merges node reports on one clock: rows sorted by residual time, totals, and the exit code of the worst. Pure. */
import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { BadReport, FleetReport, FleetRow, NodeReport } from './schema.js';

/**
 * All rows of `reports` (parsed at `now`), sorted by residual time ascending (missing entries last), then node, then
 * name. `windowMs` counts rows expiring within it (not yet expired) as `expiring`.
 */
export function mergeReports(reports: readonly NodeReport[], bad: readonly BadReport[], now: Date, windowMs: number): FleetReport {
  const rows: FleetRow[] = [];
  for (const r of reports) for (const x of r.rows) rows.push(x);
  // one numeric key per row (missing rows last), then the rank of (node, name) among the distinct pairs: numbers
  // compared, never strings (10,000 nodes make 140,000 rows with many equal residual times)
  const key = new Float64Array(rows.length);
  rows.forEach((r, i) => (key[i] = r.missing ? Infinity : r.residualSeconds));
  const { tie, size } = tieRanks(reports, rows);
  const order = new Array<number>(rows.length);
  for (let i = 0; i < rows.length; i++) order[i] = i;
  const packed = packKeys(key, tie, size);
  if (packed) order.sort((i, j) => (packed[i] as number) - (packed[j] as number));
  else {
    order.sort((i, j) => {
      const d = (key[i] as number) - (key[j] as number);
      if (d !== 0 && !Number.isNaN(d)) return d;
      return (tie[i] as number) - (tie[j] as number);
    });
  }
  const sorted = order.map((i) => rows[i] as FleetRow);
  let expired = 0;
  let expiring = 0;
  let missing = 0;
  for (const r of sorted) {
    if (r.missing) missing++;
    else if (r.residualSeconds <= 0) expired++;
    else if (r.residualSeconds * 1000 <= windowMs) expiring++;
  }
  return {
    now, rows: sorted, bad,
    totals: { nodes: new Set(reports.map((r) => r.node)).size, certificates: sorted.length, expired, expiring, missing, badFiles: bad.length },
  };
}

/** Strings of `values` (distinct, sorted by code unit as `<` compares them) → their rank. */
function ranks(values: Iterable<string>): Map<string, number> {
  const sorted = [...new Set(values)].sort();
  return new Map(sorted.map((v, i) => [v, i]));
}

/**
 * Per row (rows being the rows of `reports` in order), a number below `size` that orders rows as comparing node,
 * then name, does (equal pairs get equal numbers). Node names are ranked per report, not per row.
 */
function tieRanks(reports: readonly NodeReport[], rows: readonly FleetRow[]): { tie: Float64Array; size: number } {
  const nodes = ranks(reports.map((r) => r.node));
  const names = ranks(rows.map((r) => r.name));
  const tie = new Float64Array(rows.length);
  let i = 0;
  for (const r of reports) {
    const node = (nodes.get(r.node) as number) * names.size;
    for (const x of r.rows) tie[i++] = node + (names.get(x.name) as number);
  }
  return { tie, size: Math.max(1, nodes.size * names.size) };
}

/**
 * The residual time (whole seconds; Infinity for a missing row, after every other) and the tie rank (below
 * `size`) of each row as one number, so that rows sort by one subtraction; undefined when the range does not fit
 * a double exactly (then both are compared in turn).
 */
function packKeys(key: Float64Array, tie: Float64Array, size: number): Float64Array | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const k of key) {
    if (k === Infinity) continue;
    if (!Number.isInteger(k)) return undefined;
    if (k < min) min = k;
    if (k > max) max = k;
  }
  if (min === Infinity) min = max = 0;
  if ((max - min + 2) * size > Number.MAX_SAFE_INTEGER) return undefined;
  const packed = new Float64Array(key.length);
  for (let i = 0; i < key.length; i++) {
    const k = key[i] as number;
    packed[i] = ((k === Infinity ? max + 1 : k) - min) * size + (tie[i] as number);
  }
  return packed;
}

/**
 * The exit code of the worst finding: 1 when a file could not be read or is not a report (that node could hold
 * anything), else 3 when a certificate has expired or expires within the window, else 0.
 */
export function fleetExitCode(r: FleetReport): ExitCodeValue {
  if (r.totals.badFiles > 0) return ExitCode.failed;
  if (r.totals.expired + r.totals.expiring > 0) return ExitCode.expiring;
  return ExitCode.ok;
}
