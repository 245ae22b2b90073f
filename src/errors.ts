/**
 * Error hierarchy. Core code throws these; only main.ts maps them to exit codes.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  expiring: 3,
  locked: 4,
  attention: 5,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class KubecertsError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCodeValue = ExitCode.failed;
  constructor(code: string, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

export class UsageError extends KubecertsError {
  override readonly exitCode: ExitCodeValue = ExitCode.usage;
  constructor(message: string, options: { hint?: string } = {}) {
    super('USAGE', message, options);
  }
}

export class PkiError extends KubecertsError {}
export class KubeconfigError extends KubecertsError {}
export class ConfigError extends KubecertsError {}

export class LockedError extends KubecertsError {
  override readonly exitCode: ExitCodeValue = ExitCode.locked;
  constructor(message: string, options: { hint?: string } = {}) {
    super('LOCKED', message, options);
  }
}

/** Raised by a command to ask for a non-zero exit after its output was written. */
export class ExitRequest extends Error {
  constructor(readonly exitCode: ExitCodeValue) {
    super(`exit ${exitCode}`);
  }
}

/** The message of an arbitrary thrown value, with Node's errno prefixes made readable. */
export function describe(err: unknown): string {
  if (err instanceof Error) {
    const e = err as NodeJS.ErrnoException;
    if (e.code && e.syscall && e.path) return `${e.syscall} ${e.path}: ${errnoText(err)}`;
    return err.message;
  }
  return String(err);
}

/** The C library's wording of a Node errno error ("no such file or directory"), as Go prints it. */
export function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return (e.code && ERRNO_TEXT[e.code]) ?? e.code ?? (err instanceof Error ? err.message : String(err));
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  ELOOP: 'too many levels of symbolic links',
  EEXIST: 'file exists',
  ENAMETOOLONG: 'file name too long',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  EPIPE: 'broken pipe',
  EBADF: 'bad file descriptor',
  ENXIO: 'no such device or address',
};
