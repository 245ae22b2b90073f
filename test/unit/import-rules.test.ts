import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers/tmp.js';

const SCRIPT = join(REPO, 'scripts', 'check-imports.mjs');

function check(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

/** A throw-away src/ tree from a map of path → text. */
function tree(files: Record<string, string>): string {
  const dir = tempDir('kubecerts-imports-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('import rules (scripts/check-imports.mjs)', () => {
  it('passes on the source tree', () => {
    const r = check([]);
    expect(r.out).toMatch(/keep the layer order, no cycles/);
    expect(r.code).toBe(0);
  });

  it('accepts imports that run down or sideways', () => {
    const dir = tree({
      'lib/net.ts': 'export const a = 1;\n',
      'pki/sans.ts': "import { a } from '../lib/net.js';\nexport const b = a;\n",
      'pki/specs.ts': "import type { b } from './sans.js';\n",
      'cli/program.ts': "const m = await import('../pki/sans.js');\n",
    });
    const r = check(['--src', dir]);
    expect(r.out).toMatch(/4 modules keep the layer order/);
    expect(r.code).toBe(0);
  });

  const failing: [string, Record<string, string>, string[], string[]][] = [
    [
      'an upward import, also a type-only or dynamic one',
      {
        'lib/net.ts': "import type { X } from '../pki/specs.js';\n",
        'pki/specs.ts': "export type X = 1;\nconst o = () => import('../output/text.js');\n",
        'output/text.ts': 'export {};\n',
      },
      ['lib/net.ts -> pki/specs.ts: lib may not import pki (a higher layer)', 'pki/specs.ts -> output/text.ts: pki may not import output (a higher layer)'],
      [],
    ],
    [
      'a cycle inside one layer',
      {
        'pki/a.ts': "import { b } from './b.js';\nexport const a = b;\n",
        'pki/b.ts': "// import { a } from './c.js' is a comment and does not count\nimport { c } from './c.js';\nexport const b = c;\n",
        'pki/c.ts': "export { a as c } from './a.js';\n",
      },
      ['import cycle: pki/a.ts, pki/b.ts, pki/c.ts'],
      [],
    ],
    [
      'code outside the I/O rooms that touches the filesystem or the process',
      {
        'pki/read.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
        'ops/env.ts': 'export const e = () => process.env.HOME;\n',
        'store/files.ts': "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n",
      },
      ['pki/read.ts: uses node:fs', 'ops/env.ts: uses node:fs'],
      ['store/files.ts'],
    ],
  ];

  it.each(failing)('fails on %s', (_name, files, present, absent) => {
    const r = check(['--src', tree(files)]);
    expect(r.code).toBe(1);
    for (const line of present) expect(r.out).toContain(line);
    for (const line of absent) expect(r.out).not.toContain(line);
  });

  it('fails on an import of a file that does not exist and on a file outside every layer', () => {
    expect(check(['--src', tree({ 'pki/a.ts': "import './gone.js';\n" })]).out).toContain('pki/a.ts: imports pki/gone.ts, which does not exist');
    const r = check(['--src', tree({ 'misc/a.ts': 'export {};\n' })]);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('misc/a.ts: no layer');
  });
});
