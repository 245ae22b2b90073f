/**
 * The one place that writes files: temp file in the target's own directory, fsync, rename, fsync the directory.
 * A reader (or a crash) sees either the complete old file or the complete new one.
 *
 * Only a regular file is ever replaced: a device node, FIFO, socket, directory or symbolic link at the target is
 * refused, so a rename can never turn /dev/null or a planted link into a file holding a private key.
 */
import { closeSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, chownSync, unlinkSync, writeSync, fchmodSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { errnoText, KubecertsError, type OutputCode } from '../errors.js';
import { inRoot, rootfsSet } from './rootfs.js';

export interface WriteOptions {
  /** mode for a new file; an existing file keeps its mode and owner unless `secret` */
  readonly mode: number;
  /** mode for directories created on the way */
  readonly dirMode?: number;
  /**
   * the file holds a private key (a key file, a kubeconfig with client-key-data): it always ends owned by the
   * running user with an existing file's mode narrowed to at most 0600
   */
  readonly secret?: boolean;
  /** fsync the temp file before returning (default true); false when the caller syncs a batch (fsyncFiles) */
  readonly sync?: boolean;
}

/** A foreseeable write failure: one line naming the file and the cause (exit code 1). */
export class FileWriteError extends KubecertsError<OutputCode> {
  constructor(readonly target: string, cause: unknown) {
    super('WRITE', `cannot write "${target}": ${cause instanceof KubecertsError ? cause.message : errnoText(cause)}`, {
      cause,
      ...(cause instanceof KubecertsError && cause.hint !== undefined ? { hint: cause.hint } : {}),
    });
  }
}

/** Thrown (and wrapped in FileWriteError) when the target exists but is not a regular file. */
export class NotRegularFileError extends KubecertsError<OutputCode> {
  constructor(path: string, what: string) {
    super('NOT_REGULAR', `refusing to replace ${what}: only regular files are replaced`, {
      hint: `remove "${path}" or choose another path`,
    });
  }
}

const MAX_NAME = 255;
/**
 * Names of our temp files: `.<name>.kubecerts-<hex>.tmp`, or `.kubecerts-<hex>.tmp` when the name is long. The hex is
 * the writer's pid (8 hex digits) and 8 random ones; 8 hex digits alone are the names of earlier versions.
 */
export const TEMP_NAME = /^\.(.+\.)?kubecerts-[0-9a-f]{8,16}\.tmp$/;

/**
 * A fresh temp path in the directory of `path`, naming the writing process (see `tempWriter`). A file name too long
 * for the suffix (a legal 245-character name) gets a short temp name instead, so every name the file system accepts
 * can be written.
 */
export function tempPathFor(path: string): string {
  const id = `${process.pid.toString(16).padStart(8, '0')}${randomBytes(4).toString('hex')}`;
  const name = `.${basename(path)}.kubecerts-${id}.tmp`;
  if (Buffer.byteLength(name) <= MAX_NAME) return join(dirname(path), name);
  return join(dirname(path), `.kubecerts-${id}.tmp`);
}

/** The pid of the process that wrote temp file `name` (a TEMP_NAME), or undefined when the name does not say. */
export function tempWriter(name: string): number | undefined {
  const m = /kubecerts-([0-9a-f]{8})[0-9a-f]{8}\.tmp$/.exec(name);
  return m ? Number.parseInt(m[1] as string, 16) : undefined;
}

/** Creates `dir` and its parents with `mode`; an existing directory is left alone. */
export function ensureDir(dir: string, mode = 0o755): void {
  mkdirSync(dir, { recursive: true, mode });
}

export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some filesystems refuse fsync on directories; the rename is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Words for what a non-regular directory entry is. */
function kindOf(st: import('node:fs').Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

/**
 * The lstat of an existing target, or undefined when there is none. Throws NotRegularFileError when the entry is
 * not a regular file (a link is not followed), and the stat error for anything but "does not exist".
 */
export function existingRegularFile(path: string): import('node:fs').Stats | undefined {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!st.isFile()) throw new NotRegularFileError(path, kindOf(st));
  return st;
}

/**
 * Writes `data` to a temp file next to `path`, fsyncs it, and returns the temp path (not yet renamed).
 * Throws FileWriteError naming `path` (never the temp file); no temp file is left behind on failure.
 */
export function stageFile(path: string, data: string | Uint8Array, options: WriteOptions): string {
  let tmp: string | undefined;
  let fd: number | undefined;
  try {
    ensureDir(dirname(path), options.dirMode ?? 0o755);
    const st = existingRegularFile(path);
    let mode = options.mode;
    let owner: { uid: number; gid: number } | undefined;
    if (st) {
      mode = st.mode & 0o7777 & (options.secret ? 0o600 : 0o7777);
      // a key-bearing file always ends owned by us: whoever owned the old file does not receive the new credential
      if (!options.secret) owner = { uid: st.uid, gid: st.gid };
    }
    tmp = tempPathFor(path);
    fd = openSync(tmp, 'wx', 0o600);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fchmodSync(fd, mode);
    if (owner && process.getuid?.() === 0 && (owner.uid !== 0 || owner.gid !== 0)) {
      try {
        chownSync(tmp, owner.uid, owner.gid);
      } catch {
        // keep going with our own ownership
      }
    }
    if (options.sync !== false) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    return tmp;
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    if (tmp !== undefined) removeQuietly(tmp);
    throw err instanceof FileWriteError ? err : new FileWriteError(path, err);
  }
}

/** Renames a staged temp file over its target and fsyncs the directory (FileWriteError on failure). */
export function commitFile(tmp: string, path: string, syncDir = true): void {
  try {
    renameSync(tmp, path);
  } catch (err) {
    throw new FileWriteError(path, err);
  }
  if (syncDir) fsyncDir(dirname(path));
}

/**
 * fsyncs staged files together on the thread pool: the file system commits them in a few journal transactions
 * instead of one per file (1,000 kubeconfigs: about 0.3 s instead of 2 to 4 s on ext4). Throws the first error.
 */
export async function fsyncFiles(paths: readonly string[]): Promise<void> {
  const queue = [...paths];
  const worker = async (): Promise<void> => {
    for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
      const fh = await open(p, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, queue.length) }, worker));
}

