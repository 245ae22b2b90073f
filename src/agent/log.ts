/** The agent's structured log lines on stderr: logfmt by default, one JSON object per line with `--log-format json`. */
export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;
export type Logger = (level: LogLevel, msg: string, fields?: LogFields) => void;

const logfmtValue = (v: string): string => (/^[A-Za-z0-9_.:/+@-]+$/.test(v) ? v : JSON.stringify(v));

/**
 * A logger writing `time=<RFC 3339, ms> level=<l> msg=<m> key=value…` (format "text") or
 * `{"time":…,"level":…,"msg":…,…}` (format "json") lines through `write`. `now` is the clock.
 */
export function makeLogger(format: 'text' | 'json', write: (line: string) => void, now: () => Date): Logger {
  return (level, msg, fields = {}) => {
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined) as [string, string | number | boolean | readonly string[]][];
    const time = now().toISOString();
    if (format === 'json') {
      write(`${JSON.stringify({ time, level, msg, ...Object.fromEntries(entries) })}\n`);
      return;
    }
    const kv = entries.map(([k, v]) => `${k}=${logfmtValue(Array.isArray(v) ? v.join(',') : String(v))}`);
    write(`${[`time=${time}`, `level=${level}`, `msg=${logfmtValue(msg)}`, ...kv].join(' ')}\n`);
  };
}
