/**
 * An overlay of planned writes on top of the disk. Commands read through it and write into it; nothing touches the
 * disk until commit(), which stages every file as a temp file first and renames only when all were staged, so a
 * failure (read-only directory, full disk) leaves the old files complete.
 */
import { inRoot, rootfsSet } from './rootfs.js';
import { existsSync, lstatSync, realpathSync, rmdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { commitFile, fsyncDir, fsyncFiles, ensureDir, FileWriteError, removeQuietly, stageFile } from './fs-atomic.js';
import { KubecertsError, PkiError, describe } from '../errors.js';
import { writeJournal, type JournalEntry, type JournalPlace } from './journal.js';
import { fileExists, readSmallFile } from './pki-files.js';
import type { Fs } from './fs.js';

export interface PlannedWrite {
  readonly path: string;
  readonly data: string;
  readonly mode: number;
  readonly dirMode: number;
  readonly secret: boolean;
}

export class Workspace implements Fs {
  private readonly staged = new Map<string, PlannedWrite>();

  /** Text of `path`: the planned content if any, else the disk's (throws PkiError when unreadable). */
  read(path: string): string {
    const planned = this.staged.get(path);
    return planned ? planned.data : readSmallFile(path);
  }

  exists(path: string): boolean {
    return this.staged.has(path) || fileExists(path);
  }

  isPlanned(path: string): boolean {
    return this.staged.has(path);
  }

  /** Plans a write; a replaced file keeps its mode and owner. */
  write(path: string, data: string, mode: number, dirMode = 0o755): void {
    this.staged.set(path, { path, data, mode, dirMode, secret: false });
  }

  /** Plans the write of a private key file: 0600, and a replaced file is narrowed to at most 0600. */
  writeKey(path: string, pem: string, dirMode = 0o755): void {
    this.staged.set(path, { path, data: pem, mode: 0o600, dirMode, secret: true });
  }

  planned(): PlannedWrite[] {
    return [...this.staged.values()];
  }

  /**
   * Writes everything or nothing. With a journal, the list of staged temp files is recorded before the first
   * rename, so a process killed between renames is completed by recoverJournal() on the next run. A file holding a
   * private key always ends owned by the running user and no wider than 0600. Throws FileWriteError (one line naming
   * the file and the cause); on a failure before the first rename no temp file is left behind.
   */
  async commit(journal?: JournalPlace): Promise<void> {
    const createdDirs: string[] = [];
    const temps: JournalEntry[] = [];
    const undo = (): void => {
      for (const t of temps) removeQuietly(t.tmp);
      for (const d of createdDirs.reverse()) {
        try {
          rmdirSync(d);
        } catch {
          // not empty or already gone
        }
      }
    };
    try {
      for (const w of this.staged.values()) {
        // a symlinked file is replaced at its target, so the link stays a link
        const target = resolveLink(w.path);
        const dir = dirname(target);
        const missing: string[] = [];
        for (let d = dir; !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
        try {
          ensureDir(dir, w.dirMode);
        } catch (err) {
          throw new FileWriteError(w.path, err);
        }
        createdDirs.push(...missing);
        const secret = w.secret || holdsPrivateKey(w.data);
        const tmp = stageFile(target, w.data, { mode: secret ? w.mode & 0o600 : w.mode, dirMode: w.dirMode, secret, sync: false });
        temps.push(target === w.path ? { tmp, path: target } : { tmp, path: target, link: w.path });
      }
      await fsyncFiles(temps.map((t) => t.tmp));
      if (journal) writeJournal(journal, temps);
    } catch (err) {
      undo();
      throw err instanceof KubecertsError ? err : new PkiError('WRITE', `cannot write: ${describe(err)}`, { cause: err });
    }
    for (const t of temps) commitFile(t.tmp, t.path, false);
    for (const dir of new Set(temps.map((t) => dirname(t.path)))) fsyncDir(dir);
    if (journal) removeQuietly(journal.path);
    this.staged.clear();
  }
}

/** True when `text` holds a private key: a PEM private key, or a kubeconfig with client-key-data. */
export function holdsPrivateKey(text: string): boolean {
  return /-----BEGIN [A-Z ]*PRIVATE KEY-----|client-key-data:|"client-key-data"/.test(text);
}

function resolveLink(path: string): string {
  // under --rootfs every link on the path resolves inside the root (a loop is an error, raised here)
  if (rootfsSet()) return inRoot(path);
  try {
    return lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
  } catch {
    return path;
  }
}
