/**
 * Strict UTF-8 decoding of the text files kubecerts reads (kubeconfigs, PEM files, users files, configs), so the
 * bytes it does not change are written back unchanged and no invalid byte silently becomes U+FFFD. Pure.
 */
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The 1-based line of the first byte sequence in `buf` that is not valid UTF-8, or undefined when all is valid. */
export function invalidUtf8Line(buf: Uint8Array): number | undefined {
  let start = 0;
  let line = 1;
  while (start <= buf.length) {
    let end = buf.indexOf(0x0a, start);
    if (end < 0) end = buf.length;
    try {
      decoder.decode(buf.subarray(start, end));
    } catch {
      return line;
    }
    start = end + 1;
    line++;
  }
  return undefined;
}

/**
 * Decodes `buf` as UTF-8. Throws what `fail` returns, given a reason such as "invalid UTF-8 on line 3", when a byte
 * sequence is not valid UTF-8.
 */
export function decodeUtf8(buf: Uint8Array, fail: (reason: string) => Error): string {
  try {
    return decoder.decode(buf);
  } catch {
    throw fail(`invalid UTF-8 on line ${invalidUtf8Line(buf) ?? 1}`);
  }
}
