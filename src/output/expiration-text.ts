/** kubeadm's check-expiration text, byte for byte (spec §4.5). Pure. */
import type { ExpirationReport, ExpirationRow } from '../pki/expiration.js';
import { renderTabwriter } from './tabwriter.js';
import { formatExpiryDate, formatResidual } from '../lib/time-format.js';

const yesNo = (b: boolean): string => (b ? 'yes' : 'no').padEnd(8);

export function renderExpirationText(report: ExpirationReport): string {
  const lines: string[] = ['CERTIFICATE\tEXPIRES\tRESIDUAL TIME\tCERTIFICATE AUTHORITY\tEXTERNALLY MANAGED'];
  const cells = (r: ExpirationRow): string[] => [formatExpiryDate(r.notAfter ?? new Date(0)), formatResidual(r.residualTime)];
  for (const r of report.certificates) {
    lines.push(r.missing ? `!MISSING! ${r.name}\t\t\t\t` : [r.name, ...cells(r), r.caName, yesNo(r.externallyManaged)].join('\t'));
  }
  lines.push('', 'CERTIFICATE AUTHORITY\tEXPIRES\tRESIDUAL TIME\tEXTERNALLY MANAGED');
  for (const r of report.authorities) {
    lines.push(r.missing ? `!MISSING! ${r.name}\t\t\t` : [r.name, ...cells(r), yesNo(r.externallyManaged)].join('\t'));
  }
  return renderTabwriter(`${lines.join('\n')}\n`);
}
