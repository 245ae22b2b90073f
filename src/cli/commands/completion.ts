/** `completion bash|zsh`: a script completing commands, flags and certificate names, generated from the program. */
import type { Command } from 'commander';
import { COMPLETION_ARGUMENTS, createProgram } from '../program.js';
import type { Io } from '../io.js';

interface Node {
  readonly path: string;
  readonly words: string[];
}

/** Every command path with the words that may follow it: subcommands, flags and argument choices. */
function walk(cmd: Command, prefix: string[], out: Node[]): void {
  const words = [
    ...cmd.commands.map((c) => c.name()),
    ...cmd.options.map((o) => o.long ?? '').filter((w) => w !== ''),
    ...cmd.registeredArguments.flatMap((a) => a.argChoices ?? []),
    ...(COMPLETION_ARGUMENTS[prefix.join(' ')] ?? []),
  ];
  out.push({ path: prefix.join(' '), words });
  for (const sub of cmd.commands) walk(sub, [...prefix, sub.name()], out);
}

export function completionNodes(io: Io): Node[] {
  const nodes: Node[] = [];
  walk(createProgram(io), [], nodes);
  return nodes;
}

function bash(nodes: Node[]): string {
  const cases = nodes.map((n) => `    "${n.path}") words="${n.words.join(' ')}" ;;`).join('\n');
  const names = nodes.map((n) => n.path.split(' ').pop()).filter((w): w is string => !!w);
  return `# bash completion for kubecerts
_kubecerts() {
  local cur path words i w
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) continue ;; esac
    case " ${[...new Set(names)].join(' ')} " in *" $w "*) path="\${path:+$path }$w" ;; esac
  done
  case "$path" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _kubecerts kubecerts
`;
}

function zsh(nodes: Node[]): string {
  return `#compdef kubecerts
# zsh completion for kubecerts (uses bash completion emulation)
autoload -U +X bashcompinit && bashcompinit
${bash(nodes)}`;
}

export default async function completion(args: unknown[], _opts: Record<string, unknown>, io: Io): Promise<void> {
  const nodes = completionNodes(io);
  io.stdout.write(args[0] === 'zsh' ? zsh(nodes) : bash(nodes));
}
