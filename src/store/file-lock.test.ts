import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
