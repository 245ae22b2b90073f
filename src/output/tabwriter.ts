/**
 * Go's text/tabwriter (no flags, padchar ' ') as kubeadm configures it: minwidth 10, padding 3.
 * Cells are tab-terminated; the text after a line's last tab is not a column cell. Column blocks are runs of
 * consecutive lines that have a cell in that column, so a blank line starts a new alignment. Pure.
 */
export interface TabwriterOptions {
  readonly minWidth: number;
  readonly padding: number;
}

export const KUBEADM_TABWRITER: TabwriterOptions = { minWidth: 10, padding: 3 };

const width = (s: string): number => [...s].length;

export function renderTabwriter(text: string, o: TabwriterOptions = KUBEADM_TABWRITER): string {
  const endsWithNewline = text.endsWith('\n');
  const rawLines = (endsWithNewline ? text.slice(0, -1) : text).split('\n');
  const lines = rawLines.map((l) => l.split('\t'));
  const widths: number[] = [];
  const out: string[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i] ?? [];
      let s = '';
      cells.forEach((c, j) => {
        s += c;
        if (j < cells.length - 1 && j < widths.length) s += ' '.repeat(Math.max(0, (widths[j] ?? 0) - width(c)));
      });
      out.push(s);
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let i = line0; i < line1; i++) {
      if (column >= (lines[i]?.length ?? 0) - 1) continue;
      writeLines(start, i);
      start = i;
      let w = o.minWidth;
      let j = i;
      for (; j < line1; j++) {
        const cells = lines[j] ?? [];
        if (column >= cells.length - 1) break;
        w = Math.max(w, width(cells[column] ?? '') + o.padding);
      }
      widths.push(w);
      format(start, j);
      widths.pop();
      start = j;
      i = j - 1;
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out.join('\n') + (endsWithNewline ? '\n' : '');
}
