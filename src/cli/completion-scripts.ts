/**
 * The completion scripts `completion bash|zsh|fish` prints: each asks `kubecerts __complete` for the candidates on
 * every TAB (see completion-candidates.ts) and turns its file/folder markers into the shell's own path completion.
 */
import { DIRS, FILES } from './completion-candidates.js';

const bash = `# bash completion for kubecerts
# install: kubecerts completion bash > /usr/share/bash-completion/completions/kubecerts
#      or: source <(kubecerts completion bash)
_kubecerts() {
  local cur line at out
  cur="\${COMP_WORDS[COMP_CWORD]}"
  COMPREPLY=()
  # bash splits --flag=value at "=": complete the value after it
  if [[ "$cur" == "=" || "\${COMP_WORDS[COMP_CWORD-1]}" == "=" ]]; then
    if [[ "$cur" == "=" ]]; then cur=""; at=$((COMP_CWORD - 1)); else at=$((COMP_CWORD - 2)); fi
    out=$("\${COMP_WORDS[0]}" __complete "\${COMP_WORDS[@]:1:at-1}" "\${COMP_WORDS[at]}" "$cur" 2>/dev/null)
  else
    out=$("\${COMP_WORDS[0]}" __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  fi
  while IFS= read -r line; do
    case "$line" in
      "${FILES}") compopt -o filenames 2>/dev/null; COMPREPLY+=($(compgen -f -- "$cur")) ;;
      "${DIRS}") compopt -o filenames 2>/dev/null; COMPREPLY+=($(compgen -d -- "$cur")) ;;
      "") ;;
      *) COMPREPLY+=("$line") ;;
    esac
  done <<< "$out"
}
complete -F _kubecerts kubecerts
`;

// autoloaded from $fpath the file body is the function: it defines _kubecerts and runs it on the first TAB;
// sourced, it registers the function with compdef
const zsh = `#compdef kubecerts
# zsh completion for kubecerts
# install: kubecerts completion zsh > "\${fpath[1]}/_kubecerts"   (then compinit)
#      or: source <(kubecerts completion zsh)                      (after compinit)
_kubecerts() {
  local -a out found
  local line
  out=("\${(@f)$(\${words[1]} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  for line in "\${out[@]}"; do
    case "$line" in
      ${FILES}) _files ;;
      ${DIRS}) _files -/ ;;
      '') ;;
      *) found+=("$line") ;;
    esac
  done
  (( \${#found} )) && compadd -- "\${found[@]}"
  return 0
}
if [[ "\${funcstack[1]}" == _kubecerts ]]; then
  _kubecerts "$@"
else
  compdef _kubecerts kubecerts
fi
`;

const fish = `# fish completion for kubecerts
# install: kubecerts completion fish > ~/.config/fish/completions/kubecerts.fish
#      or: kubecerts completion fish | source
function __kubecerts_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmd $words[1]
    set -e words[1]
    for line in ($cmd __complete $words $cur 2>/dev/null)
        switch $line
            case ${FILES}
                __fish_complete_path $cur
            case ${DIRS}
                __fish_complete_directories $cur
            case ''
            case '*'
                echo $line
        end
    end
end
complete -c kubecerts -e
complete -c kubecerts -f -a '(__kubecerts_complete)'
`;

/** Scripts per shell name, as `completion <shell>` prints them. */
export const COMPLETION_SCRIPTS: Readonly<Record<string, string>> = { bash, zsh, fish };
