import { describe, expect, it } from 'vitest';
import { isDue, parseRenewBefore } from './policy.js';

const day = 86_400_000;
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (days: number): Date => new Date(t0.getTime() + days * day);

describe('--renew-before', () => {
  it('a duration is a window before NotAfter', () => {
    const p = parseRenewBefore('30d');
    expect(p).toMatchObject({ kind: 'window', ms: 30 * day });
    expect(isDue(p, at(0), at(365), at(334))).toBe(false);
    expect(isDue(p, at(0), at(365), at(335))).toBe(true);
  });
  it('a fraction is the part of the lifetime that must have passed', () => {
    const p = parseRenewBefore('2/3');
    expect(p).toMatchObject({ kind: 'fraction' });
    expect(isDue(p, at(0), at(300), at(199))).toBe(false);
    expect(isDue(p, at(0), at(300), at(200))).toBe(true);
    expect(parseRenewBefore('0.5')).toMatchObject({ kind: 'fraction', fraction: 0.5 });
  });
  it('an expired certificate is always due', () => {
    expect(isDue(parseRenewBefore('1h'), at(0), at(10), at(11))).toBe(true);
    expect(isDue(parseRenewBefore('9/10'), at(0), at(10), at(11))).toBe(true);
  });
  it('refuses nonsense', () => {
    for (const bad of ['3/2', '0/3', '1/0', 'soon', '-5d', '0s']) expect(() => parseRenewBefore(bad), bad).toThrow(/renew-before/);
  });
});
