// Two bundles: dist/main.js (+ dist/chunks/) is the CLI, split so the X.509 library and each command load only
// when used; dist/bin.cjs is a tiny CommonJS entry that answers --version without loading the rest.
import { build } from 'esbuild';
import { chmodSync, readFileSync, rmSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: process.env.KUBECERTS_BUILD_MINIFY !== "0",
  legalComments: 'none',
  logLevel: 'warning',
  define: { __KUBECERTS_VERSION__: JSON.stringify(version) },
};

rmSync('dist', { recursive: true, force: true });
await build({
  ...common,
  entryPoints: ['src/main.ts'],
  splitting: true,
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  // commander (CommonJS) requires node built-ins, which ESM output can only do through createRequire
  banner: { js: "import { createRequire as __kcCreateRequire } from 'node:module'; const require = __kcCreateRequire(import.meta.url);" },
});
await build({ ...common, format: 'cjs', entryPoints: ['src/bin.ts'], outfile: 'dist/bin.cjs', external: ['./main.js'] });
chmodSync('dist/bin.cjs', 0o755);
