/**
 * In-place edits of a kubeconfig's text: each changed base64 value is replaced where it stands, so every byte
 * kubecerts does not change (other users, comments, key order, quoting) stays as it was.
 */

/**
 * The kubeconfig text with each `before[i]` value replaced by `after[i]`. Undefined when a value cannot be replaced
 * unambiguously (absent, or present more than once); the caller then writes the re-serialized document.
 */
export function replaceValues(text: string, before: readonly unknown[], after: readonly unknown[]): string | undefined {
  let out = text;
  for (let i = 0; i < before.length; i++) {
    const b = before[i];
    const a = after[i];
    if (b === a) continue;
    if (typeof b !== 'string' || typeof a !== 'string' || !/^[A-Za-z0-9+/=]{16,}$/.test(b)) return undefined;
    const at = out.indexOf(b);
    if (at < 0 || out.indexOf(b, at + 1) >= 0) return undefined;
    // the whole scalar must be the value: bounded by the line's start of value and its end
    const end = at + b.length;
    if (/[A-Za-z0-9+/=]/.test(out[at - 1] ?? '') || /[A-Za-z0-9+/=]/.test(out[end] ?? '')) return undefined;
    out = out.slice(0, at) + a + out.slice(end);
  }
  return out;
}
