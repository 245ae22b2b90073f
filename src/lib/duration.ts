/**
 * Go-style durations ("8760h0m0s", "720h", "1.5h", "90m") plus a day unit ("30d"), in milliseconds.
 * Pure; no I/O.
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const MAX_GO_DURATION_MS = 9_223_372_036_854;

const PART = /^([0-9]*\.?[0-9]*)(ns|us|\u00b5s|\u03bcs|ms|s|m|h|d)/;

/** Parses a duration; returns undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  let rest = text.trim();
  if (rest === '') return undefined;
  let sign = 1;
  if (rest[0] === '-' || rest[0] === '+') {
    sign = rest[0] === '-' ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  let total = 0;
  let parts = 0;
  while (rest.length > 0) {
    const m = PART.exec(rest);
    if (!m) return undefined;
    const num = m[1] ?? '';
    if (num === '' || num === '.') return undefined;
    total += Number(num) * (UNIT_MS[m[2] ?? ''] ?? NaN);
    rest = rest.slice(m[0].length);
    parts++;
  }
  // Go's time.Duration is an int64 of nanoseconds: about 292 years
  if (parts === 0 || !Number.isFinite(total) || total > MAX_GO_DURATION_MS) return undefined;
  return sign * total;
}

/**
 * Go's time.ParseDuration error for `text` ("time: invalid duration \"x\"", "time: missing unit in duration \"1\"",
 * "time: unknown unit \"year\" in duration \"1year\""), or undefined when parseDuration accepts it. The day unit
 * kubecerts adds is a known unit here.
 */
export function durationError(text: string): string | undefined {
  if (parseDuration(text) !== undefined) return undefined;
  const quoted = JSON.stringify(text);
  let rest = text.replace(/^[-+]/, '');
  if (rest === '') return `time: invalid duration ${quoted}`;
  while (rest.length > 0) {
    const num = /^[0-9]*(\.[0-9]*)?/.exec(rest)?.[0] ?? '';
    if (num === '' || num === '.') return `time: invalid duration ${quoted}`;
    rest = rest.slice(num.length);
    const unit = /^[^0-9.]*/.exec(rest)?.[0] ?? '';
    if (unit === '') return `time: missing unit in duration ${quoted}`;
    if (UNIT_MS[unit] === undefined) return `time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`;
    rest = rest.slice(unit.length);
  }
  // every part parsed: the value is out of range
  return `time: invalid duration ${quoted}`;
}

/** Formats milliseconds the way Go's time.Duration.String() does for whole seconds ("8760h0m0s"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let s = Math.abs(ms) / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const sec = Number.isInteger(s) ? String(s) : String(Number(s.toFixed(9)));
  let out = '';
  if (h > 0) out = `${h}h${m}m${sec}s`;
  else if (m > 0) out = `${m}m${sec}s`;
  else out = `${sec}s`;
  return neg ? `-${out}` : out;
}
