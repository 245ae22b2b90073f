/**
 * Usage errors with one wording each (smallstep's cli-utils/errs idea): exit code 2, flag names with their dashes.
 * Commands build usage errors here rather than writing their own sentences.
 */
import { UsageError } from '../errors.js';

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
