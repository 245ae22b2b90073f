/**
 * What every writing command does before it writes: take the folder's lock, complete a commit an earlier run was
 * killed in the middle of (its journal), and remove temp files an earlier run left before it got to its journal.
 */
import { join } from 'node:path';
import { ensureDir } from './fs-atomic.js';
import { PkiError, describe } from '../errors.js';
import { acquireLock } from './file-lock.js';
import { recoverJournal, removeOrphanTemps, type JournalPlace } from './journal.js';

export interface WriteSession {
  /** the folder that holds `.kubecerts.lock` */
  readonly lockDir: string;
  /** create `lockDir` with this mode when absent (commands that create a PKI); otherwise a missing folder is an error */
  readonly lockDirMode?: number;
  readonly journal: JournalPlace;
  /** folders whose orphaned kubecerts temp files are removed */
  readonly tempDirs: readonly string[];
  /** what an interrupted run was doing, for the notice ("renewal", "init", "kubeconfig batch") */
  readonly what: string;
  readonly notice: (line: string) => void;
}

/**
 * Takes the lock, recovers the journal and removes orphaned temp files. Returns the release function.
 * Throws LockedError (exit 4) when another process holds the lock, PkiError for an unusable lock folder or journal.
 */
export function beginWrite(s: WriteSession): () => void {
  try {
    if (s.lockDirMode !== undefined) ensureDir(s.lockDir, s.lockDirMode);
  } catch (err) {
    throw new PkiError('LOCK', `cannot create the folder "${s.lockDir}": ${describe(err).replace(/^\S+ \S+: /, '')}`);
  }
  const release = acquireLock(join(s.lockDir, '.kubecerts.lock'));
  try {
    const completed = recoverJournal(s.journal);
    if (completed >= 0) s.notice(`recovered an interrupted ${s.what}: completed ${completed} file(s)`);
    removeOrphanTemps(s.tempDirs);
  } catch (err) {
    release();
    throw err;
  }
  return release;
}
