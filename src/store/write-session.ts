/**
 * What every writing command does before it writes: take the folder's lock, complete a commit an earlier run was
 * killed in the middle of (its journal), and remove temp files an earlier run left before it got to its journal.
 * The order is fixed: lock → recover the journal → (the caller writes and commits) → release.
 */
import { join } from 'node:path';
import { ensureDir } from './fs-atomic.js';
import { PkiError, describe } from '../errors.js';
import type { Lock, LockHold } from '../lib/lock.js';
import { fileLock } from './file-lock.js';
import { recoverJournal, removeOrphanTemps, type JournalPlace } from './journal.js';

/** What an interrupted run was doing: renew, init, generate-csr, a kubeconfig batch, a CA rotation commit. */
export type WriteKind = 'renewal' | 'init' | 'write' | 'kubeconfig batch' | 'CA rotation commit';

/** A write session completed a commit an earlier run of `what` was killed in: `files` files were put in place. */
export interface JournalRecovered {
  readonly kind: 'journal-recovered';
  readonly what: WriteKind;
  readonly files: number;
}

export interface WriteSession {
  /** the folder that holds `.kubecerts.lock` */
  readonly lockDir: string;
  /** create `lockDir` with this mode when absent (commands that create a PKI); otherwise a missing folder is an error */
  readonly lockDirMode?: number;
  /** the lock to take; default: the pid file `<lockDir>/.kubecerts.lock` (`fileLock`) */
  readonly lock?: Lock | undefined;
  /** how long to wait for a held lock, ms; default 0: fail at once, as every writing command does */
  readonly lockWaitMs?: number;
  readonly journal: JournalPlace;
  /** folders whose orphaned kubecerts temp files are removed */
  readonly tempDirs: readonly string[];
  /** what an interrupted run was doing, for the notice */
  readonly what: WriteKind;
  /** hears that an interrupted commit was completed (output/write-text.ts renders it) */
  readonly notice: (event: JournalRecovered) => void;
}

/**
 * Takes the lock, recovers the journal and removes orphaned temp files. Resolves to the hold (release it after the
 * commit). Rejects with what the lock raises (the pid file: LockedError, exit 4, when another process holds it;
 * PkiError LOCK when the lock file cannot be made), PkiError LOCK for a lock folder that cannot be created,
 * PkiError JOURNAL for an unusable journal (the lock is released then).
 */
export async function beginWrite(s: WriteSession): Promise<LockHold> {
  try {
    if (s.lockDirMode !== undefined) ensureDir(s.lockDir, s.lockDirMode);
  } catch (err) {
    throw new PkiError('LOCK', `cannot create the folder "${s.lockDir}": ${describe(err).replace(/^\S+ \S+: /, '')}`);
  }
  const lock = s.lock ?? fileLock(join(s.lockDir, '.kubecerts.lock'));
  const hold = await lock.acquire({ waitMs: s.lockWaitMs ?? 0 });
  try {
    const completed = recoverJournal(s.journal);
    if (completed >= 0) s.notice({ kind: 'journal-recovered', what: s.what, files: completed });
    removeOrphanTemps(s.tempDirs);
  } catch (err) {
    await hold.release();
    throw err;
  }
  return hold;
}
