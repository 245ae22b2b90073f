/**
 * What `__complete` answers: the candidates for the last word typed, from the program's command tree (commands,
 * flags, flag values, certificate names), plus markers that let the shell complete paths itself.
 */
import type { Command, Option } from 'commander';
import { completionWords } from './complete-values.js';

/** Marker lines: let the shell complete paths. */
export const FILES = ':files';
export const DIRS = ':dirs';

const findOption = (cmd: Command, flag: string): Option | undefined => {
  for (let c: Command | null = cmd; c; c = c.parent) {
    const o = c.options.find((x) => x.long === flag || x.short === flag);
    if (o) return o;
  }
  return undefined;
};

/** Candidates for an option's value: its choices, else paths for `<dir>`/`<file>`-like values, else none. */
function optionValues(o: Option): string[] {
  const words = completionWords(o);
  if (words) return [...words];
  if (/<[^>]*dir[^>]*>/.test(o.flags)) return [DIRS];
  if (/<[^>]*(file|yaml|conf)[^>]*>/.test(o.flags)) return [FILES];
  return [];
}

const visible = (cmd: Command): Command[] => cmd.commands.filter((c) => !(c as unknown as { _hidden: boolean })._hidden);

/**
 * Completion candidates for the last of `words` (the words typed after the program name, the last one possibly
 * empty), given the root command. Returns matching words in the order the program declares them, plus FILES or DIRS.
 */
export function candidates(root: Command, words: readonly string[]): string[] {
  let cmd = root;
  let positional = 0;
  let valueOf: Option | undefined;
  const before = words.slice(0, -1);
  const cur = words[words.length - 1] ?? '';
  for (const w of before) {
    if (valueOf) {
      valueOf = undefined;
      continue;
    }
    if (w.startsWith('-') && w !== '-') {
      const o = w.includes('=') ? undefined : findOption(cmd, w);
      if (o && (o.required || o.optional)) valueOf = o;
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (sub) {
      cmd = sub;
      positional = 0;
    } else positional++;
  }
  let found: string[];
  let prefix = cur;
  if (valueOf) found = optionValues(valueOf);
  else if (cur.startsWith('--') && cur.includes('=')) {
    const flag = cur.slice(0, cur.indexOf('='));
    const o = findOption(cmd, flag);
    found = o && (o.required || o.optional) ? optionValues(o).map((v) => (v.startsWith(':') ? v : `${flag}=${v}`)) : [];
  } else if (cur.startsWith('-')) {
    found = [...cmd.options.flatMap((o) => [o.long ?? o.short ?? '']), '--help'];
  } else {
    const arg = cmd.registeredArguments[Math.min(positional, cmd.registeredArguments.length - 1)];
    const variadicOrNext = arg && (positional < cmd.registeredArguments.length || arg.variadic);
    found = [...(positional === 0 ? visible(cmd).map((c) => c.name()) : []), ...(variadicOrNext ? (completionWords(arg) ?? []) : [])];
  }
  if (found.length === 1 && found[0]!.startsWith(':')) prefix = '';
  return [...new Set(found)].filter((w) => w !== '' && (w.startsWith(':') || w.startsWith(prefix)));
}
