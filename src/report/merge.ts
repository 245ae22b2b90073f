/** Merges node reports on one clock: rows sorted by residual time, totals, and the exit code of the worst. Pure. */
import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { BadReport, FleetReport, FleetRow, NodeReport } from './schema.js';

/**
 * All rows of `reports` with the residual time recomputed at `now` (each node's own residualTime was taken on its
 * clock at its check time), sorted by residual time ascending (missing entries last), then node, then name.
 * `windowMs` counts rows expiring within it (not yet expired) as `expiring`.
 */
export function mergeReports(reports: readonly NodeReport[], bad: readonly BadReport[], now: Date, windowMs: number): FleetReport {
  const t = now.getTime();
  const rows: FleetRow[] = [];
  for (const r of reports) {
    for (const e of r.entries) {
      rows.push({ ...e, node: r.node, host: r.host, file: r.file, residualSeconds: e.expirationDate ? Math.floor((e.expirationDate.getTime() - t) / 1000) : 0 });
    }
  }
  rows.sort((a, b) => {
    if (a.missing !== b.missing) return a.missing ? 1 : -1;
    return a.residualSeconds - b.residualSeconds || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  });
  let expired = 0;
  let expiring = 0;
  let missing = 0;
  for (const r of rows) {
    if (r.missing) missing++;
    else if (r.residualSeconds <= 0) expired++;
    else if (r.residualSeconds * 1000 <= windowMs) expiring++;
  }
  return {
    now, rows, bad,
    totals: { nodes: new Set(reports.map((r) => r.node)).size, certificates: rows.length, expired, expiring, missing, badFiles: bad.length },
  };
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
