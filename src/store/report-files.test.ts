import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BadReport } from '../report/schema.js';
import { expand } from './report-files.js';

describe('fleet report: the files of a folder', () => {
  it('takes a folder of 200,000 reports (no spread of that many arguments), sorted, *.json only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-'));
    writeFileSync(join(dir, 'one.json'), '{}');
    const names = Array.from({ length: 200_000 }, (_, i) => `n${String(199_999 - i).padStart(6, '0')}.json`);
    names.push('notes.txt');
    const bad: BadReport[] = [];
    const files = expand([dir, join(dir, 'one.json')], bad, () => names);
    expect(bad).toEqual([]);
    expect(files.length).toBe(200_001);
    expect(files[0]).toBe(join(dir, 'n000000.json'));
    expect(files[199_999]).toBe(join(dir, 'n199999.json'));
    expect(files[200_000]).toBe(join(dir, 'one.json'));
  });
});
