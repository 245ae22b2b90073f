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
  // sorted by residual time (missing rows last), then node, then name, then input order: three stable counting
  // sorts over the ranks of those values, least significant first, instead of a comparison sort (10,000 nodes make
  // 140,000 rows)
  const nodes = ranks(reports.map((r) => r.node));
  const names = ranks(rows.map((r) => r.name));
  const residuals = numberRanks(rows.map((r) => (r.missing ? Infinity : r.residualSeconds)));
  const nodeRank = new Uint32Array(rows.length);
  const nameRank = new Uint32Array(rows.length);
  const residualRank = new Uint32Array(rows.length);
  let i = 0;
  for (const r of reports) {
    const node = nodes.get(r.node) as number;
    for (const x of r.rows) {
      nodeRank[i] = node;
      nameRank[i] = names.get(x.name) as number;
      residualRank[i] = residuals.get(x.missing ? Infinity : x.residualSeconds) as number;
      i++;
    }
  }
  let order: Uint32Array = new Uint32Array(rows.length);
  order.forEach((_, k) => (order[k] = k));
  order = byRank(order, nameRank, names.size);
  order = byRank(order, nodeRank, nodes.size);
  order = byRank(order, residualRank, residuals.size);
  const sorted = Array.from(order, (k) => rows[k] as FleetRow);
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

/** Numbers of `values` (distinct, in ascending order; Infinity last) → their rank. */
function numberRanks(values: readonly number[]): Map<number, number> {
  const sorted = new Float64Array(new Set(values)).sort();
  return new Map(Array.from(sorted, (v, k) => [v, k]));
}

/** `order` (row indices) stably sorted by `rank[index]`, integers below `size`: a counting sort. */
function byRank(order: Uint32Array, rank: Uint32Array, size: number): Uint32Array {
  const start = new Uint32Array(size + 1);
  for (const k of order) (start[(rank[k] as number) + 1] as number)++;
  for (let r = 0; r < size; r++) start[r + 1] = (start[r + 1] as number) + (start[r] as number);
  const out = new Uint32Array(order.length);
  for (const k of order) out[(start[rank[k] as number] as number)++] = k;
  return out;
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
