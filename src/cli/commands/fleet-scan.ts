/** `fleet scan HOST:PORT…`: the served certificate chains, handshakes in parallel (src/report/scan.ts). */
import { ExitCode, ExitRequest, UsageError } from '../../errors.js';
import { renderScanJson, renderScanText, renderScanYaml } from '../../output/fleet-text.js';
import { scanEndpoints, splitEndpoint } from '../../report/scan.js';
import { durationFlag } from '../config-flags.js';
import type { Io } from '../io.js';

export default async function fleetScan(args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const endpoints = args[0] as string[];
  for (const e of endpoints) if (!splitEndpoint(e)) throw new UsageError(`invalid endpoint "${e}": use HOST:PORT, [IPv6]:PORT or https://HOST:PORT`);
  const timeoutMs = durationFlag(opts, 'timeout', '--timeout', 1) ?? 5000;
  const windowMs = durationFlag(opts, 'failWithin', '--fail-within', 0) ?? 0;
  const parallel = opts['parallel'] === undefined ? 32 : Number(opts['parallel']);
  if (!Number.isInteger(parallel) || parallel < 1) throw new UsageError(`invalid --parallel "${String(opts['parallel'])}": a whole number of at least 1`);
  const results = await scanEndpoints(endpoints, timeoutMs, parallel);
  const now = io.now();
  const format = String(opts['output'] ?? 'text');
  io.stdout.write(format === 'json' ? renderScanJson(results, now) : format === 'yaml' ? renderScanYaml(results, now) : renderScanText(results, now));
  // the worst: an endpoint that could not be read (1), else a served certificate within the window or expired (3)
  if (results.some((r) => r.error !== undefined)) throw new ExitRequest(ExitCode.failed);
  if (results.some((r) => r.chain.some((c) => c.notAfter.getTime() - now.getTime() <= windowMs))) throw new ExitRequest(ExitCode.expiring);
}
