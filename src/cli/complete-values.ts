/**
 * Words shell completion offers for an argument or option whose value the command validates itself (so commander's
 * choices, which would change the error message and the help text, are not used). Tiny on purpose: program.ts loads
 * it on every start.
 */
const words = new WeakMap<object, readonly string[]>();

/** Records `values` as the completion words of `target` (a commander Argument or Option) and returns `target`. */
export function completeWith<T extends object>(target: T, values: readonly string[]): T {
  words.set(target, values);
  return target;
}

/** The completion words recorded for `target`, else its commander choices (`argChoices`), else undefined. */
export function completionWords(target: object): readonly string[] | undefined {
  return words.get(target) ?? (target as { argChoices?: readonly string[] }).argChoices;
}
