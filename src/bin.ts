#!/usr/bin/env node
import { processIo } from './cli/io.js';
import { run } from './main.js';

const io = processIo();
// EPIPE (e.g. `| head`) is not an error worth a stack trace
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});
run(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: unexpected failure: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
