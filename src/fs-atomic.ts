/**
 * The one place that writes files: temp file in the target's own directory, fsync, rename, fsync the directory.
 * A reader (or a crash) sees either the complete old file or the complete new one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, chownSync, unlinkSync, writeSync, fchmodSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface WriteOptions {
  /** mode for a new file; an existing file keeps its mode and owner */
  readonly mode: number;
  /** mode for directories created on the way */
  readonly dirMode?: number;
  /** a private key: an existing file's mode is narrowed to at most 0600 */
  readonly secret?: boolean;
}

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.kubecerts-${randomBytes(4).toString('hex')}.tmp`);
}

export function ensureDir(dir: string, mode = 0o755): void {
  mkdirSync(dir, { recursive: true, mode });
}

function fsyncDir(dir: string): void {
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

/** Writes `data` to a temp file next to `path`, fsyncs it, and returns the temp path (not yet renamed). */
export function stageFile(path: string, data: string | Uint8Array, options: WriteOptions): string {
  ensureDir(dirname(path), options.dirMode ?? 0o755);
  let mode = options.mode;
  let owner: { uid: number; gid: number } | undefined;
  try {
    const st = statSync(path);
    mode = st.mode & 0o7777 & (options.secret ? 0o600 : 0o7777);
    owner = { uid: st.uid, gid: st.gid };
  } catch {
    // new file
  }
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fchmodSync(fd, mode);
    if (owner && process.getuid?.() === 0) {
      try {
        chownSync(tmp, owner.uid, owner.gid);
      } catch {
        // keep going with our own ownership
      }
    }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    removeQuietly(tmp);
    throw err;
  }
  closeSync(fd);
  return tmp;
}

/** Renames a staged temp file over its target and fsyncs the directory. */
export function commitFile(tmp: string, path: string): void {
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

export function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteOptions): void {
  commitFile(stageFile(path, data, options), path);
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
