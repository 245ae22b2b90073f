/** The clock port: the time now and a timer. Use cases take one instead of reading Date.now() or setTimeout. */

export interface Clock {
  now(): Date;
  /** resolves after `ms` milliseconds; rejects with the signal's reason when `signal` aborts first */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The machine's clock (global timers only, so loading it costs a command nothing). */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
