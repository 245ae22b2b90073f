/**
 * A lock file per PKI so two writing commands never interleave. A lock whose process is gone is taken over.
 *
 * Taking over is atomic: it happens only while holding a short-lived guard file (`<lock>.takeover`, created with
 * O_EXCL), and under the guard the lock is read again before it is replaced. Two processes that both saw the same
 * stale lock can therefore never both end up holding it: the second one finds the guard, or finds the first one's
 * live pid. A guard left by a process killed during those few microseconds holds that process's dead pid and is
 * removed by the next run, which then tries again (a guard killed before its pid was written: once it is 10 s old).
 * Node has no flock(2); an O_EXCL pid file is the portable equivalent that also works on NFS-mounted /etc.
 */
import { closeSync, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { readRegularFile } from './node-host.js';
import { errnoText, LockError, LockedError, PkiError } from '../errors.js';
import { systemClock, type Clock } from '../lib/clock.js';
import type { Lock } from '../lib/lock.js';
import { removeQuietly } from './fs-atomic.js';

const STALE_GUARD_MS = 10_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates `path` with O_EXCL holding our pid; false when it exists. Throws PkiError LOCK on any other error. */
function createExclusive(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new PkiError('LOCK', `cannot create lock file "${path}": ${errnoText(err)}`);
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } catch (err) {
    closeSync(fd);
    removeQuietly(path);
    throw new PkiError('LOCK', `cannot write lock file "${path}": ${errnoText(err)}`);
  }
  closeSync(fd);
  return true;
}

/** The pid in a lock file; NaN when it vanished or holds no pid. Throws LockedError when it is not a regular file. */
function holder(path: string): number {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return Number.NaN;
  }
  if (!st.isFile()) {
    throw new LockedError(`cannot take the lock "${path}": it is ${st.isDirectory() ? 'a directory' : 'not a regular file'}, not a kubecerts lock file`, {
      hint: `remove "${path}" if no kubecerts command is running`,
    });
  }
  try {
    return Number.parseInt(readRegularFile(path, 4096).toString('utf8'), 10);
  } catch {
    return Number.NaN;
  }
}

/**
 * Removes the takeover guard when the process that made it is gone: its pid is dead, or (killed before it wrote
 * its pid) the file is older than STALE_GUARD_MS. Returns true when it removed it (or it vanished meanwhile).
 */
function guardAbandoned(guard: string): boolean {
  try {
    const pid = holder(guard);
    const gone = Number.isInteger(pid) && pid > 0 ? !alive(pid) : Date.now() - lstatSync(guard).mtimeMs > STALE_GUARD_MS;
    if (gone) unlinkSync(guard);
    return gone;
  } catch (err) {
    if (err instanceof LockedError) throw err;
    return true;
  }
}

const held = (pid: number): boolean => Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid);

function lockedBy(path: string, pid: number): LockedError {
  return new LockedError(`another kubecerts process (pid ${pid}) holds the lock "${path}"`, {
    hint: 'wait for it to finish; remove the file only if that process is not kubecerts',
  });
}

/**
 * Takes the lock at `path` (a pid file), taking over a stale one atomically. Returns the release function.
 * Throws LockedError (exit 4) when a live process holds it or it cannot be taken, PkiError LOCK when the lock file
 * cannot be created at all (missing or read-only folder).
 */
export function acquireLock(path: string): () => void {
  // a guard left by a killed process is removed and the takeover tried again, at most twice
  for (let attempt = 0; ; attempt++) {
    const release = tryAcquire(path, attempt < 2);
    if (release) return release;
  }
}

/** One attempt; undefined when a dead process's guard was removed and the caller should try again. */
function tryAcquire(path: string, mayRetry: boolean): (() => void) | undefined {
  const release = (): void => removeQuietly(path);
  if (createExclusive(path)) return release;
  const seen = holder(path);
  if (held(seen)) throw lockedBy(path, seen);
  const guard = `${path}.takeover`;
  if (!createExclusive(guard)) {
    if (mayRetry && guardAbandoned(guard)) return undefined;
    throw new LockedError(`cannot take the lock "${path}": another kubecerts process is taking it over right now`, {
      hint: 'run the command again',
    });
  }
  try {
    // under the guard: read again, so a lock taken by someone else since we looked is never removed
    const now = holder(path);
    if (held(now)) throw lockedBy(path, now);
    removeQuietly(path);
    if (!createExclusive(path)) {
      const other = holder(path);
      throw held(other) ? lockedBy(path, other) : new LockedError(`cannot take the lock "${path}"`);
    }
    return release;
  } finally {
    removeQuietly(guard);
  }
}

/** How often `fileLock` looks again while another process holds the pid file, ms. */
const FILE_LOCK_POLL_MS = 100;

/**
 * The pid-file lock at `path` (what every writing command takes, see `acquireLock`) as a Lock: waits up to `waitMs`,
 * looking again every 100 ms on `clock`; `waitMs` 0 tries once. Unlike the etcd lock it rejects with the file lock's
 * own LockedError (exit 4, as LockError "busy"), which names the pid holding it, and with PkiError LOCK when the
 * lock file cannot be created; LockError "aborted" on the signal.
 */
export function fileLock(path: string, clock: Clock = systemClock): Lock {
  return {
    kind: 'file',
    async acquire(o) {
      const deadline = clock.now().getTime() + o.waitMs;
      for (;;) {
        try {
          const release = acquireLock(path);
          let held = true;
          return {
            lost: () => false,
            release: async () => {
              if (held) release();
              held = false;
            },
          };
        } catch (err) {
          if (!(err instanceof LockedError) || clock.now().getTime() >= deadline) throw err;
        }
        if (o.signal?.aborted) throw new LockError('aborted', `waiting for the lock "${path}" was interrupted`);
        await clock.sleep(FILE_LOCK_POLL_MS);
      }
    },
    close: async () => undefined,
  };
}
