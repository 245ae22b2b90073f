import { describe, expect, it } from 'vitest';
import { buildExpirationReport, residualSeconds, rowsExpiringWithin, type CertificateFacts } from './expiration.js';

const now = new Date('2026-01-01T00:00:00Z');
const facts = (name: string, notAfter: string | undefined, extra: Partial<CertificateFacts> = {}): CertificateFacts => ({
  name,
  path: `/pki/${name}.crt`,
  caName: 'ca',
  missing: notAfter === undefined,
  notAfter: notAfter === undefined ? undefined : new Date(notAfter),
  externallyManaged: false,
  ...extra,
});

describe('expiration report', () => {
  it('truncates residual seconds toward zero', () => {
    expect(residualSeconds(new Date('2026-01-01T00:00:01.900Z'), now)).toBe(1);
    expect(residualSeconds(new Date('2025-12-31T23:59:58.100Z'), now)).toBe(-1);
  });

  it('sorts rows by name and gives missing rows a zero residual time', () => {
    const report = buildExpirationReport([facts('b', '2026-01-02T00:00:00Z'), facts('a', undefined)], [facts('ca', '2035-01-01T00:00:00Z')], now);
    expect(report.certificates.map((r) => [r.name, r.residualTime])).toEqual([
      ['a', 0],
      ['b', 86400],
    ]);
    expect(report.authorities[0]?.residualTime).toBe(283996800);
  });

  it('selects present, readable rows expiring within the window, expired ones included', () => {
    const report = buildExpirationReport(
      [
        facts('expired', '2025-12-01T00:00:00Z'),
        facts('soon', '2026-01-05T00:00:00Z'),
        facts('later', '2026-03-01T00:00:00Z'),
        facts('gone', undefined),
        facts('broken', '2025-01-01T00:00:00Z', { error: 'unreadable' }),
      ],
      [],
      now,
    );
    expect(rowsExpiringWithin(report, 7 * 86400_000).map((r) => r.name)).toEqual(['expired', 'soon']);
    expect(rowsExpiringWithin(report, 4 * 86400_000).map((r) => r.name)).toEqual(['expired', 'soon']);
    expect(rowsExpiringWithin(report, 3 * 86400_000).map((r) => r.name)).toEqual(['expired']);
  });
});
