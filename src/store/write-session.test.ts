import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LockError, LockedError, PkiError } from '../errors.js';
import type { AcquireOptions, Lock, LockHold } from '../lib/lock.js';
import { fileLock } from './file-lock.js';
import { beginWrite, type JournalRecovered, type WriteSession } from './write-session.js';

const root = mkdtempSync(join(tmpdir(), 'kubecerts-session-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A PKI folder whose journal an interrupted commit left: `a.crt` is still "old", its staged temp holds "new". */
function interrupted(name: string): { dir: string; session: (over?: Partial<WriteSession>) => WriteSession; notices: JournalRecovered[] } {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, '.a.crt.kubecerts-0123abcd.tmp');
  writeFileSync(join(dir, 'a.crt'), 'old');
  writeFileSync(tmp, 'new');
  const journal = { path: join(dir, '.kubecerts-journal.json'), roots: [dir] };
  writeFileSync(journal.path, JSON.stringify({ version: 1, renames: [{ tmp, path: join(dir, 'a.crt') }] }));
  const notices: JournalRecovered[] = [];
  return { dir, notices, session: (over = {}) => ({ lockDir: dir, journal, tempDirs: [dir], what: 'renewal', notice: (e) => notices.push(e), ...over }) };
}

/** A Lock that records what happens to it; `refuse` makes acquire reject with it. */
class RecordingLock implements Lock {
  readonly kind = 'test';
  readonly calls: string[] = [];
  readonly waits: AcquireOptions[] = [];
  constructor(private readonly dir: string, private readonly refuse?: Error) {}
  async acquire(o: AcquireOptions): Promise<LockHold> {
    this.waits.push(o);
    // what the journal looks like at the moment the lock is taken: recovery must not have run yet
    this.calls.push(`acquire (journal ${existsSync(join(this.dir, '.kubecerts-journal.json')) ? 'pending' : 'gone'})`);
    if (this.refuse) throw this.refuse;
    return { lost: () => false, release: async () => void this.calls.push('release') };
  }
  async close(): Promise<void> {}
}

describe('a write session takes the Lock it is given', () => {
  it('takes the lock before it completes the journal, and returns the hold', async () => {
    const t = interrupted('order');
    const lock = new RecordingLock(t.dir);
    const hold = await beginWrite(t.session({ lock, notice: (e) => lock.calls.push(`recovered ${e.files}`) }));
    expect(lock.calls).toEqual(['acquire (journal pending)', 'recovered 1']);
    expect(lock.waits).toEqual([{ waitMs: 0 }]);
    expect(readFileSync(join(t.dir, 'a.crt'), 'utf8')).toBe('new');
    // no pid file: the given lock replaces it
    expect(existsSync(join(t.dir, '.kubecerts.lock'))).toBe(false);
    await hold.release();
    expect(lock.calls.at(-1)).toBe('release');
  });

  it('passes lockWaitMs on to the lock', async () => {
    const t = interrupted('wait');
    const lock = new RecordingLock(t.dir);
    await (await beginWrite(t.session({ lock, lockWaitMs: 1500 }))).release();
    expect(lock.waits).toEqual([{ waitMs: 1500 }]);
  });

  it('rejects with the error of a lock held elsewhere and leaves the journal alone', async () => {
    const t = interrupted('busy');
    const busy = new LockError('busy', 'the lock "kubecerts-renew" is held by node=b');
    const err = await beginWrite(t.session({ lock: new RecordingLock(t.dir, busy) })).catch((e: unknown) => e);
    expect(err).toBe(busy);
    expect(t.notices).toEqual([]);
    expect(readFileSync(join(t.dir, 'a.crt'), 'utf8')).toBe('old');
    expect(existsSync(join(t.dir, '.kubecerts-journal.json'))).toBe(true);
  });

  it('gives a pid-file Lock held by another live process the same LockedError as the default lock', async () => {
    const t = interrupted('pid');
    // the parent process (vitest) is alive and is not us: the lock is held
    writeFileSync(join(t.dir, '.kubecerts.lock'), `${process.ppid}\n`);
    const given = await beginWrite(t.session({ lock: fileLock(join(t.dir, '.kubecerts.lock')) })).catch((e: unknown) => e);
    const byDefault = await beginWrite(t.session()).catch((e: unknown) => e);
    expect(given).toBeInstanceOf(LockedError);
    expect((given as LockedError).exitCode).toBe(4);
    expect((given as Error).message).toBe(`another kubecerts process (pid ${process.ppid}) holds the lock "${join(t.dir, '.kubecerts.lock')}"`);
    expect((given as LockedError).hint).toBe('wait for it to finish; remove the file only if that process is not kubecerts');
    expect((byDefault as Error).message).toBe((given as Error).message);
    expect(t.notices).toEqual([]);
    expect(readFileSync(join(t.dir, '.kubecerts.lock'), 'utf8')).toBe(`${process.ppid}\n`);
  });

  it('takes the folder pid file by default, tells the completed commit as an event and releases the file', async () => {
    const t = interrupted('default');
    const hold = await beginWrite(t.session({ what: 'kubeconfig batch' }));
    expect(readFileSync(join(t.dir, '.kubecerts.lock'), 'utf8')).toBe(`${process.pid}\n`);
    expect(t.notices).toEqual([{ kind: 'journal-recovered', what: 'kubeconfig batch', files: 1 }]);
    await hold.release();
    expect(existsSync(join(t.dir, '.kubecerts.lock'))).toBe(false);
  });

  it('releases the lock when the journal cannot be used', async () => {
    const t = interrupted('bad-journal');
    writeFileSync(join(t.dir, '.kubecerts-journal.json'), JSON.stringify({ version: 1, renames: [{ tmp: '/etc/.x.kubecerts-0123abcd.tmp', path: '/etc/x' }] }));
    const lock = new RecordingLock(t.dir);
    const err = await beginWrite(t.session({ lock })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PkiError);
    expect(lock.calls).toEqual(['acquire (journal pending)', 'release']);
  });
});
