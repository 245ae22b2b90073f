import { describe, expect, it } from 'vitest';
import { buildExpirationReport, type CertificateFacts } from '../pki/expiration.js';
import { renderExpirationWide } from './expiration-wide.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const row = (name: string, notAfter: string): CertificateFacts => ({
  name, path: `/p/${name}`, caName: 'ca', missing: false, externallyManaged: false, notAfter: new Date(notAfter), notBefore: new Date('2025-01-01T00:00:00Z'), keyAlgorithm: 'ECDSA-P256', serial: 'AB',
});

describe('-o wide', () => {
  const report = buildExpirationReport([row('expired', '2025-12-01T00:00:00Z'), row('soon', '2026-01-20T00:00:00Z'), row('fine', '2027-01-01T00:00:00Z')], [], NOW);

  it('on a colour terminal: expired rows red, rows within 30 days yellow, others plain', () => {
    const lines = renderExpirationWide(report, true).split('\n');
    const find = (n: string): string => lines.find((l) => l.includes(n)) ?? '';
    expect(find('expired')).toContain('\u001b[31mexpired');
    expect(find('soon')).toContain('\u001b[33msoon');
    expect(find('fine')).not.toMatch(/\u001b\[3[13]m/);
  });

  it('without colour: no escape codes, aligned columns', () => {
    const text = renderExpirationWide(report, false);
    expect(text).not.toContain('\u001b[');
    expect(text.split('\n')[1]).toMatch(/^expired +Dec 01, 2025 00:00 UTC +<invalid> +ca +no +ECDSA-P256 +AB +Jan 01, 2025 00:00 UTC +\/p\/expired$/);
  });
});
