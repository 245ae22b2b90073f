import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './tmp.js';

export const SEA = join(REPO, 'dist', 'kubecerts');
export const BUNDLE = join(REPO, 'dist', 'kubecerts.cjs');

/**
 * dist/kubecerts, as `npm run build:sea` made it (CI does so before `npm test`); built here by
 * `scripts/build-sea.mjs` when it is missing or was made from another dist/kubecerts.cjs than the current one
 * (dist/kubecerts.source holds the SHA-256 of the bundle it embeds).
 */
export function ensureSea(): string {
  const source = join(REPO, 'dist', 'kubecerts.source');
  const current = createHash('sha256').update(readFileSync(BUNDLE)).digest('hex');
  if (!existsSync(SEA) || !existsSync(source) || readFileSync(source, 'utf8').trim() !== current) {
    execFileSync(process.execPath, ['scripts/build-sea.mjs'], { cwd: REPO, stdio: 'ignore' });
  }
  return SEA;
}
