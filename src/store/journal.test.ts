import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recoverJournal, removeOrphanTemps } from './journal.js';

const root = mkdtempSync(join(tmpdir(), 'kubecerts-journal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function place(name: string): { pki: string; outside: string; journal: { path: string; roots: string[] } } {
  const pki = join(root, name, 'pki');
  const outside = join(root, name, 'outside');
  mkdirSync(pki, { recursive: true });
  mkdirSync(outside, { recursive: true });
  return { pki, outside, journal: { path: join(pki, '.kubecerts-journal.json'), roots: [pki] } };
}

describe('journal recovery', () => {
  it('completes the renames of a journal inside its roots', () => {
    const p = place('ok');
    writeFileSync(join(p.pki, 'a.crt'), 'old');
    writeFileSync(join(p.pki, '.a.crt.kubecerts-0123abcd.tmp'), 'new');
    writeFileSync(p.journal.path, JSON.stringify({ version: 1, renames: [{ tmp: join(p.pki, '.a.crt.kubecerts-0123abcd.tmp'), path: join(p.pki, 'a.crt') }] }));
    expect(recoverJournal(p.journal)).toBe(1);
    expect(readFileSync(join(p.pki, 'a.crt'), 'utf8')).toBe('new');
    expect(existsSync(p.journal.path)).toBe(false);
  });

  it('returns -1 without a journal', () => {
    expect(recoverJournal(place('none').journal)).toBe(-1);
  });

  it.each([
    ['a target outside the roots', (p: ReturnType<typeof place>) => ({ tmp: join(p.outside, '.v.kubecerts-0123abcd.tmp'), path: join(p.outside, 'v') })],
    ['a temp file in another folder', (p: ReturnType<typeof place>) => ({ tmp: join(p.outside, '.a.kubecerts-0123abcd.tmp'), path: join(p.pki, 'a.crt') })],
    ['a temp that is not a kubecerts temp name', (p: ReturnType<typeof place>) => ({ tmp: join(p.pki, 'evil'), path: join(p.pki, 'a.crt') })],
    ['a kubecerts temp of another file', (p: ReturnType<typeof place>) => ({ tmp: join(p.pki, '.evil.kubecerts-0123abcd.tmp'), path: join(p.pki, 'a.crt') })],
    ['a relative escape', (p: ReturnType<typeof place>) => ({ tmp: join(p.pki, '..', 'outside', '.v.kubecerts-0123abcd.tmp'), path: join(p.pki, '..', 'outside', 'v') })],
    ['a link that does not point at the path', (p: ReturnType<typeof place>) => ({ tmp: join(p.outside, '.v.kubecerts-0123abcd.tmp'), path: join(p.outside, 'v'), link: join(p.pki, 'a.crt') })],
  ])('refuses %s and changes nothing', (name, entry) => {
    const p = place(name.replace(/\W/g, '-'));
    writeFileSync(join(p.pki, 'a.crt'), 'old');
    writeFileSync(join(p.outside, 'v'), 'VICTIM');
    writeFileSync(join(p.outside, '.v.kubecerts-0123abcd.tmp'), 'EVIL');
    writeFileSync(join(p.outside, '.a.kubecerts-0123abcd.tmp'), 'EVIL');
    writeFileSync(join(p.pki, 'evil'), 'EVIL');
    writeFileSync(join(p.pki, '.evil.kubecerts-0123abcd.tmp'), 'EVIL');
    writeFileSync(p.journal.path, JSON.stringify({ version: 1, renames: [entry(p)] }));
    expect(() => recoverJournal(p.journal)).toThrow(/names a path outside/);
    expect(readFileSync(join(p.outside, 'v'), 'utf8')).toBe('VICTIM');
    expect(readFileSync(join(p.pki, 'a.crt'), 'utf8')).toBe('old');
    expect(existsSync(p.journal.path)).toBe(true);
  });

  it('follows a link inside the roots to its real target', () => {
    const p = place('link');
    writeFileSync(join(p.outside, 'real.crt'), 'old');
    symlinkSync(join(p.outside, 'real.crt'), join(p.pki, 'a.crt'));
    writeFileSync(join(p.outside, '.real.crt.kubecerts-0123abcd.tmp'), 'new');
    writeFileSync(p.journal.path, JSON.stringify({ version: 1, renames: [{ tmp: join(p.outside, '.real.crt.kubecerts-0123abcd.tmp'), path: join(p.outside, 'real.crt'), link: join(p.pki, 'a.crt') }] }));
    expect(recoverJournal(p.journal)).toBe(1);
    expect(readFileSync(join(p.pki, 'a.crt'), 'utf8')).toBe('new');
  });

  it('a journal that is not JSON is refused', () => {
    const p = place('torn');
    writeFileSync(p.journal.path, '{"version":1,"ren');
    expect(() => recoverJournal(p.journal)).toThrow(/not valid JSON/);
  });

  it('removes only kubecerts temp names', () => {
    const p = place('orphans');
    for (const n of ['.a.crt.kubecerts-0123abcd.tmp', '.kubecerts-0123456789abcdef.tmp', 'a.crt', '.a.crt.tmp', 'kubecerts-0123abcd.tmp']) writeFileSync(join(p.pki, n), 'x');
    expect(removeOrphanTemps([p.pki])).toBe(2);
    expect(existsSync(join(p.pki, 'a.crt'))).toBe(true);
    expect(existsSync(join(p.pki, '.a.crt.tmp'))).toBe(true);
    expect(existsSync(join(p.pki, 'kubecerts-0123abcd.tmp'))).toBe(true);
  });
});
