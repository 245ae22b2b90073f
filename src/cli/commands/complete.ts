/**
 * The hidden `__complete <words…>` command the shell scripts of `completion` call on every TAB: it prints the
 * candidates for the last word, one per line, computed from the command tree of the running program (so commands and
 * flags added later complete without changing the scripts). A line `:files` or `:dirs` asks the shell to complete
 * file or directory names itself.
 */
import type { Command } from 'commander';
import { candidates } from '../completion-candidates.js';
import type { Io } from '../io.js';

export default async function complete(args: unknown[], _opts: Record<string, unknown>, io: Io, cmd?: Command): Promise<void> {
  let root = cmd!;
  while (root.parent) root = root.parent;
  const words = (args[0] as string[] | undefined) ?? [];
  for (const w of candidates(root, words.length ? words : [''])) io.stdout.write(`${w}\n`);
}
