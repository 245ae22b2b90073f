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

/** Codes of PkiError: certificates, keys, CAs and the files that hold them. */
export type PkiCode =
  | 'BAD_IP' | 'CA_EXPIRED' | 'CA_KEY_MISMATCH' | 'CA_KEY_MISSING' | 'CA_LOAD' | 'CA_MISSING' | 'CERT_CRITICAL_EXT'
  | 'CERT_LOAD' | 'CERT_PARSE' | 'CERT_READ' | 'EXISTS' | 'EXTERNAL_CA' | 'EXTERNAL_CA_CHECK' | 'EXTERNAL_KUBECONFIG'
  | 'KEY_LOAD' | 'KEY_MISMATCH' | 'KEY_MISSING' | 'KEY_PARSE' | 'KEY_READ' | 'KEY_TYPE' | 'LEAF_LOAD' | 'LOCK'
  | 'NOT_CA' | 'NOT_FOUND' | 'NOT_SIGNED' | 'READ' | 'RENEW_READ' | 'SA_LOAD' | 'WRITE' | 'WRONG_CA'
  | 'BACKUP' | 'CERT_INVALID' | 'CSR_PARSE' | 'ENCODING' | 'JOURNAL' | 'KUBECONFIG_CA_FILE' | 'KUBECONFIG_FILE_REF'
  | 'KUBELET_PEM' | 'NO_EKU' | 'UNREADABLE' | 'CSR_DIR';

/** Codes of KubeconfigError: reading, parsing and writing kubeconfig files. */
export type KubeconfigCode =
  | 'BAD_CLIENT_CERT' | 'KUBECONFIG_IDENTITY' | 'KUBECONFIG_INVALID' | 'KUBECONFIG_LAYOUT' | 'KUBECONFIG_PARSE'
  | 'KUBECONFIG_READ' | 'NO_CA_DATA' | 'NO_CLIENT_CERT' | 'WRITE';

/** Codes of ConfigError: the kubeadm configuration file and the values that come from it or from flags. */
export type ConfigCode =
  | 'BAD_ADDRESS' | 'BAD_ALGORITHM' | 'BAD_CIDR' | 'BAD_ENDPOINT' | 'BAD_NODE_NAME' | 'BAD_PORT' | 'CONFIG_KIND'
  | 'CONFIG_ENCODING' | 'CONFIG_READ' | 'CONFIG_SHAPE' | 'CONFIG_SIZE' | 'CONFIG_TYPE' | 'CONFIG_VALUE' | 'CONFIG_VERSION'
  | 'CONFIG_YAML';

/** Codes of the file-writing errors (FileWriteError, NotRegularFileError) and of a failed stdout (StdoutError). */
export type OutputCode = 'WRITE' | 'NOT_REGULAR' | 'STDOUT';

/** Codes of ManifestError: static pod manifests that name the files a component uses. */
export type ManifestCode = 'MANIFEST_FLAGS' | 'MANIFEST_PARSE';

/** Codes of RestartError: control-plane restarts. */
export type RestartCode = 'RESTART_HOLDING_DIR' | 'RESTART_MANIFEST' | 'RESTART_NAME' | 'RESTART_STRAY';

/** Codes of RotateError: CA rotation (ca rotate) phases, state, checks, barriers and archives. */
export type RotateCode =
  | 'ROTATE_ARCHIVE' | 'ROTATE_BACKUP' | 'ROTATE_BARRIER' | 'ROTATE_CHECK' | 'ROTATE_INPUT' | 'ROTATE_KEY' | 'ROTATE_ORDER'
  | 'ROTATE_READ' | 'ROTATE_STATE';

/** Every code a KubecertsError can carry. */
/** `kubecerts agent`: AGENT_PENDING (a bad restart record) and AGENT_<step> for a failed check, renew or restart step. */
export type AgentCode = `AGENT_${string}`;
/** The cluster lock: LOCK_NO_QUORUM, LOCK_BUSY, LOCK_ABORTED, LOCK_UNREACHABLE. */
export type LockCode = 'LOCK_NO_QUORUM' | 'LOCK_BUSY' | 'LOCK_ABORTED' | 'LOCK_UNREACHABLE';
export type ErrorCode = PkiCode | KubeconfigCode | ConfigCode | OutputCode | ManifestCode | RestartCode | AgentCode | LockCode | RotateCode | 'USAGE' | 'LOCKED';

export interface ErrorOptions {
  readonly cause?: unknown;
  readonly hint?: string;
}

/**
 * Base of kubecerts' errors: a code from the class's union, a one-line message, an optional hint, the exit code
 * main.ts maps it to, and the cause it wraps (kubeadm's errors.Wrap chain).
 */
export class KubecertsError<C extends string = ErrorCode> extends Error {
  readonly code: C;
  readonly hint: string | undefined;
  readonly exitCode: ExitCodeValue = ExitCode.failed;
  constructor(code: C, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }

  /**
   * Wraps `err` with a clause that names what failed, as kubeadm's errors.Wrapf does: the message becomes
   * "<context>: <err's message>", and `err` stays the cause, its code reachable through hasCode. The hint is only the
   * one given (main.ts prints the outermost error's). Called on the class the wrapping layer raises: PkiError.wrap(...).
   */
  static wrap<T extends KubecertsError<string>>(
    this: new (code: T['code'], message: string, options?: ErrorOptions) => T,
    err: unknown,
    code: T['code'],
    context: string,
    options: { readonly hint?: string } = {},
  ): T {
    const hint = options.hint;
    const message = `${context}: ${err instanceof Error ? err.message : String(err)}`;
    return new this(code, message, hint === undefined ? { cause: err } : { cause: err, hint });
  }
}

/** True when `err` or any error in its cause chain is a KubecertsError with `code`. */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 32; e = e.cause, depth++) {
    if (e instanceof KubecertsError && e.code === code) return true;
  }
  return false;
}

export class UsageError extends KubecertsError<'USAGE'> {
  override readonly exitCode: ExitCodeValue = ExitCode.usage;
  constructor(message: string, options: { hint?: string } = {}) {
    super('USAGE', message, options);
  }
}

export class PkiError extends KubecertsError<PkiCode> {}
export class KubeconfigError extends KubecertsError<KubeconfigCode> {}
export class ConfigError extends KubecertsError<ConfigCode> {}
export class RotateError extends KubecertsError<RotateCode> {}

export class LockedError extends KubecertsError<'LOCKED'> {
  override readonly exitCode: ExitCodeValue = ExitCode.locked;
  constructor(message: string, options: { hint?: string } = {}) {
    super('LOCKED', message, options);
  }
}

export type LockFailure = 'no-quorum' | 'busy' | 'aborted' | 'unreachable';

/** Why a Lock (lib/lock.ts) could not be taken; exit code 4 (locked), as a busy `certs renew` lock. */
export class LockError extends KubecertsError<LockCode> {
  override readonly exitCode: ExitCodeValue = ExitCode.locked;
  constructor(readonly reason: LockFailure, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(`LOCK_${reason.toUpperCase().replace('-', '_')}` as LockCode, message, options);
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
