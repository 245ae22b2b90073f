/** `fleet report FILE…|DIR…`: merge nodes' check-expiration JSON reports (src/report). */
import { readRegularFile } from '../../store/node-host.js';
import { describe, ExitCode, ExitRequest } from '../../errors.js';
import { escapeControls } from '../../output/control-plane-text.js';
import { renderFleetJsonBlocks, renderFleetTextBlocks, renderFleetYaml } from '../../output/fleet-text.js';
import { fleetExitCode, mergeReports, sharedNodeNames } from '../../report/merge.js';
import { parseNodeReport } from '../../report/parse.js';
import { expand } from '../../store/report-files.js';
import type { BadReport, NodeReport } from '../../report/schema.js';
import { durationFlag } from '../config-flags.js';
import type { Io } from '../io.js';

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
  for (const [node, files] of sharedNodeNames(reports)) {
    io.stderr.write(`warning: node ${escapeControls(JSON.stringify(node))} is named by ${files.length} reports (${files.slice(0, 3).map(escapeControls).join(', ')}${files.length > 3 ? ', ...' : ''}): their rows are shown under one node\n`);
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

