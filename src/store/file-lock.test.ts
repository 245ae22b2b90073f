import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LockedError } from '../errors.js';
import { acquireLock } from './file-lock.js';

/** A pid that is certainly not running: a child that has already exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid as number;

const dirs: string[] = [];
const fresh = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'kubecerts-lock-'));
  dirs.push(d);
  return join(d, '.kubecerts.lock');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('acquireLock', () => {
  it('takes a free lock, writes its pid, and releases it', () => {
    const lock = fresh();
    const release = acquireLock(lock);
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(process.pid));
    release();
    expect(existsSync(lock)).toBe(false);
  });

  it('refuses a lock held by a live process (exit 4)', () => {
    const lock = fresh();
    writeFileSync(lock, `${process.ppid}\n`);
    expect(() => acquireLock(lock)).toThrow(LockedError);
  });

  it('takes over a stale lock and a takeover guard left by a process killed during its takeover', () => {
    const lock = fresh();
    writeFileSync(lock, `${deadPid()}\n`);
    writeFileSync(`${lock}.takeover`, `${deadPid()}\n`);
    const release = acquireLock(lock);
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(process.pid));
    expect(existsSync(`${lock}.takeover`)).toBe(false);
    release();
  });

  it('waits out a guard of a live process: another takeover is under way', () => {
    const lock = fresh();
    writeFileSync(lock, `${deadPid()}\n`);
    writeFileSync(`${lock}.takeover`, `${process.ppid}\n`);
    expect(() => acquireLock(lock)).toThrow(/taking it over right now/);
    expect(readFileSync(`${lock}.takeover`, 'utf8').trim()).toBe(String(process.ppid));
  });

  it('counts an empty or unparsable lock file as held while it is young: its maker may not yet have written its pid', () => {
    for (const content of ['', '12ab\n']) {
      const lock = fresh();
      writeFileSync(lock, content);
      expect(() => acquireLock(lock)).toThrow(/another kubecerts process \(which has not written its pid yet\) holds the lock/);
      expect(readFileSync(lock, 'utf8')).toBe(content);
      expect(existsSync(`${lock}.takeover`)).toBe(false);
    }
  });

  it('takes over an empty lock file once it is older than the stale guard (10 s)', () => {
    const lock = fresh();
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 11_000);
    utimesSync(lock, old, old);
    const release = acquireLock(lock);
    expect(readFileSync(lock, 'utf8')).toBe(`${process.pid}\n`);
    release();
    expect(existsSync(lock)).toBe(false);
  });

  it('never lets the lock file exist without its pid, and leaves no staging file behind', () => {
    const lock = fresh();
    const release = acquireLock(lock);
    expect(readdirSync(dirname(lock))).toEqual(['.kubecerts.lock']);
    release();
    expect(readdirSync(dirname(lock))).toEqual([]);
  });

  it('removes staging files of dead processes, keeps those of live ones', () => {
    const lock = fresh();
    const dead = `${lock}.${deadPid()}.0123abcd.new`;
    const deadGuard = `${lock}.takeover.${deadPid()}.0123abcd.new`;
    const live = `${lock}.${process.ppid}.0123abcd.new`;
    writeFileSync(dead, '1\n');
    writeFileSync(deadGuard, '1\n');
    writeFileSync(live, '1\n');
    acquireLock(lock)();
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(deadGuard)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });

  it('a release never removes a lock file that is no longer ours', () => {
    // replaced by another process's lock (same content would not do: a new file is a new inode)
    const lock = fresh();
    const release = acquireLock(lock);
    unlinkSync(lock);
    writeFileSync(lock, `${process.ppid}\n`);
    release();
    expect(readFileSync(lock, 'utf8')).toBe(`${process.ppid}\n`);
    // the same file rewritten with another pid (a takeover that reused it)
    const lock2 = fresh();
    const release2 = acquireLock(lock2);
    writeFileSync(lock2, `${process.ppid}\n`);
    release2();
    expect(readFileSync(lock2, 'utf8')).toBe(`${process.ppid}\n`);
  });
});
