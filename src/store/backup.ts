/**
 * Backups of the files a renewal replaces. Each run gets its own folder
 * `<root>/kubecerts-backup-<UTC time>-<16 random hex digits>`, created with mkdir(2) (which fails on anything
 * already there, a symbolic link included, and never follows one) and mode 0700; each file is copied into it with
 * O_EXCL and mode 0600, so no other user can pre-create, read or redirect a backup. After a successful backup only
 * the newest `keep` folders of that exact naming (real directories owned by the running user) are kept; nothing
 * else in the root is ever deleted.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errnoText, PkiError } from '../errors.js';

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

/** Creates `root` (0700) when absent; throws PkiError BACKUP when it exists but is not a directory. */
function ensureRoot(root: string): void {
  let st;
  try {
    st = statSync(root); // a link to a directory is accepted as the root, as the operator named it
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw backupError(root, err);
    try {
      mkdirSync(root, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw backupError(root, e);
    }
    return;
  }
  if (!st.isDirectory()) {
    throw new PkiError('BACKUP', `cannot back up to "${root}": not a directory`, { hint: 'choose a folder with --backup-dir (or pass --no-backup)' });
  }
}

function copyPrivate(from: string, to: string): void {
  const data = readFileSync(from);
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
