import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './tmp.js';

export const SEA = join(REPO, 'dist', 'kubecerts');
export const BUNDLE = join(REPO, 'dist', 'kubecerts.cjs');

/**
 * dist/kubecerts, built by `scripts/build-sea.mjs` from the current dist/kubecerts.cjs when it is missing or older
 * (`npm test` runs `npm run build`, which replaces dist/; CI runs `npm run build:sea` first).
 */
export function ensureSea(): string {
  if (!existsSync(SEA) || statSync(SEA).mtimeMs < statSync(BUNDLE).mtimeMs) {
    execFileSync(process.execPath, ['scripts/build-sea.mjs'], { cwd: REPO, stdio: 'ignore' });
  }
  return SEA;
}
