/** `fleet report FILE…|DIR…`: merge nodes' check-expiration JSON reports (src/report). */
import { readdirSync, statSync } from 'node:fs';
import { readRegularFile } from '../../store/node-host.js';
import { join } from 'node:path';
import { describe, ExitCode, ExitRequest } from '../../errors.js';
import { escapeControls } from '../../output/control-plane-text.js';
import { renderFleetJsonBlocks, renderFleetTextBlocks, renderFleetYaml } from '../../output/fleet-text.js';
import { fleetExitCode, mergeReports } from '../../report/merge.js';
import { parseNodeReport } from '../../report/parse.js';
import type { BadReport, NodeReport } from '../../report/schema.js';
import { durationFlag } from '../config-flags.js';
import type { Io } from '../io.js';

/**
 * The files named: each FILE, and the *.json files of each folder (sorted, as `list` gives a folder's names: readdir);
 * an unreadable path is added to `bad`. Any number of names (a folder of 200,000 reports).
 */
export function expand(paths: readonly string[], bad: BadReport[], list: (folder: string) => string[] = readdirSync): string[] {
  const files: string[] = [];
  for (const p of paths) {
    try {
      if (statSync(p).isDirectory()) {
        // join(p, f) for each of thousands of names: the folder is normalized once (a name from readdir is one
        // segment, never "." or "..", so join(p, f) is join(p, "_") with "_" replaced by f)
        const folder = join(p, '_').slice(0, -1);
        // a loop, not push(...names): a spread of 100,000+ arguments overflows the stack
        for (const f of list(p).filter((name) => name.endsWith('.json')).sort()) files.push(folder + f);
      } else files.push(p);
    } catch (err) {
      bad.push({ file: p, error: describe(err) });
    }
  }
  return files;
}

export default async function fleetReport(args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const windowMs = durationFlag(opts, 'failWithin', '--fail-within', 0) ?? 0;
  const bad: BadReport[] = [];
  const reports: NodeReport[] = [];
  const now = io.now();
  // one read buffer for all the files (their text is decoded from it before the next read)
  const scratch: { buf?: Buffer } = {};
  for (const file of expand(args[0] as string[], bad)) {
    let text: string;
    try {
      text = readRegularFile(file, 64 << 20, scratch).toString('utf8');
    } catch (err) {
      bad.push({ file, error: describe(err) });
      continue;
    }
    const r = parseNodeReport(file, text, now.getTime());
    if (typeof r === 'string') bad.push({ file, error: r });
    else reports.push(r);
  }
  const merged = mergeReports(reports, bad, now, windowMs);
  const format = String(opts['output'] ?? 'text');
  // written block by block: 10,000 nodes make tens of MB, never held as one string
  for (const block of format === 'json' ? renderFleetJsonBlocks(merged) : format === 'yaml' ? [renderFleetYaml(merged)] : renderFleetTextBlocks(merged)) io.stdout.write(block);
  // names and reasons come from the folder and the files: shown escaped, never as control characters
  for (const b of bad) io.stderr.write(`error: ${escapeControls(b.file)}: ${escapeControls(b.error)}\n`);
  const code = fleetExitCode(merged);
  if (code !== ExitCode.ok) throw new ExitRequest(code);
}
