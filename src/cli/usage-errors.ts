/**
 * Usage errors with one wording each (smallstep's cli-utils/errs idea): exit code 2, flag names with their dashes.
 * Commands build usage errors here rather than writing their own sentences.
 */
import { UsageError } from '../errors.js';
import { escapeControls } from '../output/control-plane-text.js';

const dashed = (flag: string): string => (flag.startsWith('-') ? flag : `--${flag}`);

/** cobra's wording for a missing required flag: required flag(s) "client-name" not set. */
export function missingFlag(flag: string): UsageError {
  return new UsageError(`required flag(s) "${flag.replace(/^-+/, '')}" not set`);
}

/** `--a and --b cannot be used together`. */
export function incompatibleFlags(a: string, b: string): UsageError {
  return new UsageError(`${dashed(a)} and ${dashed(b)} cannot be used together`);
}

/** `--a needs --b`. */
export function requiresFlag(flag: string, needed: string): UsageError {
  return new UsageError(`${dashed(flag)} needs ${dashed(needed)}`);
}

/** `invalid --flag "value": <what is expected>`; `expected` says what a valid value looks like. */
export function invalidFlag(flag: string, value: string, expected: string): UsageError {
  return new UsageError(`invalid ${dashed(flag)} "${value}": ${expected}`);
}

/** cobra's wording for an unknown subcommand, `unknown command "x" for "kubecerts certs renew"`; `valid` goes in the hint. */
export function unknownCommand(name: string, parent: string, valid?: readonly string[]): UsageError {
  return new UsageError(`unknown command "${name}" for "${parent}"`, valid ? { hint: `valid names: ${valid.join(', ')}` } : {});
}

/** pflag's wording for a value its type rejects: `invalid argument "1year" for "--validity-period" flag: <reason>`. */
export function invalidArgument(flag: string, value: string, reason: string): UsageError {
  return new UsageError(`invalid argument ${JSON.stringify(value)} for "${dashed(flag)}" flag: ${reason}`);
}

/**
 * The usage error for `argv[index]`, which holds U+FFFD: Node decodes the command line as UTF-8 and puts U+FFFD for
 * each byte that is not, so the bytes typed are lost and a name or value taken from them would be wrong. Worded by
 * what the argument is: `the value of --client-name is not valid UTF-8` (`--flag=value`, or a value after a flag for
 * which `takesValue(flag)` holds), else `argument N ("caf\uFFFD") is not valid UTF-8` (N counted from 1).
 */
export function invalidUtf8Argument(argv: readonly string[], index: number, takesValue: (flag: string) => boolean): UsageError {
  const arg = argv[index] as string;
  const hint = { hint: 'arguments must be UTF-8: each byte that is not arrives as U+FFFD, so the name or value used would not be the one typed' };
  const inline = /^(--?[^=\uFFFD]+)=/.exec(arg);
  if (inline) return new UsageError(`the value of ${inline[1] as string} is not valid UTF-8`, hint);
  const before = index > 0 ? (argv[index - 1] as string) : '';
  if (!arg.startsWith('-') && /^--?[^=]+$/.test(before) && takesValue(before)) return new UsageError(`the value of ${before} is not valid UTF-8`, hint);
  return new UsageError(`argument ${index + 1} ("${escapeControls(arg)}") is not valid UTF-8`, hint);
}