/** Under --rootfs, links on the way to `path` resolve inside the root (the file itself must not be a link). */
const underRootfs = (path: string): string => (rootfsSet() ? join(inRoot(dirname(path)), basename(path)) : path);

/**
 * Creates `path` empty (0600; missing parents 0755, as writeFileAtomic makes them), so that a later writeFileAtomic
 * of it cannot fail for want of a folder or a permission. Refuses any existing entry: FileWriteError ("file already
 * exists"), as for every other cause. Returns the undo, which removes the file while it is still the empty one made
 * here.
 */
export function reserveNewFile(path: string): () => void {
  path = underRootfs(path);
  let made: import('node:fs').Stats;
  try {
    ensureDir(dirname(path), 0o755);
    const fd = openSync(path, 'wx', 0o600);
    try {
      made = fstatSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new FileWriteError(path, err);
  }
  return () => {
    try {
      const st = lstatSync(path);
      if (st.dev === made.dev && st.ino === made.ino && st.size === 0) unlinkSync(path);
    } catch {
      // gone already
    }
  };
}

/** Stages and commits one file; the target must be absent or a regular file (FileWriteError otherwise). */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteOptions): void {
  path = underRootfs(path);
  const tmp = stageFile(path, data, options);
  try {
    // the target may have been swapped for something else while we wrote
    existingRegularFile(path);
  } catch (err) {
    removeQuietly(tmp);
    throw new FileWriteError(path, err);
  }
  try {
    commitFile(tmp, path);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
}

/** Unlinks `path`, ignoring any error (already gone). */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
