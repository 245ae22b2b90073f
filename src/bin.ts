#!/usr/bin/env node
// Entry point, bundled on its own: `--version` is answered before anything else is loaded; every other command
// goes through the main bundle (main.cjs), which loads the CLI framework and, per command, only the code that
// command needs. main.cjs is compiled with the V8 code cache the build stored beside it,
// main.cjs.<sha256 of main.cjs's bytes, 16 hex>.<Node.js version>-<arch>.cache, read only when all three match: V8 itself
// checks only its own version, its flags and the source's length (a main.cjs changed but of the same length would run
// stale compiled code). A cache V8 rejects (e.g. other V8 flags from NODE_OPTIONS) is ignored and main.cjs compiled
// as usual.
import { readFileSync, writeSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { versionText } from './lib/version.js';

type Main = typeof import('./main.js');

/** The name of the code cache for `source` (the bytes of `file`) under the running Node.js. */
function cacheFile(file: string, source: Buffer): string {
  // required here, not imported, so that --version does not load node:crypto
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  return `${file}.${createHash('sha256').update(source).digest('hex').slice(0, 16)}.${process.version}-${process.arch}.cache`;
}

function loadMain(): Main {
  const file = join(__dirname, 'main.cjs');
  const bytes = readFileSync(file);
  // hashed as read: the text is not encoded back to UTF-8 for the hash. The build keeps main.cjs ASCII-only (esbuild's
  // default charset escapes everything else; scripts/build.mjs checks it), so latin1 decodes it exactly, and about
  // six times faster than UTF-8 for its 440 KB
  const source = bytes.toString('latin1');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile(file, bytes));
  } catch {
    // no cache for this source and Node.js: compile normally
  }
  // the name the build compiled the cache under: V8 keeps that name for cached functions in stack traces, so it is
  // the same everywhere rather than the build machine's path
  const script = new Script(wrap(source), { filename: 'kubecerts/dist/main.cjs', ...(cachedData ? { cachedData } : {}) });
  const mod = { exports: {} as Main };
  (script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  return mod.exports;
}

const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  // write(2) directly, so a failed write (/dev/full, a closed pipe) is exit 1 like every other command's stdout
  try {
    writeSync(1, versionText(process.version));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const why = ({ ENOSPC: 'no space left on device', EPIPE: 'broken pipe', EBADF: 'bad file descriptor' } as Record<string, string>)[code] ?? code;
    process.stderr.write(`error: cannot write to standard output: ${why}\n`);
    process.exitCode = 1;
  }
} else {
  let main: Main;
  try {
    main = loadMain();
  } catch (err) {
    process.stderr.write(`error: cannot load kubecerts: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  void main.runProcess(argv);
}
