/**
 * The commit journal: before the first rename of a commit, the list of staged temp files and their targets is
 * written next to the PKI, so a process killed between renames is completed by the next writing command.
 * Recovery only ever renames a kubecerts temp file over a file in the same folder, and only inside the folders the
 * journal belongs to (the PKI's own folders); a journal naming anything else is refused untouched.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readRegularFile } from './node-host.js';
import { realPath } from './rootfs.js';
import { basename, dirname, join, resolve } from 'node:path';
import { commitFile, removeQuietly, TEMP_NAME, writeFileAtomic } from './fs-atomic.js';
import { errnoText, PkiError } from '../errors.js';

/** One staged rename: `tmp` goes over `path`; `link` is the symbolic link (inside the roots) `path` was reached by. */
export interface JournalEntry {
  readonly tmp: string;
  readonly path: string;
  readonly link?: string;
}

/** Where a journal lives and the folders its entries may touch. */
export interface JournalPlace {
  /** the journal file, e.g. <pki>/.kubecerts-journal.json */
  readonly path: string;
  /** the only folders whose files recovery may replace */
  readonly roots: readonly string[];
}

/** The journal of a PKI: <certDir>/.kubecerts-journal.json, allowed to touch the cert, etcd and kubeconfig folders. */
export function pkiJournal(certDir: string, kubeconfigDir: string): JournalPlace {
  return { path: join(certDir, '.kubecerts-journal.json'), roots: [certDir, join(certDir, 'etcd'), kubeconfigDir] };
}

/** Writes the journal atomically (0600). Throws FileWriteError naming the journal. */
export function writeJournal(place: JournalPlace, entries: readonly JournalEntry[]): void {
  writeFileAtomic(place.path, `${JSON.stringify({ version: 1, renames: entries })}\n`, { mode: 0o600, secret: true });
}

const inRoots = (p: string, roots: readonly string[]): boolean => roots.some((r) => resolve(r) === dirname(resolve(p)));

function realOrSelf(p: string): string {
  try {
    return realPath(p);
  } catch {
    return p;
  }
}

/** True when `e` renames one of our temp files over a file in its own folder, inside `roots`. */
/**
 * True when `tmp` is a name tempPathFor gives a temp file of `target` (both base names): `.<target>.kubecerts-<hex>.tmp`,
 * or the short `.kubecerts-<hex>.tmp` of a name too long for the suffix. A journal cannot make one file's temp
 * replace another file.
 */
function tempOf(tmp: string, target: string): boolean {
  if (!TEMP_NAME.test(tmp)) return false;
  return /^\.kubecerts-[0-9a-f]{16}\.tmp$/.test(tmp) || (tmp.startsWith(`.${target}.kubecerts-`) && /^[0-9a-f]{8}\.tmp$/.test(tmp.slice(target.length + 12)));
}

function entryAllowed(e: unknown, roots: readonly string[]): e is JournalEntry {
  if (typeof e !== 'object' || e === null) return false;
  const { tmp, path, link } = e as Record<string, unknown>;
  if (typeof tmp !== 'string' || typeof path !== 'string' || (link !== undefined && typeof link !== 'string')) return false;
  if (dirname(resolve(tmp)) !== dirname(resolve(path)) || !tempOf(basename(tmp), basename(path))) return false;
  if (inRoots(path, roots)) return true;
  // a symlinked PKI file is replaced at its target: the link itself must be inside the roots and still point there
  return typeof link === 'string' && inRoots(link, roots) && realOrSelf(link) === resolve(path);
}

/** True when a journal file is present (a commit was interrupted and has not been completed yet). */
export function journalPending(place: JournalPlace): boolean {
  return existsSync(place.path);
}

/**
 * Completes a commit that was interrupted after its journal was written: every staged temp file still present is
 * renamed over its target. Returns the number of files completed, or -1 when there was no journal.
 * Throws PkiError JOURNAL (leaving everything untouched) when the journal is unreadable or names a path outside
 * `place.roots`.
 */
export function recoverJournal(place: JournalPlace): number {
  let text: string;
  try {
    text = readRegularFile(place.path).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return -1;
    throw new PkiError('JOURNAL', `cannot read the journal "${place.path}" of an interrupted write: ${errnoText(err)}`);
  }
  let renames: unknown[] = [];
  try {
    const parsed = JSON.parse(text) as { renames?: unknown };
    if (Array.isArray(parsed.renames)) renames = parsed.renames;
  } catch {
    // a torn journal cannot exist (it is written atomically); one that is not JSON was not written by us
    throw new PkiError('JOURNAL', `the journal "${place.path}" is not valid JSON: refusing to recover from it`, {
      hint: 'inspect it and remove it if no kubecerts command was interrupted',
    });
  }
  const bad = renames.find((r) => !entryAllowed(r, place.roots));
  if (bad !== undefined) {
    throw new PkiError('JOURNAL', `the journal "${place.path}" names a path outside ${place.roots.join(', ')} or a temp file that is not its target's: refusing to recover from it (${JSON.stringify(bad)})`, {
      hint: 'inspect it and remove it; nothing was changed',
    });
  }
  let done = 0;
  for (const r of renames as JournalEntry[]) {
    if (existsSync(r.tmp)) {
      commitFile(r.tmp, r.path);
      done++;
    }
  }
  removeQuietly(place.path);
  return done;
}

/** Removes kubecerts temp files a killed process left behind before it wrote a journal (each may hold a key). */
export function removeOrphanTemps(dirs: readonly string[], only?: (name: string) => boolean): number {
  let removed = 0;
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      if (TEMP_NAME.test(n) && (only === undefined || only(n))) {
        removeQuietly(join(dir, n));
        removed++;
      }
    }
  }
  return removed;
}
