/**
 * `completion bash|zsh|fish`: a small script per shell that, on every TAB, asks `kubecerts __complete` for the
 * candidates (see complete.ts), so commands, flags, certificate names and flag values (-o formats, encryption
 * algorithms) come from the running program's command tree. Each script completes on the first TAB when installed
 * where the shell loads completions on demand (bash-completion's completions/, zsh's $fpath, fish's completions/),
 * and also when sourced.
 */
import type { Io } from '../io.js';
import { COMPLETION_SCRIPTS } from '../completion-scripts.js';

export default async function completion(args: unknown[], _opts: Record<string, unknown>, io: Io): Promise<void> {
  io.stdout.write(COMPLETION_SCRIPTS[String(args[0])] ?? COMPLETION_SCRIPTS['bash'] ?? '');
}
