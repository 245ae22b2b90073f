// `npm run build` writes everything the npm package and the tests use into dist/:
// - dist/bin.cjs: a tiny entry that answers --version without loading anything else;
// - dist/main.cjs: the CLI with commander, js-yaml and chalk (CommonJS: no ES-module loader at start-up, measurably
//   faster here). Each command's code is initialised only when the command runs;
// - dist/x509.cjs (@peculiar/x509 with reflect-metadata), dist/table.cjs (cli-table3), dist/yaml.cjs (yaml's
//   document API) and dist/etcd3.cjs (etcd3 with grpc-js): the large libraries only the commands that sign, draw
//   tables, edit the kubelet's config or take the agent's etcd lock load, kept out of main.cjs so check-expiration
//   does not compile them.
//   main.cjs requires them from beside itself, so the installed package needs no node_modules at all;
// - dist/main.cjs.<source hash>.<node version>-<arch>.cache: a V8 code cache of main.cjs taken after a warm-up
//   check-expiration on a scratch PKI. bin.cjs reads only the cache whose name matches main.cjs's content and the
//   running Node.js (V8's own check covers only its version, its flags and the source's length);
// - dist/kubecerts.cjs: the whole CLI in one file for any Node.js >= 20, without node_modules;
// - dist/sea.cjs: the main script of the single executable, which carries main.cjs, its code cache and the library
//   bundles as assets (scripts/build-sea.mjs);
// - dist/kubecerts.1: the man page, generated from the commands' --help text (src/cli/man.ts).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Script } from 'node:vm';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

/** The commit the build is made from: KUBECERTS_COMMIT, else git's short hash (+"-dirty" for local changes), else "unknown". */
function commit() {
  if (process.env.KUBECERTS_COMMIT) return process.env.KUBECERTS_COMMIT;
  try {
    const git = (...args) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', '--short=12', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === '' ? head : `${head}-dirty`;
  } catch {
    return 'unknown';
  }
}

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: process.env.KUBECERTS_BUILD_MINIFY !== '0',
  legalComments: 'none',
  logLevel: 'warning',
  define: { __KUBECERTS_VERSION__: JSON.stringify(version), __KUBECERTS_COMMIT__: JSON.stringify(commit()) },
};

/** esbuild plugin: the large libraries become requires of their own bundles beside main.cjs. */
const besideMain = {
  name: 'beside-main',
  setup(b) {
    b.onResolve({ filter: /^(@peculiar\/x509|reflect-metadata)$/ }, () => ({ path: './x509.cjs', external: true }));
    b.onResolve({ filter: /^cli-table3$/ }, () => ({ path: './table.cjs', external: true }));
    b.onResolve({ filter: /^yaml$/ }, () => ({ path: './yaml.cjs', external: true }));
    b.onResolve({ filter: /^etcd3$/ }, () => ({ path: './etcd3.cjs', external: true }));
  },
};

/**
 * esbuild plugin: builtins that only rarely used code needs are required on first use instead of at start-up.
 * commander requires node:child_process (for external subcommands, which kubecerts has none of) and src/pki/ip.ts
 * node:net (for isIP); together they pull in about twenty more internal modules (net, stream, dgram, ...) that
 * check-expiration never uses. node:tty (for isatty, read only by output that colours) and node:fs/promises (for
 * the batch fsync of many files) likewise. Each becomes a module of getters that require the real one when read.
 */
/**
 * esbuild plugin: etcd3 reads its gRPC service definitions from proto/rpc.proto beside its own files at load time,
 * which a bundle (and the single executable) does not have. The definitions are parsed here, at build time, with the
 * same protobufjs and options, and embedded as JSON for @grpc/proto-loader's fromJSON.
 */
