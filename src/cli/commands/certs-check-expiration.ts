/** `certs check-expiration`: kubeadm's report, structured output, prometheus metrics, and --fail-within. */
import { readRegularFile } from '../../store/node-host.js';
import { hostname } from 'node:os';
import { describe, ExitCode, ExitRequest, UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../store/fs-atomic.js';
import { checkExpiration as checkNode } from '../../ops/check-expiration.js';
import { textWarner } from '../../output/events-text.js';
import { expirationFormat, failWithin, noPkiLine, renderExpiration } from '../../output/expiration-render.js';
import { fileExists } from '../../store/pki-files.js';
import { join } from 'node:path';
import { integrityWarnings } from '../../output/integrity-text.js';
import { durationFlag, runConfigFrom } from '../config-flags.js';
import { hostPath } from '../global-flags.js';
import { line, type Io } from '../io.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function readTemplateFile(path: string): string {
  try {
    return readRegularFile(path).toString('utf8');
  } catch (err) {
    throw new UsageError(`error reading --template ${path}, ${describe(err)}`);
  }
}

export default async function checkExpiration(_args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const format = expirationFormat(opts['output']);
  const windowMs = durationFlag(opts, 'failWithin', '--fail-within', 0);
  const cfg = runConfigFrom(opts);
  const now = io.now();
  const kubeletDir = opts['includeKubelet'] === true ? (str(opts['kubeletDir']) ?? hostPath('/var/lib/kubelet/pki')) : undefined;
  let report: ReturnType<typeof checkNode>;
  try {
    report = checkNode({ cfg, now, warner: textWarner(line(io.stderr)), tolerant: format === 'prometheus', kubeletDir });
  } catch (err) {
    // no PKI at all under --fail-within: kubeadm's external-CA check of a kubeconfig row fails first, but a monitor
    // must hear "no PKI" (exit 3), as when no kubeconfig is there either
    const ca = join(cfg.certificatesDir, 'ca.crt');
    if (windowMs === undefined || fileExists(ca)) throw err;
    io.stderr.write(`${noPkiLine(ca)}\n`);
    throw new ExitRequest(ExitCode.expiring);
  }
  if (format === 'text' || format === 'wide') for (const w of integrityWarnings(report.integrity)) io.stderr.write(`${w}\n`);
  if (opts['addNodeInfo'] === true && format !== 'json' && format !== 'yaml') throw new UsageError('--add-node-info needs -o json or -o yaml');
  const text = await renderExpiration(report, format, {
    // only -o wide colours, and only on a terminal: isTTY (which loads node:tty) is not asked otherwise
    color: format === 'wide' && typeof opts['outputFile'] !== 'string' && opts['color'] !== false && !io.env['NO_COLOR'] && io.stdout.isTTY === true,
    template: str(opts['template']), readTemplateFile, allowMissingKeys: opts['allowMissingTemplateKeys'] !== false,
    node: opts['addNodeInfo'] === true ? { nodeName: cfg.nodeName, hostname: hostname(), checkTime: now } : undefined,
  });
  // only a regular file is replaced: a device, FIFO or link is refused (send the report to stdout instead)
  if (typeof opts['outputFile'] === 'string') writeFileAtomic(opts['outputFile'], text, { mode: 0o644 });
  else io.stdout.write(text);
  if (windowMs === undefined) return;
  const verdict = failWithin(report, windowMs, String(opts['failWithin']));
  for (const l of verdict.lines) io.stderr.write(`${l}\n`);
  if (verdict.fail) throw new ExitRequest(ExitCode.expiring);
}
