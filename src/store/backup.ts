/**
 * Backups of the files a renewal replaces. Each run gets its own folder
 * `<root>/kubecerts-backup-<UTC time>-<16 random hex digits>`, created with mkdir(2) (which fails on anything
 * already there, a symbolic link included, and never follows one) and mode 0700; each file is copied into it with
 * O_EXCL and mode 0600, so no other user can pre-create, read or redirect a backup. After a successful backup only
 * the newest `keep` folders of that exact naming (real directories owned by the running user) are kept; nothing
 * else in the root is ever deleted.
 */
import { inRoot } from './rootfs.js';
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { readRegularFile } from './node-host.js';

/** The largest file a backup copies: 16 MiB, far above any certificate, key or kubeconfig. */
const MAX_BACKUP_BYTES = 16 << 20;
import { dirname, join } from 'node:path';
import { errnoText, PkiError } from '../errors.js';
import { octalMode, writableByWhom } from '../lib/file-mode.js';

/** Backups kept by default (the newest ones, this run's included). */
export const DEFAULT_KEEP_BACKUPS = 5;

const BACKUP_NAME = /^kubecerts-backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-[0-9a-f]{16}$/;

const stamp = (d: Date): string => d.toISOString().replace(/[:.]/g, '-');

/** Where the PKI files go inside a backup folder: files under `dir` are stored under `as`. */
export interface BackupRoot {
  readonly dir: string;
  readonly as: string;
}

function backupError(path: string, err: unknown): PkiError {
  return new PkiError('BACKUP', `cannot back up to "${path}": ${err instanceof PkiError ? err.message : errnoText(err)}`, {
    hint: 'free space or choose another folder with --backup-dir (or pass --no-backup)',
  });
}

/** The folder name a backup made at `start` would get (random suffix included). */
export function backupFolderName(start: Date): string {
  return `kubecerts-backup-${stamp(start)}-${randomBytes(8).toString('hex')}`;
}

/**
 * The rule for a folder kubecerts writes keys or backups into: when `dir` exists it must be a real directory (not a
 * symlink), owned by the running user and not writable by group or others, else someone else could read, plant or
 * swap what is written there. Returns false when `dir` does not exist (the caller creates it 0700); throws PkiError
 * `code` naming the folder otherwise. `what` names the folder in the message, `hint` is the hint. `alsoRoot`: a
 * folder owned by root is accepted too (root can change any file anyway).
 */
export function checkPrivateFolder(dir: string, what: string, code: 'BACKUP' | 'CSR_DIR', hint: string, alsoRoot = false): boolean {
  let st;
  try {
    st = lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new PkiError(code, `cannot use ${what} "${dir}": ${(err as Error).message}`, { hint });
  }
  const uid = process.getuid?.();
  const why = st.isSymbolicLink()
    ? 'it is a symbolic link'
    : !st.isDirectory()
      ? undefined
      : uid !== undefined && st.uid !== uid && !(alsoRoot && st.uid === 0)
        ? `it is owned by uid ${st.uid}, not by the running user (uid ${uid})`
        : writableByWhom(st.mode)
          ? `it is writable by ${writableByWhom(st.mode)} (mode ${octalMode(st.mode)})`
          : undefined;
  if (why) throw new PkiError(code, `refusing ${what} "${dir}": ${why}`, { hint });
  if (!st.isDirectory()) throw new PkiError(code, code === 'BACKUP' ? `cannot back up to "${dir}": not a directory` : `cannot use ${what} "${dir}": not a directory`, { hint });
  return true;
}

/**
 * Creates `root` (0700) when absent; throws PkiError BACKUP when it exists but is not a real directory of the
 * running user that only it can write (a symlink, another user's or a group/other-writable folder could have the
 * backups, which hold private keys, planted or read).
 */
function ensureRoot(root: string): void {
  if (checkPrivateFolder(root, 'backup folder parent', 'BACKUP', 'choose a folder of your own with --backup-dir (or pass --no-backup)')) return;
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw backupError(root, e);
  }
}

function copyPrivate(from: string, to: string): void {
  // under --rootfs a linked file is backed up from its target inside the root
  // a regular file only, opened non-blocking: a FIFO or device in place of a file never hangs a backup
  const data = readRegularFile(inRoot(from), MAX_BACKUP_BYTES);
  const fd = openSync(to, 'wx', 0o600);
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Copies every existing file of `paths` into a new backup folder under `root`, keeping the layout below `roots`.
 * Returns the folder. Throws PkiError BACKUP naming the file and cause; a partial backup folder is removed.
 */
export function backupFiles(paths: readonly string[], root: string, folder: string, roots: readonly BackupRoot[]): string {
  ensureRoot(root);
  const dir = join(root, folder);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    throw backupError(dir, err);
  }
  let target = dir;
  try {
    for (const p of paths) {
      try {
        lstatSync(p);
      } catch {
        continue;
      }
      const r = roots.find((x) => p.startsWith(`${x.dir}/`));
      const rel = r ? join(r.as, p.slice(r.dir.length + 1)) : p.replace(/^\/+/, '');
      target = join(dir, rel);
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      copyPrivate(p, target);
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw backupError(target, err);
  }
  return dir;
}

/**
 * Deletes the oldest backup folders under `root` so that `keep` remain. Only names of the form this module creates,
 * that are real directories (not links) owned by the running user, are considered. Returns the folders deleted.
 */
export function pruneBackups(root: string, keep: number): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const uid = process.getuid?.();
  const ours = names
    .filter((n) => BACKUP_NAME.test(n))
    .filter((n) => {
      try {
        const st = lstatSync(join(root, n));
        return st.isDirectory() && (uid === undefined || st.uid === uid);
      } catch {
        return false;
      }
    })
    .sort();
  const doomed = ours.slice(0, Math.max(0, ours.length - keep)).map((n) => join(root, n));
  for (const d of doomed) rmSync(d, { recursive: true, force: true });
  return doomed;
}
