/** The process boundary handed to every command, so tests can inject streams, environment and clock. */
export interface OutStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

export interface Io {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
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
  return { stdout: process.stdout, stderr, env: process.env, now: () => new Date() };
}

export const line = (stream: OutStream) => (text: string): void => {
  stream.write(`${text}\n`);
};
