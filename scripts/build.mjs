// Bundles src/bin.ts into dist/ as ESM with code splitting: the X.509 library lands in a chunk that only the
// commands needing it import.
import { build } from 'esbuild';
import { rmSync, chmodSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/bin.ts'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  minify: false,
  legalComments: 'none',
  banner: { js: "import { createRequire as __kcCreateRequire } from 'node:module'; const require = __kcCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
chmodSync('dist/bin.js', 0o755);
