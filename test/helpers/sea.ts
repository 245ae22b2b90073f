import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './tmp.js';

export const SEA = join(REPO, 'dist', 'kubecerts');
export const BUNDLE = join(REPO, 'dist', 'kubecerts.cjs');

/** The files the single executable embeds, in the order scripts/build-sea.mjs hashes them into dist/kubecerts.source. */
function embedded(): string[] {
  const dist = join(REPO, 'dist');
  const cache = readdirSync(dist).find((f) => f.startsWith('main.cjs.') && f.endsWith(`.${process.version}-${process.arch}.cache`));
  return ['sea.cjs', 'main.cjs', cache ?? 'missing code cache', 'x509.cjs', 'table.cjs', 'yaml.cjs'].map((f) => join(dist, f));
}

/**
 * dist/kubecerts, as `npm run build:sea` made it (CI does so before `npm test`); built here by
 * `scripts/build-sea.mjs` when it is missing or embeds other files than the current dist/ has
 * (dist/kubecerts.source holds the SHA-256 of what it embeds).
 */
export function ensureSea(): string {
  const source = join(REPO, 'dist', 'kubecerts.source');
  const hash = createHash('sha256');
  for (const f of embedded()) hash.update(readFileSync(f));
  if (!existsSync(SEA) || !existsSync(source) || readFileSync(source, 'utf8').trim() !== hash.digest('hex')) {
    execFileSync(process.execPath, ['scripts/build-sea.mjs'], { cwd: REPO, stdio: 'ignore' });
  }
  return SEA;
}
