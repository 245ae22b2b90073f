/**
 * Main script of the single executable (scripts/build-sea.mjs). The executable carries dist/main.cjs, its V8 code
 * cache (made by the same Node.js at build time) and the library bundles x509.cjs, table.cjs and yaml.cjs as assets, so it
 * starts like the npm install does: main.cjs compiled from the warm cache, the large libraries compiled only by the
 * commands that use them. A single executable can require only Node.js's built-in modules; main.cjs's requires of
 * ./x509.cjs, ./table.cjs and ./yaml.cjs are answered from the assets.
 */
import { wrap } from 'node:module';
import { getAsset } from 'node:sea';
import { Script } from 'node:vm';
import { versionText } from './lib/version.js';

type Main = typeof import('./main.js');
const loaded = new Map<string, unknown>();

/** Runs the CommonJS asset `name` (with `cache` as V8 code cache when given) and returns its exports. */
function load(name: string, cache?: string): unknown {
  const done = loaded.get(name);
  if (done) return done;
  const cachedData = cache ? Buffer.from(getAsset(cache)) : undefined;
  // kubecerts/dist/<name>: the name the build compiled main.cjs's code cache under (see src/bin.ts)
  const script = new Script(wrap(getAsset(name, 'utf8')), { filename: `kubecerts/dist/${name}`, ...(cachedData ? { cachedData } : {}) });
  const mod = { exports: {} as unknown };
  const req = (id: string): unknown => (id.startsWith('./') ? load(id.slice(2)) : require(id));
  (script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, req, mod, name, '.');
  if (process.env['KUBECERTS_DEBUG_CACHE']) process.stderr.write(`${name}: code cache ${cachedData ? (script.cachedDataRejected ? 'rejected' : 'used') : 'none'}\n`);
  loaded.set(name, mod.exports);
  return mod.exports;
}

const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') process.stdout.write(versionText(process.version));
else void (load('main.cjs', 'main.cjs.cache') as Main).runProcess(argv);
