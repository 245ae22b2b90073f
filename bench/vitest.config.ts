// Benchmarks that need the TypeScript test harness (a simulated control-plane node) run under vitest with this
// config; they are not part of `npm test`. Usage: npm run bench:control-plane
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

export default defineConfig({
  define: { __KUBECERTS_VERSION__: JSON.stringify(version) },
  test: { include: ['bench/**/*.bench-run.ts'], testTimeout: 300_000, hookTimeout: 120_000, pool: 'forks', maxWorkers: 1 },
});
