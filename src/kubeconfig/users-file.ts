/** `kubeconfig user --from-file`: a YAML list of {name, orgs, validity}, with line numbers for errors. Pure. */
import * as yaml from 'js-yaml';
import { parseDuration } from '../lib/duration.js';
import { UsageError } from '../errors.js';

export interface UserEntry {
  readonly name: string;
  readonly orgs: readonly string[];
  readonly validityMs?: number;
  readonly line: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Line numbers (1-based) of the items of the outermost block list in `text`. */
function itemLines(text: string): number[] {
  const lines = text.split('\n');
  const items = lines.map((l, i) => ({ i, m: /^(\s*)- /.exec(l) })).filter((x) => x.m);
  if (items.length === 0) return [];
  // a loop, not Math.min(...spread): a spread of 100,000+ arguments overflows the stack
  let indent = Infinity;
  for (const x of items) indent = Math.min(indent, (x.m?.[1] ?? '').length);
  return items.filter((x) => (x.m?.[1] ?? '').length === indent).map((x) => x.i + 1);
}

export function parseUsersFile(text: string, path: string): UserEntry[] {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    throw new UsageError(`invalid users file "${path}": ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  }
  const list = isObj(doc) ? doc['users'] : doc;
  if (!Array.isArray(list) || list.length === 0) {
    throw new UsageError(`invalid users file "${path}": expected a non-empty list of users (or a "users:" list)`);
  }
  const lines = itemLines(text);
  const seen = new Set<string>();
  return list.map((item, idx) => {
    const at = `${path}:${lines[idx] ?? idx + 1}`;
    const fail = (why: string): never => {
      throw new UsageError(`invalid users file entry at ${at}: ${why}`);
    };
    if (!isObj(item)) return fail('an entry must be a mapping with a name');
    const name = item['name'];
    if (typeof name !== 'string' || name.trim() === '') return fail('"name" must be a non-empty string');
    if (seen.has(name)) return fail(`duplicate name "${name}"`);
    seen.add(name);
    const rawOrgs = item['orgs'] ?? [];
    const orgs = typeof rawOrgs === 'string' ? [rawOrgs] : rawOrgs;
    if (!Array.isArray(orgs) || orgs.some((o) => typeof o !== 'string' || o === '')) return fail('"orgs" must be a list of non-empty strings');
    let validityMs: number | undefined;
    if (item['validity'] !== undefined) {
      validityMs = typeof item['validity'] === 'string' ? parseDuration(item['validity']) : undefined;
      if (validityMs === undefined || validityMs <= 0) return fail(`"validity" must be a positive duration such as 24h or 30d`);
    }
    return { name, orgs: orgs as string[], ...(validityMs !== undefined ? { validityMs } : {}), line: lines[idx] ?? idx + 1 };
  });
}
