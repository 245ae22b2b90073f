/**
 * Entry of the self-contained bundle dist/kubecerts.cjs (and of the single executable built from it): the whole CLI
 * and its libraries in one file, so it runs with any Node.js >= 20 and without node_modules. `--version` is answered
 * before the CLI is initialised.
 */
import { runProcess } from './main.js';
import { versionText } from './lib/version.js';

const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') process.stdout.write(versionText(process.version));
else void runProcess(argv);
