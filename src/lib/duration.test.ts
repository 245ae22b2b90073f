import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationError, formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['8760h0m0s', 8760 * 3_600_000],
    ['720h', 720 * 3_600_000],
    ['30d', 30 * 86_400_000],
    ['1.5h', 5_400_000],
    ['90m', 5_400_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['0', 0],
    ['-2h', -7_200_000],
  ])('%s → %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'h', '10', '10x', '1h-2m', 'abc', '1..2h', ' h1'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('round-trips whole-second durations through Go formatting', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (seconds) => {
        expect(parseDuration(formatDuration(seconds * 1000))).toBe(seconds * 1000);
      }),
    );
  });

  it('adds the parts of a composite duration', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(59), fc.nat(59), fc.nat(400), (h, m, s, d) => {
        expect(parseDuration(`${d}d${h}h${m}m${s}s`)).toBe(((d * 24 + h) * 3600 + m * 60 + s) * 1000);
      }),
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const v = parseDuration(s);
        expect(v === undefined || Number.isFinite(v)).toBe(true);
      }),
    );
  });

  it('formats like Go', () => {
    expect(formatDuration(8760 * 3_600_000)).toBe('8760h0m0s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(5000)).toBe('5s');
  });
});

describe('durationError: Go time.ParseDuration wording', () => {
  it.each([
    ['1year', 'time: unknown unit "year" in duration "1year"'],
    ['1', 'time: missing unit in duration "1"'],
    ['x', 'time: invalid duration "x"'],
    ['', 'time: invalid duration ""'],
    ['1h30', 'time: missing unit in duration "1h30"'],
    ['.h', 'time: invalid duration ".h"'],
  ])('%j → %s', (text, want) => {
    expect(durationError(text)).toBe(want);
  });

  it('is undefined for what parseDuration accepts', () => {
    expect(durationError('8760h')).toBeUndefined();
    expect(durationError('30d')).toBeUndefined();
  });
});
