import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderTabwriter } from './tabwriter.js';

describe('renderTabwriter (Go text/tabwriter, minwidth 10, padding 3)', () => {
  it('pads each tab-terminated cell to max(10, widest + 3) and leaves the last cell alone', () => {
    // column 0: "longer-name" (11) + 3 = 14; column 1: min width 10
    const sp = (n: number): string => ' '.repeat(n);
    expect(renderTabwriter('a\tbb\tc  \nlonger-name\tx\ty\n')).toBe(`a${sp(13)}bb${sp(8)}c  \nlonger-name${sp(3)}x${sp(9)}y\n`);
  });

  it('aligns blocks separated by a blank line independently', () => {
    const out = renderTabwriter('very-long-first-cell\tx\n\nab\tcd\n');
    expect(out).toBe('very-long-first-cell   x\n\nab        cd\n');
  });

  it('pads empty cells too, so missing rows end in spaces', () => {
    expect(renderTabwriter('!MISSING! n\t\t\n')).toBe('!MISSING! n   ' + ' '.repeat(10) + '\n');
  });

  it('a row with fewer cells ends the column block for the columns it lacks', () => {
    // line 2 has only one cell, so column 1 of line 3 is aligned on its own
    const sp = (n: number): string => ' '.repeat(n);
    expect(renderTabwriter('a\tb\tc\nd\te\nf\tgggggggggggg\th\n')).toBe(
      `a${sp(9)}b${sp(9)}c\nd${sp(9)}e\nf${sp(9)}gggggggggggg${sp(3)}h\n`,
    );
  });

  it('property: every column of a rectangular table starts at the same offset on every line', () => {
    const cell = fc.stringMatching(/^[a-z!]{0,20}$/);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.array(cell, { minLength: 5, maxLength: 5 }), { minLength: 1, maxLength: 8 }), (cols, rows) => {
        const lines = rows.map((r) => r.slice(0, cols + 1));
        const out = renderTabwriter(`${lines.map((l) => l.join('\t')).join('\n')}\n`).split('\n').slice(0, -1);
        for (let c = 0; c < cols; c++) {
          const width = Math.max(10, ...lines.map((l) => (l[c] ?? '').length + 3));
          const offset = lines[0]!.slice(0, c).reduce((n, _x, i) => n + Math.max(10, ...lines.map((l) => (l[i] ?? '').length + 3)), 0);
          for (const [i, l] of out.entries()) {
            expect(l.slice(offset, offset + width).trimEnd()).toBe(lines[i]![c]);
          }
        }
      }),
    );
  });
});
