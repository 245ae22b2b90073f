import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { readRegularFile } from './node-host.js';

const dir = mkdtempSync(join(tmpdir(), 'kubecerts-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readRegularFile', () => {
  it('returns every byte of files below, at and around its starting buffer size', () => {
    for (const size of [0, 1, 4095, 4096, 4097, 100_000, 1 << 20]) {
      const p = join(dir, `f${size}`);
      const data = Buffer.alloc(size, 0x61 + (size % 26));
      writeFileSync(p, data);
      expect(readRegularFile(p).equals(data), String(size)).toBe(true);
    }
  });

  it('with a scratch buffer: every byte of files larger and smaller than the last, the buffer kept and grown', () => {
    const scratch: { buf?: Buffer } = {};
    let kept: Buffer | undefined;
    for (const size of [100, 0, 5000, 10, 1 << 20, 3]) {
      const p = join(dir, `s${size}`);
      const data = Buffer.alloc(size, 0x41 + (size % 26));
      writeFileSync(p, data);
      const got = readRegularFile(p, 64 << 20, scratch);
      expect(got.equals(data), String(size)).toBe(true);
      expect(got.buffer).toBe((scratch.buf as Buffer).buffer);
      if (kept !== undefined && kept.length >= size + 4097) expect(scratch.buf).toBe(kept);
      else expect(scratch.buf).not.toBe(kept);
      kept = scratch.buf;
    }
    // a file of /proc has size 0 in fstat but content: read on past the first short read
    expect(readRegularFile('/proc/self/status', 1 << 20, scratch).toString()).toMatch(/^Name:/);
    expect(readRegularFile('/proc/self/mountinfo', 1 << 20, scratch).toString()).toMatch(/\n$/);
  });

  it('refuses a file past the bound, naming it', () => {
    const p = join(dir, 'big');
    writeFileSync(p, Buffer.alloc(2048));
    expect(() => readRegularFile(p, 2047)).toThrow(`"${p}" is larger than 2047 bytes`);
    expect(readRegularFile(p, 2048).length).toBe(2048);
  });

  it('refuses a FIFO and a device without blocking', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => readRegularFile(fifo)).toThrow('is a FIFO, not a regular file');
    expect(() => readRegularFile('/dev/zero')).toThrow('is a device, not a regular file');
  });
});
