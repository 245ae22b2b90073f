import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatExpiryDate, formatResidual, formatRfc3339 } from './time-format.js';

describe('formatResidual (apimachinery ShortHumanDuration)', () => {
  it.each([
    [-100000, '<invalid>'],
    [-2, '<invalid>'],
    [-1, '0s'],
    [0, '0s'],
    [59, '59s'],
    [60, '1m'],
    [3599, '59m'],
    [3600, '1h'],
    [86399, '23h'],
    [86400, '1d'],
    [364 * 86400 + 86399, '364d'],
    [365 * 86400 - 1, '364d'],
    [365 * 86400, '1y'],
    [3650 * 86400 - 300, '9y'],
    [3650 * 86400, '10y'],
  ])('%i seconds → %s', (s, want) => {
    expect(formatResidual(s)).toBe(want);
  });

  it('always yields one of the documented shapes, and units grow with the input', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e10, max: 1e10 }), (s) => {
        const out = formatResidual(s);
        expect(out).toMatch(/^(<invalid>|\d+[smhdy])$/);
        if (s >= 0) expect(out).not.toBe('<invalid>');
        const rank = (x: string): number => (x === '<invalid>' ? -1 : 'smhdy'.indexOf(x.slice(-1)));
        expect(rank(formatResidual(s))).toBeLessThanOrEqual(rank(formatResidual(s + 86400)));
      }),
    );
  });
});

describe('dates', () => {
  it('formats expiry as Go layout "Jan 02, 2006 15:04 MST" in UTC', () => {
    expect(formatExpiryDate(new Date('2026-06-01T10:00:59Z'))).toBe('Jun 01, 2026 10:00 UTC');
    expect(formatExpiryDate(new Date('2035-12-09T03:04:05Z'))).toBe('Dec 09, 2035 03:04 UTC');
  });
  it('formats RFC 3339 without fractions', () => {
    expect(formatRfc3339(new Date('2026-06-01T10:00:00.999Z'))).toBe('2026-06-01T10:00:00Z');
  });
});
