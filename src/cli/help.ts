/** Shared help sections: every command ends with EXAMPLES and EXIT CODES. */
export const EXIT_CODES: readonly (readonly [number, string])[] = [
  [0, 'success (check-expiration: also when certificates have expired, as kubeadm)'],
  [1, 'the operation failed: unreadable or invalid file, signing or write failure'],
  [2, 'usage error: unknown command, flag, certificate name or bad flag value'],
  [3, 'check-expiration --fail-within: a certificate or CA expires within the window (or has expired)'],
  [4, 'another kubecerts process holds the PKI lock (renew); try again later'],
  [5, 'control-plane status: a component needs action (restart needed, down, manifest missing, unknown, or a problem found)'],
];

/**
 * The EXAMPLES and EXIT CODES sections of a command's help. `codes` lists the exit codes the command uses: a number
 * takes the shared wording above, a [code, text] pair the command's own.
 */
export function helpFooter(examples: readonly string[], codes: readonly (number | readonly [number, string])[] = [0, 1, 2]): string {
  const ex = examples.map((e) => `  ${e}`).join('\n');
  const ec = codes
    .map((c) => (typeof c === 'number' ? EXIT_CODES.find(([n]) => n === c) : c))
    .filter((c): c is readonly [number, string] => c !== undefined)
    .map(([c, text]) => `  ${c}  ${text}`)
    .join('\n');
  return `\nEXAMPLES\n${ex}\n\nEXIT CODES\n${ec}\n`;
}
