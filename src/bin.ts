#!/usr/bin/env node
// Entry point, bundled on its own: `--version` is answered before anything else is loaded; every other command
// goes through the main bundle (main.cjs), which loads the CLI framework and, per command, only the code that
// command needs. main.cjs is compiled with the V8 code cache the build stored beside it (main.cjs.cache); V8
// rejects a cache made by another V8 version or for other source, and then simply compiles as usual.
import { readFileSync, writeSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

declare const __KUBECERTS_VERSION__: string;

type Main = typeof import('./main.js');

function loadMain(): Main {
  const file = join(__dirname, 'main.cjs');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    // no cache: compile normally
  }
  const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const mod = { exports: {} as Main };
  (script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  return mod.exports;
}

const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  // write(2) directly, so a failed write (/dev/full, a closed pipe) is exit 1 like every other command's stdout
  try {
    writeSync(1, `${__KUBECERTS_VERSION__}\n`);
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