const etcd3Protos = {
  name: 'etcd3-protos',
  setup(b) {
    b.onLoad({ filter: /etcd3[\\/]lib[\\/]connection-pool\.js$/ }, async (args) => {
      const require = createRequire(args.path);
      const protobuf = require('protobufjs');
      const root = new protobuf.Root();
      root.resolvePath = (_origin, target) => resolve(dirname(args.path), '..', 'proto', target);
      root.loadSync('rpc.proto', { keepCase: true });
      const source = readFileSync(args.path, 'utf8');
      const call = /\(0, proto_loader_1\.loadSync\)\(`\$\{__dirname\}\/\.\.\/proto\/rpc\.proto`, /;
      if (!call.test(source)) throw new Error('etcd3: the proto loading call changed; update scripts/build.mjs');
      return { contents: source.replace(call, `(0, proto_loader_1.fromJSON)(${JSON.stringify(root.toJSON())}, `), loader: 'js' };
    });
  },
};

const LAZY_BUILTINS = ['node:child_process', 'node:net', 'node:tty', 'node:fs/promises'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(${LAZY_BUILTINS.join('|')})$`);
    b.onResolve({ filter }, (args) => (args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy-builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => {
      const names = Object.keys(await import(args.path)).filter((k) => k !== 'default');
      const getters = names.map((k) => `Object.defineProperty(exports, ${JSON.stringify(k)}, { enumerable: true, get: () => load()[${JSON.stringify(k)}] });`);
      return {
        contents: `let real; const load = () => (real ??= require(${JSON.stringify(args.path)}));\n${getters.join('\n')}`,
        loader: 'js',
      };
    });
  },
};

// a fresh dist/, except the single executable (scripts/build-sea.mjs), which records the bundle it was made from
// (dist/kubecerts.source) so that the tests rebuild it only when the bundle changed
const SEA_FILES = new Set(['kubecerts', 'kubecerts.sha256', 'kubecerts.source']);
for (const f of existsSync('dist') ? readdirSync('dist') : []) if (!SEA_FILES.has(f)) rmSync(join('dist', f), { recursive: true, force: true });
await Promise.all([
  build({ ...common, entryPoints: ['src/main.ts'], outfile: 'dist/main.cjs', plugins: [besideMain, lazyBuiltins] }),
  build({ ...common, stdin: { contents: "import 'reflect-metadata'; export * from '@peculiar/x509';", resolveDir: '.', loader: 'js' }, outfile: 'dist/x509.cjs' }),
  build({ ...common, stdin: { contents: "module.exports = require('cli-table3');", resolveDir: '.', loader: 'js' }, outfile: 'dist/table.cjs' }),
  build({ ...common, stdin: { contents: "module.exports = require('yaml');", resolveDir: '.', loader: 'js' }, outfile: 'dist/yaml.cjs' }),
  build({ ...common, stdin: { contents: "module.exports = require('etcd3');", resolveDir: '.', loader: 'js' }, outfile: 'dist/etcd3.cjs', plugins: [etcd3Protos] }),
  build({ ...common, entryPoints: ['src/bin.ts'], outfile: 'dist/bin.cjs', external: ['./main.cjs'] }),
  build({ ...common, entryPoints: ['src/standalone.ts'], outfile: 'dist/kubecerts.cjs', banner: { js: '#!/usr/bin/env node' }, plugins: [lazyBuiltins, etcd3Protos] }),
  build({ ...common, entryPoints: ['src/sea.ts'], outfile: 'dist/sea.cjs' }),
]);
// dist/bin.cjs decodes main.cjs as latin1 (src/bin.ts): exact only for ASCII, which esbuild's default charset gives
if (/[^\x00-\x7f]/.test(readFileSync('dist/main.cjs', 'latin1'))) throw new Error('dist/main.cjs is not ASCII-only: src/bin.ts decodes it as latin1');
chmodSync('dist/bin.cjs', 0o755);
chmodSync('dist/kubecerts.cjs', 0o755);

// the man page, from the help text of the program the bundle builds
const man = await build({ ...common, entryPoints: ['src/cli/man-entry.ts'], write: false, minify: false });
const manModule = { exports: {} };
new Function('module', 'exports', 'require', man.outputFiles[0].text)(manModule, manModule.exports, createRequire(resolve('package.json')));
writeFileSync('dist/kubecerts.1', manModule.exports.default(new Date(Number(process.env.SOURCE_DATE_EPOCH ?? Date.now() / 1000) * 1000)));

const scratch = mkdtempSync(join(tmpdir(), 'kubecerts-build-'));
try {
  execFileSync(process.execPath, ['dist/bin.cjs', 'init', '--cert-dir', join(scratch, 'pki'), '--kubeconfig-dir', scratch, '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'build', '--encryption-algorithm', 'ECDSA-P256'], { stdio: 'ignore' });
  const file = resolve('dist/main.cjs');
  // a name without the build machine's path: V8 keeps it for cached functions in stack traces (src/bin.ts)
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: 'kubecerts/dist/main.cjs' });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  const quiet = { write: () => true };
  await mod.exports.run(['certs', 'check-expiration', '--cert-dir', join(scratch, 'pki'), '--kubeconfig-dir', scratch], { stdout: quiet, stderr: quiet, env: {}, now: () => new Date() });
  // the name src/bin.ts looks for: source hash, Node.js version and architecture
  const source = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
  writeFileSync(`${file}.${source}.${process.version}-${process.arch}.cache`, script.createCachedData());
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
