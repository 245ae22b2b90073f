/** `certs check-expiration`: kubeadm's report, structured output, prometheus metrics, and --fail-within. */
import { ExitCode, ExitRequest } from '../../errors.js';
import { writeFileAtomic } from '../../fs-atomic.js';
import { Warner } from '../../pki/authority.js';
import { checkIntegrity, integrityFailed, integrityWarnings } from '../../pki/integrity.js';
import { buildExpirationReport, rowsExpiringWithin, type ExpirationReport } from '../../pki/expiration.js';
import { scanExpiration } from '../../pki/expiration-scan.js';
import { renderExpirationPrometheus } from '../../output/expiration-prometheus.js';
import { renderExpirationJson, renderExpirationYaml } from '../../output/expiration-serialize.js';
import { renderExpirationText } from '../../output/expiration-text.js';
import { durationFlag, runConfigFrom } from '../config-flags.js';
import { line, type Io } from '../io.js';

async function render(report: ExpirationReport, format: string, io: Io, colorFlag: boolean): Promise<string> {
  switch (format) {
    case 'json':
      return renderExpirationJson(report);
    case 'yaml':
      return renderExpirationYaml(report);
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
  const format = String(opts['output'] ?? 'text');
  const windowMs = durationFlag(opts, 'failWithin', '--fail-within', 0);
  const cfg = runConfigFrom(opts);
  const now = io.now();
  const includeKubelet = opts['includeKubelet'] === true;
  const scan = scanExpiration({
    cfg,
    now,
    warner: new Warner(line(io.stderr)),
    tolerant: format === 'prometheus',
    kubeletDir: includeKubelet ? (typeof opts['kubeletDir'] === 'string' ? opts['kubeletDir'] : '/var/lib/kubelet/pki') : undefined,
  });
  const integrity = checkIntegrity(cfg);
  const report = { ...buildExpirationReport(scan.certificates, scan.authorities, now), integrity };
  if (format === 'text' || format === 'wide') for (const w of integrityWarnings(integrity)) io.stderr.write(`${w}\n`);
  const text = await render(report, format, io, opts['color'] !== false);
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
