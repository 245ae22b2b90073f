#!/usr/bin/env node
// Entry point, bundled on its own: `--version` is answered before anything else is loaded; every other command
// goes through the main bundle (main.cjs), which loads the CLI framework and, per command, only the code that
// command needs. main.cjs is compiled with the V8 code cache the build stored beside it for this Node.js version and
// architecture (main.cjs.<version>-<arch>.cache, read only when the name matches); V8 itself checks the cache's V8
// version, source hash and V8 flags, rejects one that does not match, and then simply compiles as usual.
import { readFileSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { versionText } from './version.js';

type Main = typeof import('./main.js');

function loadMain(): Main {
  const file = join(__dirname, 'main.cjs');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(`${file}.${process.version}-${process.arch}.cache`);
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
  process.stdout.write(versionText());
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
