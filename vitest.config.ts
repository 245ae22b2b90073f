import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

export default defineConfig({
  define: { __KUBECERTS_VERSION__: JSON.stringify(version) },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    clearMocks: true,
    restoreMocks: true,
    testTimeout: 120_000,
    // a 3-node harness gives each node up to 120 s to become healthy (test/helpers/control-plane-node.ts)
    hookTimeout: 400_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
