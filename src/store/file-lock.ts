/**
 * A lock file per PKI so two writing commands never interleave. A lock whose process is gone is taken over.
 *
 * Taking over is atomic: it happens only while holding a short-lived guard file (`<lock>.takeover`, created with
 * O_EXCL), and under the guard the lock is read again before it is replaced. Two processes that both saw the same
 * stale lock can therefore never both end up holding it: the second one finds the guard, or finds the first one's
 * live pid. A guard left by a process killed during those few microseconds holds that process's dead pid and is
 * removed by the next run, which then tries again (a guard killed before its pid was written: once it is 10 s old).
 * Node has no flock(2); an exclusively created pid file is the portable equivalent that also works on NFS-mounted
 * /etc. It is created by hard-linking a staging file that already holds the pid, so it never exists empty; one found
 * empty or unparsable anyway (a file system without hard links, another tool) counts as held until it is 10 s old.
 * A release removes the lock file only while it is still the one it made.
 */
import { closeSync, fstatSync, linkSync, lstatSync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { readRegularFile } from './node-host.js';
import { errnoText, LockError, LockedError, PkiError } from '../errors.js';
import { systemClock, type Clock } from '../lib/clock.js';
import type { Lock } from '../lib/lock.js';
import { removeQuietly } from './fs-atomic.js';

/** How old a lock or guard file without a pid must be before it counts as abandoned, ms. */
const STALE_GUARD_MS = 10_000;

/** True when process `pid` exists; a pid we may not signal (EPERM) is someone else's live process. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Which file we created: a release removes the lock file only while it is still this one. */
interface Made {
  readonly dev: number;
  readonly ino: number;
}

/** `<lock>.<pid>.<hex>.new`: the pid file written in full before it is linked into place. */
const stagingName = (path: string): string => `${path}.${process.pid}.${randomBytes(4).toString('hex')}.new`;
const STAGING = /^(.+)\.(\d+)\.[0-9a-f]{8}\.new$/;

/** link(2) not offered by the file system (vfat, some FUSE and SMB mounts): fall back to O_EXCL and write. */
const NO_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/**
 * Creates `path` holding our pid; undefined when it exists. The pid is written to a staging file first and the
 * staging file hard-linked into place (link(2) fails with EEXIST like O_EXCL, NFS included), so the lock file never
 * exists without its pid. Where the file system has no hard links, O_EXCL and a separate write (the lock file is
 * empty for a moment; `holder` treats an empty one as held). Throws PkiError LOCK on any other error.
 */
function createExclusive(path: string): Made | undefined {
  const staging = stagingName(path);
  let fd: number;
  try {
    fd = openSync(staging, 'wx', 0o600);
  } catch (err) {
    throw new PkiError('LOCK', `cannot create lock file "${path}": ${errnoText(err)}`);
  }
  let made: Made;
  try {
    try {
      writeSync(fd, `${process.pid}\n`);
      const st = fstatSync(fd);
      made = { dev: st.dev, ino: st.ino };
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    removeQuietly(staging);
    throw new PkiError('LOCK', `cannot write lock file "${path}": ${errnoText(err)}`);
  }
  try {
    linkSync(staging, path);
    return made;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return undefined;
    if (NO_LINK.has(code)) return createByWrite(path);
    throw new PkiError('LOCK', `cannot create lock file "${path}": ${errnoText(err)}`);
  } finally {
    removeQuietly(staging);
  }
}

/** The O_EXCL-then-write fallback of `createExclusive`. */
function createByWrite(path: string): Made | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw new PkiError('LOCK', `cannot create lock file "${path}": ${errnoText(err)}`);
  }
  try {
    writeSync(fd, `${process.pid}\n`);
    const st = fstatSync(fd);
    return { dev: st.dev, ino: st.ino };
  } catch (err) {
    removeQuietly(path);
    throw new PkiError('LOCK', `cannot write lock file "${path}": ${errnoText(err)}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes `path` only while it is still the file we made (same device and inode, our pid in it): a release never
 * removes a lock another process holds, even one that took ours over.
 */
function removeIfOurs(path: string, made: Made): void {
  try {
    const st = lstatSync(path);
    if (st.dev !== made.dev || st.ino !== made.ino) return;
    if (holder(path)?.pid !== process.pid) return;
    unlinkSync(path);
  } catch {
    // vanished meanwhile, or unreadable: not ours to remove
  }
}

/** Removes staging files of `path` left by processes killed between writing and unlinking them. */
function removeDeadStaging(path: string): void {
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const n of names) {
    const m = STAGING.exec(n);
    if (m && m[1] === basename(path) && Number(m[2]) !== process.pid && !alive(Number(m[2]))) removeQuietly(join(dirname(path), n));
  }
}

/**
 * Who holds the lock file: undefined when it vanished; `pid` NaN when it holds no pid (a writer between creating
 * and writing it, or not ours); `ageMs` since it was last written. Throws LockedError when it is not a regular file.
 */
function holder(path: string): { pid: number; ageMs: number } | undefined {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return undefined;
  }
  if (!st.isFile()) {
    throw new LockedError(`cannot take the lock "${path}": it is ${st.isDirectory() ? 'a directory' : 'not a regular file'}, not a kubecerts lock file`, {
      hint: `remove "${path}" if no kubecerts command is running`,
    });
  }
  const ageMs = Date.now() - st.mtimeMs;
  try {
    const text = readRegularFile(path, 4096).toString('utf8');
    return { pid: /^\d+\n?$/.test(text) ? Number(text.trim()) : Number.NaN, ageMs };
  } catch {
    return { pid: Number.NaN, ageMs };
  }
}

/**
 * True while the lock or guard file is in use: it holds the pid of another live process, or it holds no pid and is
 * younger than STALE_GUARD_MS (its maker may be between creating and writing it: never taken over then).
 */
function held(h: { pid: number; ageMs: number } | undefined): h is { pid: number; ageMs: number } {
  if (h === undefined) return false;
  if (!(Number.isInteger(h.pid) && h.pid > 0)) return h.ageMs < STALE_GUARD_MS;
  return h.pid !== process.pid && alive(h.pid);
}

/**
 * Removes the takeover guard when the process that made it is gone: its pid is dead, or (killed before it wrote
 * its pid) the file is older than STALE_GUARD_MS. Returns true when it removed it (or it vanished meanwhile).
 */
function guardAbandoned(guard: string): boolean {
  const h = holder(guard);
  if (held(h)) return false;
  removeQuietly(guard);
  return true;
}

function lockedBy(path: string, h: { pid: number }): LockedError {
  const who = Number.isInteger(h.pid) && h.pid > 0 ? `another kubecerts process (pid ${h.pid})` : 'another kubecerts process (which has not written its pid yet)';
  return new LockedError(`${who} holds the lock "${path}"`, {
    hint: 'wait for it to finish; remove the file only if that process is not kubecerts',
  });
}

/**
 * Takes the lock at `path` (a pid file), taking over a stale one atomically. Returns the release function, which
 * removes the lock file only while it is still ours. A lock file holding no pid counts as held until it is 10 s old.
 * Throws LockedError (exit 4) when a live process holds it or it cannot be taken, PkiError LOCK when the lock file
 * cannot be created at all (missing or read-only folder).
 */
export function acquireLock(path: string): () => void {
  // a guard left by a killed process is removed and the takeover tried again, at most twice
  for (let attempt = 0; ; attempt++) {
    const made = tryAcquire(path, attempt < 2);
    if (made) {
      // staging files of the lock and of the takeover guard, left by processes killed between link and unlink
      removeDeadStaging(path);
      removeDeadStaging(`${path}.takeover`);
      return () => removeIfOurs(path, made);
    }
  }
}

/** One attempt; undefined when a dead process's guard was removed and the caller should try again. */
function tryAcquire(path: string, mayRetry: boolean): Made | undefined {
  const first = createExclusive(path);
  if (first) return first;
  const seen = holder(path);
  if (held(seen)) throw lockedBy(path, seen);
  const guard = `${path}.takeover`;
  const guardMade = createExclusive(guard);
  if (!guardMade) {
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
    const made = createExclusive(path);
    if (!made) {
      const other = holder(path);
      throw held(other) ? lockedBy(path, other) : new LockedError(`cannot take the lock "${path}"`);
    }
    return made;
  } finally {
    removeIfOurs(guard, guardMade);
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
