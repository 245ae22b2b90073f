/**
 * The man page kubecerts.1, generated from the same help text `--help` prints for every command (commander's help
 * plus the EXAMPLES and EXIT CODES footers), so the two cannot drift apart. Written at build time (scripts/build.mjs).
 */
import type { Command } from 'commander';
import { EXIT_CODES } from './help.js';
import type { Io } from './io.js';

/** Escapes plain text for roff: backslashes, leading dots and quotes, and minus signs (so flags copy and search). */
export function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');
}

const isHidden = (c: Command): boolean => (c as unknown as { _hidden?: boolean })._hidden === true;

/**
 * Renders the man page (section 1) of the program `make` builds, with `version` in the footer and `date` (UTC day)
 * in the header. `make` receives an Io whose stdout collects the help text.
 */
export function manPage(make: (io: Io) => Command, version: string, date: Date): string {
  let text = '';
  const sink = { write: (s: string) => ((text += s), true) };
  const program = make({ stdout: sink, stderr: sink, env: {}, now: () => date });
  const helpOf = (cmd: Command): string => {
    cmd.configureHelp({ ...cmd.configureHelp(), helpWidth: 80 }); // the same page whatever terminal builds it
    text = '';
    cmd.outputHelp();
    return text.trimEnd();
  };
  const sections: string[] = [];
  const visit = (cmd: Command, path: string[]): void => {
    for (const sub of cmd.commands) {
      if (isHidden(sub)) continue;
      const p = [...path, sub.name()];
      sections.push(`.SS "${p.join(' ')}"\n${roff(sub.description())}\n.PP\n.nf\n${roff(helpOf(sub))}\n.fi`);
      visit(sub, p);
    }
  };
  visit(program, [program.name()]);
  return [
    `.TH KUBECERTS 1 "${date.toISOString().slice(0, 10)}" "kubecerts ${version}" "User Commands"`,
    '.SH NAME',
    `kubecerts \\- ${roff(program.description())}`,
    '.SH SYNOPSIS',
    '.B kubecerts',
    '\\fIcommand\\fR [\\fIflags\\fR]',
    '.SH DESCRIPTION',
    '.nf',
    roff(helpOf(program)),
    '.fi',
    '.SH COMMANDS',
    ...sections,
    '.SH EXIT STATUS',
    ...EXIT_CODES.flatMap(([code, meaning]) => ['.TP', `.B ${code}`, roff(meaning)]),
    '.SH ENVIRONMENT',
    '.TP',
    '.B NO_COLOR',
    'no colour in \\fB\\-o wide\\fR',
    '.TP',
    '.B KUBECERTS_DEBUG',
    'print the stack trace of an error',
    '.SH SEE ALSO',
    '.BR kubeadm (1),',
    '.BR openssl (1)',
    '',
  ].join('\n');
}
