/** The process boundary handed to every command, so tests can inject streams, environment and clock. */
import { fstatSync, writeSync, type Stats } from 'node:fs';
import { isatty } from 'node:tty';
import { errnoText, KubecertsError, type OutputCode } from '../errors.js';
import { systemClock, type Clock } from '../lib/clock.js';

export interface OutStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

export interface Io {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  /** the timer that goes with `now` (restart polling, the agent's loop); the machine's when absent */
  readonly sleep?: Clock['sleep'];
  /** fstat of standard output, when it can be had (to warn when a private key goes to a file others can read) */
  readonly stdoutStat?: () => Stats | undefined;
}

/** A failed write to standard output (full disk, /dev/full, closed pipe): exit 1 with one line. */
export class StdoutError extends KubecertsError<OutputCode> {
  constructor(cause: unknown) {
    super('STDOUT', `cannot write to standard output: ${errnoText(cause)}`, { cause });
  }
}

const SCRATCH_BYTES = 1 << 20;

/**
 * Standard output written with write(2) on fd 1, synchronously, so a failure (ENOSPC, EPIPE, EBADF) is thrown at
 * the write as StdoutError instead of being lost in a stream 'error' event after the exit code was decided.
 */
export function fdStream(fd: number, makeError: (err: unknown) => Error): OutStream {
  let tty: boolean | undefined;
  let scratch: Buffer | undefined;
  return {
    // asked only by output that colours or draws progress: node:tty is loaded then, not at start-up
    get isTTY() {
      return (tty ??= isatty(fd));
    },
    write(chunk: string): boolean {
      // a large chunk that surely fits (3 bytes per UTF-16 unit at most) is encoded into one buffer kept across
      // writes: a command writing tens of MB in blocks (fleet report) then does not allocate a buffer per block, whose
      // external memory made the garbage collector run more often (small chunks come from Node's shared pool)
      let buf: Buffer;
      if (chunk.length >= 4096 && chunk.length * 3 <= SCRATCH_BYTES) {
        scratch ??= Buffer.allocUnsafeSlow(SCRATCH_BYTES);
        buf = scratch.subarray(0, scratch.write(chunk, 0, 'utf8'));
      } else buf = Buffer.from(chunk, 'utf8');
      let off = 0;
      while (off < buf.length) {
        try {
          off += writeSync(fd, buf, off, buf.length - off);
        } catch (err) {
          // a non-blocking pipe that is full: wait a little and try again
          if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
            continue;
          }
          throw makeError(err);
        }
      }
      return true;
    },
  };
}

export function processIo(): Io {
  // process.stderr is opened on first write: a pipe or terminal stream loads node:net, which a run that writes
  // nothing to stderr never needs
  const stderr: OutStream = {
    write: (chunk: string) => process.stderr.write(chunk),
    get isTTY() {
      return process.stderr.isTTY;
    },
  };
  return {
    stdout: fdStream(1, (err) => new StdoutError(err)),
    stderr,
    env: process.env,
    now: systemClock.now,
    sleep: systemClock.sleep,
    stdoutStat: () => {
      try {
        return fstatSync(1);
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * Warns through `warn` when standard output is a regular file other users can read (`> alice.conf` under umask 022
 * makes a 0644 file) and what is about to be written there is secret: `what` says why, e.g. "this kubeconfig holds
 * a private key"; `advice` what to do. Every command that prints a private key or another secret calls it before writing.
 */
export function warnExposedStdout(io: Io, warn: (l: string) => void, what: string, advice = 'chmod 600 it, or use --out'): void {
  const st = io.stdoutStat?.();
  if (st && st.isFile() && (st.mode & 0o044) !== 0) {
    warn(`WARNING: standard output is a file readable by other users (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}) and ${what}: ${advice}`);
  }
}

/** The command's clock: `io.now` and `io.sleep` (the machine's timer when the Io has none). */
export const clockOf = (io: Io): Clock => ({ now: () => io.now(), sleep: io.sleep ?? systemClock.sleep });

export const line = (stream: OutStream) => (text: string): void => {
  stream.write(`${text}\n`);
};
