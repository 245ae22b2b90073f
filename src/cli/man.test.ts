import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { Io } from './io.js';
import { manPage, roff } from './man.js';
import { createProgram } from './program.js';

const memory = (): Io & { text: () => string } => {
  let text = '';
  const sink = { write: (s: string) => ((text += s), true) };
  return { stdout: sink, stderr: sink, env: {}, now: () => new Date(0), text: () => text };
};

describe('the man page', () => {
  const page = manPage(createProgram, '1.2.3', new Date('2026-03-04T05:06:07Z'));

  it('has the header, the name and the exit status', () => {
    expect(page.startsWith('.TH KUBECERTS 1 "2026-03-04" "kubecerts 1.2.3" "User Commands"\n.SH NAME\nkubecerts \\- kubeadm\\-compatible')).toBe(true);
    expect(page).toMatch(/\n\.SH EXIT STATUS\n\.TP\n\.B 0\n/);
    expect(page).toMatch(/\n\.TP\n\.B 4\nanother kubecerts process holds the PKI lock/);
  });

  it('holds the --help text of every visible command, flags and examples included', () => {
    const visit = (cmd: Command, path: string[]): void => {
      for (const sub of cmd.commands) {
        if ((sub as unknown as { _hidden: boolean })._hidden) continue;
        const io = memory();
        const program = createProgram(io);
        const target = [...path, sub.name()].reduce<Command>((c, n) => c.commands.find((x) => x.name() === n)!, program);
        target.configureHelp({ helpWidth: 80 });
        target.outputHelp();
        expect(page).toContain(`.SS "kubecerts ${[...path, sub.name()].join(' ')}"`);
        expect(page).toContain(roff(io.text().trimEnd()));
        visit(sub, [...path, sub.name()]);
      }
    };
    visit(createProgram(memory()), []);
    expect(page).toContain('kubecerts certs check\\-expiration \\-\\-fail\\-within 30d');
    expect(page).not.toContain('__complete');
  });

  it('escapes roff: backslashes, minus signs and lines that start with a dot or quote', () => {
    expect(roff('a\\b -x\n.hidden\n\'q')).toBe('a\\eb \\-x\n\\&.hidden\n\\&\'q');
  });
});
