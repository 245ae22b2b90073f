/**
 * An overlay of planned writes on top of the disk. Commands read through it and write into it; nothing touches the
 * disk until commit(), which stages every file as a temp file first and renames only when all were staged, so a
 * failure (read-only directory, full disk) leaves the old files complete.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { commitFile, ensureDir, removeQuietly, stageFile, writeFileAtomic } from '../fs-atomic.js';
import { PkiError, describe } from '../errors.js';
import { fileExists, readSmallFile } from './store.js';

export interface PlannedWrite {
  readonly path: string;
  readonly data: string;
  readonly mode: number;
  readonly dirMode: number;
  readonly secret: boolean;
}

export class Workspace {
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
   * Writes everything or nothing. With a journal path, the list of staged temp files is recorded before the first
   * rename, so a process killed between renames is completed by recoverJournal() on the next run.
   */
  commit(journal?: string): void {
    const createdDirs: string[] = [];
    const temps: { tmp: string; path: string }[] = [];
    try {
      for (const w of this.staged.values()) {
        // a symlinked file is replaced at its target, so the link stays a link
        const target = resolveLink(w.path);
        const dir = dirname(target);
        const missing: string[] = [];
        for (let d = dir; !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
        ensureDir(dir, w.dirMode);
        createdDirs.push(...missing);
        temps.push({ tmp: stageFile(target, w.data, { mode: w.mode, dirMode: w.dirMode, secret: w.secret }), path: target });
      }
    } catch (err) {
      for (const t of temps) removeQuietly(t.tmp);
      for (const d of createdDirs.reverse()) {
        try {
          rmdirSync(d);
        } catch {
          // not empty or already gone
        }
      }
      throw new PkiError('WRITE', `cannot write ${describeTarget(err)}`, { cause: err });
    }
    if (journal) writeFileAtomic(journal, `${JSON.stringify({ version: 1, renames: temps })}\n`, { mode: 0o600 });
    const killAfter = Number(process.env['KUBECERTS_FAULT_KILL_AFTER_RENAMES'] ?? NaN);
    temps.forEach((t, i) => {
      // fault injection for the crash-safety tests: die by SIGKILL in the middle of the renames
      if (i === killAfter) process.kill(process.pid, 'SIGKILL');
      commitFile(t.tmp, t.path);
    });
    if (journal) removeQuietly(journal);
    this.staged.clear();
  }
}

/**
 * Completes a commit that was interrupted after its journal was written: every staged temp file still present is
 * renamed over its target. Returns the number of files completed, or -1 when there was no journal.
 */
export function recoverJournal(journal: string): number {
  let text: string;
  try {
    text = readFileSync(journal, 'utf8');
  } catch {
    return -1;
  }
  let renames: { tmp: string; path: string }[] = [];
  try {
    const parsed = JSON.parse(text) as { renames?: unknown };
    if (Array.isArray(parsed.renames)) renames = parsed.renames as { tmp: string; path: string }[];
  } catch {
    // a torn journal cannot exist (it is written atomically); an unreadable one is dropped
  }
  let done = 0;
  for (const r of renames) {
    if (typeof r.tmp === 'string' && typeof r.path === 'string' && existsSync(r.tmp)) {
      commitFile(r.tmp, r.path);
      done++;
    }
  }
  removeQuietly(journal);
  return done;
}

/** Removes temp files a killed process left behind before it wrote a journal. */
export function removeOrphanTemps(dirs: readonly string[]): void {
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) if (/^\..+\.kubecerts-[0-9a-f]{8}\.tmp$/.test(n)) removeQuietly(join(dir, n));
  }
}

function resolveLink(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
  } catch {
    return path;
  }
}

function describeTarget(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.path) return `"${e.path.replace(/\/\.([^/]+)\.kubecerts-[0-9a-f]+\.tmp$/, '/$1')}": ${describe(err).replace(/^\S+ \S+: /, '')}`;
  return describe(err);
}
