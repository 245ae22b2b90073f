/** The process signals that end a long wait (a control-plane restart) cleanly. */

/**
 * Runs `fn` with a signal that SIGINT, SIGTERM or SIGHUP aborts (a restart then puts the manifest back before the
 * process exits); returns what `fn` returns.
 */
export async function withSignalAbort<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSignal);
  try {
    return await fn(abort.signal);
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}
