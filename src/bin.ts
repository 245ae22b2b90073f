#!/usr/bin/env node
// Entry point, bundled on its own as CommonJS (no ES-module loader start-up): `--version` is answered before
// anything else is loaded; every other command goes through main.js, which loads the CLI framework and, per
// command, only the code that command needs.
declare const __KUBECERTS_VERSION__: string;

const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write(`${__KUBECERTS_VERSION__}\n`);
} else {
  import('./main.js').then(
    ({ runProcess }) => runProcess(argv),
    (err: unknown) => {
      process.stderr.write(`error: cannot load kubecerts: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
