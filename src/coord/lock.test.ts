import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LockedError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { fileLock, type Lock } from './lock.js';

/** A clock that only moves when something sleeps on it. */
class StepClock implements Clock {
  t = Date.parse('2026-06-01T00:00:00Z');
  readonly sleeps: number[] = [];
  now(): Date {
    return new Date(this.t);
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const lockPath = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'kubecerts-lock-'));
  dirs.push(d);
  return join(d, '.kubecerts.lock');
};

describe('the pid-file lock as a Lock port', () => {
  it('takes and releases the pid file', async () => {
    const path = lockPath();
    const lock: Lock = fileLock(path, new StepClock());
    const hold = await lock.acquire({ waitMs: 0 });
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n`);
    expect(hold.lost()).toBe(false);
    await hold.release();
    expect(existsSync(path)).toBe(false);
    await hold.release();
  });

  it('waits on the injected clock while a live process holds it, then fails with the holder named (exit 4)', async () => {
    const path = lockPath();
    // pid 1 is alive and is not this process
    writeFileSync(path, '1\n');
    const clock = new StepClock();
    const err = await fileLock(path, clock).acquire({ waitMs: 350 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockedError);
    expect((err as LockedError).exitCode).toBe(4);
    expect((err as Error).message).toBe(`another kubecerts process (pid 1) holds the lock "${path}"`);
    expect(clock.sleeps).toEqual([100, 100, 100, 100]);
  });

  it('takes the lock once the holder is gone during the wait', async () => {
    const path = lockPath();
    writeFileSync(path, '1\n');
    const clock = new StepClock();
    clock.sleep = async (ms) => {
      clock.t += ms;
      rmSync(path);
    };
    const hold = await fileLock(path, clock).acquire({ waitMs: 1000 });
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n`);
    await hold.release();
  });
});
