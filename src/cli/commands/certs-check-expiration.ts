/** `certs check-expiration`: kubeadm's report, structured output, prometheus metrics, and --fail-within. */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, ExitCode, ExitRequest, UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../store/fs-atomic.js';
import { Warner } from '../../ops/external-ca.js';
import { checkIntegrity, integrityFailed, integrityWarnings } from '../../ops/integrity.js';
import { buildExpirationReport, rowsExpiringWithin, type ExpirationReport } from '../../pki/expiration.js';
import { scanExpiration } from '../../ops/check-expiration.js';
import { renderExpirationPrometheus } from '../../output/expiration-prometheus.js';
import { renderExpirationJson, renderExpirationYaml, type NodeInfo } from '../../output/expiration-serialize.js';
import { renderExpirationText } from '../../output/expiration-text.js';
import { durationFlag, runConfigFrom } from '../config-flags.js';
import { hostPath } from '../global-flags.js';
import { line, type Io } from '../io.js';

/** The -o values kubeadm's printer flags allow, in kubeadm's order, then kubecerts' own. */
const TEMPLATE_FORMATS = ['go-template', 'go-template-file', 'template', 'templatefile', 'jsonpath', 'jsonpath-as-json', 'jsonpath-file'];
const FORMATS = ['text', 'json', 'yaml', ...TEMPLATE_FORMATS, 'wide', 'prometheus'];

async function render(report: ExpirationReport, format: string, io: Io, opts: Record<string, unknown>, node?: NodeInfo): Promise<string> {
  const colorFlag = opts['color'] !== false;
  // the template printers (and jsonpath-plus) load only when a template format is asked for
  const printers = TEMPLATE_FORMATS.includes(format.split('=')[0] ?? '') ? await import('../../output/printers.js') : undefined;
  const tpl = printers?.parseTemplateFormat(format, typeof opts['template'] === 'string' ? opts['template'] : undefined);
  if (printers && tpl) {
    let text = tpl.template;
    if (tpl.file) {
      try {
        text = readFileSync(tpl.template, 'utf8');
      } catch (err) {
        throw new UsageError(`error reading --template ${tpl.template}, ${describe(err)}`);
      }
    }
    return printers.renderTemplate(tpl.kind, text, JSON.parse(renderExpirationJson(report)), opts['allowMissingTemplateKeys'] !== false);
  }
  switch (format) {
    case 'json':
      return renderExpirationJson(report, node);
    case 'yaml':
      return renderExpirationYaml(report, node);
    case 'prometheus':
      return renderExpirationPrometheus(report);
    case 'wide': {
      const color = colorFlag && io.stdout.isTTY === true && !io.env['NO_COLOR'];
      const { renderExpirationWide } = await import('../../output/expiration-wide.js');
      return renderExpirationWide(report, color);
    }
    default:
      return renderExpirationText(report);
  }
}

export default async function checkExpiration(_args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  // `-o=json` reaches commander as "=json"
  const format = String(opts['output'] ?? 'text').replace(/^=/, '');
  if (!FORMATS.includes(format.split('=')[0] ?? '')) {
    // kubeadm: errors.Wrap(NoCompatiblePrinterError, "could not construct output printer"); kubectl sorts the formats
    throw new UsageError(`could not construct output printer: unable to match a printer suitable for the output format ${JSON.stringify(format)}, allowed formats are: ${[...FORMATS].sort().join(',')}`);
  }
  const windowMs = durationFlag(opts, 'failWithin', '--fail-within', 0);
  const cfg = runConfigFrom(opts);
  const now = io.now();
  const includeKubelet = opts['includeKubelet'] === true;
  const scan = scanExpiration({
    cfg,
    now,
    warner: new Warner(line(io.stderr)),
    tolerant: format === 'prometheus',
    kubeletDir: includeKubelet ? (typeof opts['kubeletDir'] === 'string' ? opts['kubeletDir'] : hostPath('/var/lib/kubelet/pki')) : undefined,
  });
  const integrity = checkIntegrity(cfg);
  const report = { ...buildExpirationReport(scan.certificates, scan.authorities, now), integrity };
  if (format === 'text' || format === 'wide') for (const w of integrityWarnings(integrity)) io.stderr.write(`${w}\n`);
  if (opts['addNodeInfo'] === true && format !== 'json' && format !== 'yaml') throw new UsageError('--add-node-info needs -o json or -o yaml');
  const node = opts['addNodeInfo'] === true ? { nodeName: cfg.nodeName, hostname: hostname(), checkTime: now } : undefined;
  const text = await render(report, format, io, opts, node);
  // only a regular file is replaced: a device, FIFO or link is refused (send the report to stdout instead)
  if (typeof opts['outputFile'] === 'string') writeFileAtomic(opts['outputFile'], text, { mode: 0o644 });
  else io.stdout.write(text);
  if (windowMs !== undefined) {
    const due = rowsExpiringWithin(report, windowMs);
    const unreadable = [...report.certificates, ...report.authorities].filter((r) => r.error !== undefined);
    if (due.length > 0) {
      io.stderr.write(`${due.length} certificate(s) expire within ${String(opts['failWithin'])}: ${due.map((r) => r.name).join(', ')}\n`);
    }
    if (unreadable.length > 0) io.stderr.write(`${unreadable.length} certificate(s) cannot be read: ${unreadable.map((r) => r.name).join(', ')}\n`);
    if (integrity.pendingJournal !== undefined) io.stderr.write(`an interrupted write is pending: ${integrity.pendingJournal}\n`);
    if (integrity.keyMismatch.length > 0) io.stderr.write(`private key does not match the certificate: ${integrity.keyMismatch.join(', ')}\n`);
    if (due.length > 0 || unreadable.length > 0 || integrityFailed(integrity)) throw new ExitRequest(ExitCode.expiring);
  }
}
