/**
 * Command lines printed as suggestions ("run `kubecerts control-plane restart all --manifests-dir X`"): the one
 * place that quotes a word for a POSIX shell. Own code: two lines of quoting do not warrant a dependency
 * (shell-quote's `quote` also escapes characters a shell reads literally, which would change printed hints).
 */

/** A flag as it goes on a printed command line: `[flag]` alone (`--force`, `--in-cluster=apply`) or `[flag, value]`. */
export type CommandFlag = readonly [flag: string] | readonly [flag: string, value: string];

/**
 * `s` as one POSIX shell word: as is when it holds only characters no shell reads specially (letters, digits and
 * `_ @ % + = : , . / -`), else single-quoted with each `'` written as `'\''`.
 */
export const shellWord = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The flags as they follow a command's words: each flag, then its value as a shell word; one space before each. */
export const flagsText = (flags: readonly CommandFlag[]): string => flags.map((f) => (f.length === 2 ? ` ${f[0]} ${shellWord(f[1])}` : ` ${f[0]}`)).join('');

/**
 * The command line `kubecerts <words...> <flags...>`, e.g. `kubecertsCommand(['ca', 'rotate', 'status'],
 * [['--cert-dir', '/x y']])` → `kubecerts ca rotate status --cert-dir '/x y'`. Words are printed as given (they are
 * kubecerts' own subcommand and argument names); flag values are quoted with `shellWord`.
 */
export const kubecertsCommand = (words: readonly string[], flags: readonly CommandFlag[] = []): string => `kubecerts ${words.join(' ')}${flagsText(flags)}`;
