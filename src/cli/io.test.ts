import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fdStream } from './io.js';

const dir = mkdtempSync(join(tmpdir(), 'kubecerts-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fdStream', () => {
  it('writes every chunk whole, small and large, ASCII and not, through its kept buffer and past it', () => {
    const path = join(dir, 'out');
    const fd = openSync(path, 'w');
    const chunks = ['x', 'a'.repeat(4096), 'größe €𝄞 '.repeat(30_000), 'b'.repeat(349_525), '€'.repeat(349_526), 'c'.repeat(2_000_000), 'end\n'];
    try {
      const out = fdStream(fd, (err) => err as Error);
      for (const c of chunks) out.write(c);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(path, 'utf8')).toBe(chunks.join(''));
  });
});
