/**
 * check-expiration's `-o` formats: which exist, and the report rendered in one of them. The template printers and
 * the wide table are loaded only when asked for, so the default text path stays small.
 */
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { rowsExpiringWithin, type ExpirationReport, type IntegrityFindings } from '../pki/expiration.js';
import { integrityFailed } from '../ops/integrity.js';
import { renderExpirationPrometheus } from './expiration-prometheus.js';
import { renderExpirationJson, renderExpirationYaml, type NodeInfo } from './expiration-serialize.js';
import { escapeControls, safeText } from './control-plane-text.js';
import { renderExpirationText } from './expiration-text.js';

/** The -o values kubeadm's printer flags allow, in kubeadm's order, then kubecerts' own. */
const TEMPLATE_FORMATS = ['go-template', 'go-template-file', 'template', 'templatefile', 'jsonpath', 'jsonpath-as-json', 'jsonpath-file'];
const FORMATS = ['text', 'json', 'yaml', ...TEMPLATE_FORMATS, 'wide', 'prometheus'];

/** `format` with a leading "=" removed (`-o=json` reaches commander as "=json"); UsageError with kubectl's wording when unknown. */
export function expirationFormat(raw: unknown): string {
  const format = String(raw ?? 'text').replace(/^=/, '');
  if (!FORMATS.includes(format.split('=')[0] ?? '')) {
    // kubeadm: errors.Wrap(NoCompatiblePrinterError, "could not construct output printer"); kubectl sorts the formats
    throw new UsageError(`could not construct output printer: unable to match a printer suitable for the output format ${JSON.stringify(format)}, allowed formats are: ${[...FORMATS].sort().join(',')}`);
  }
  return format;
}

export interface RenderOptions {
  /** colour for -o wide */
  readonly color: boolean;
  /** --template */
  readonly template: string | undefined;
  /** reads a template file (the caller's file access and error wording) */
  readonly readTemplateFile: (path: string) => string;
  /** --allow-missing-template-keys */
  readonly allowMissingKeys: boolean;
  /** --add-node-info (json and yaml) */
  readonly node: NodeInfo | undefined;
}

/** The report in `format` (one of expirationFormat's). Throws UsageError for a bad template. */
export async function renderExpiration(report: ExpirationReport, format: string, o: RenderOptions): Promise<string> {
  const printers = TEMPLATE_FORMATS.includes(format.split('=')[0] ?? '') ? await import('./printers.js') : undefined;
  const tpl = printers?.parseTemplateFormat(format, o.template);
  if (printers && tpl) {
    const text = tpl.file ? o.readTemplateFile(tpl.template) : tpl.template;
    return printers.renderTemplate(tpl.kind, text, JSON.parse(renderExpirationJson(report)), o.allowMissingKeys);
  }
  switch (format) {
    case 'json':
      return renderExpirationJson(report, o.node);
    case 'yaml':
      return renderExpirationYaml(report, o.node);
    case 'prometheus':
      return renderExpirationPrometheus(report);
    case 'wide': {
      const { renderExpirationWide } = await import('./expiration-wide.js');
      return renderExpirationWide(report, o.color);
    }
    default:
      return renderExpirationText(report);
  }
}

/**
 * --fail-within: the stderr lines (certificates due within the window, unreadable ones, a missing cluster CA
 * certificate, integrity findings) and whether the command fails (exit 3). `flag` is the window as typed.
 */
/** --fail-within's line for a missing cluster CA certificate at `caPath` (no PKI at that path). */
export const noPkiLine = (caPath: string): string => safeText`no PKI in ${dirname(caPath)}: the cluster CA certificate ${caPath} does not exist`;

export function failWithin(report: ExpirationReport & { readonly integrity: IntegrityFindings }, windowMs: number, flag: string): { lines: string[]; fail: boolean } {
  const due = rowsExpiringWithin(report, windowMs);
  const unreadable = [...report.certificates, ...report.authorities].filter((r) => r.error !== undefined);
  const { integrity } = report;
  const lines: string[] = [];
  if (due.length > 0) lines.push(`${due.length} certificate(s) expire within ${flag}: ${due.map((r) => r.name).join(', ')}`);
  if (unreadable.length > 0) lines.push(`${unreadable.length} certificate(s) cannot be read: ${unreadable.map((r) => r.name).join(', ')}`);
  if (integrity.pendingJournal !== undefined) lines.push(`an interrupted write is pending: ${integrity.pendingJournal}`);
  if (integrity.keyMismatch.length > 0) lines.push(`private key does not match the certificate: ${integrity.keyMismatch.join(', ')}`);
  // no cluster CA certificate: no PKI at that path (a mistyped --cert-dir, a missing --rootfs mount), which a monitor
  // must hear about; other missing rows stay kubeadm's "!MISSING!" (old clusters have no super-admin.conf)
  const noPki = report.authorities.find((r) => r.name === 'ca' && r.missing);
  if (noPki) lines.push(noPkiLine(noPki.path));
  // paths come from --cert-dir or a config file: shown with control characters escaped
  return { lines: lines.map(escapeControls), fail: due.length > 0 || unreadable.length > 0 || noPki !== undefined || integrityFailed(integrity) };
}
