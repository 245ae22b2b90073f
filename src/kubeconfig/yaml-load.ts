/**
 * js-yaml's load, faster for kubeconfigs: long base64 runs (the embedded certificates and keys) are swapped for
 * short tokens before parsing and put back afterwards, so the scanner does not walk every character of them.
 * A token is letters and digits only, like the run it replaces, so the document's structure is unchanged; equal
 * runs get equal tokens. Text that already contains the token prefix is parsed as it is. Pure.
 */
import * as yaml from 'js-yaml';

const LONG_BASE64 = /[A-Za-z0-9+/]{256,}={0,2}/g;
const PREFIX = 'kcblobz';
const TOKEN = /kcblobz(\d+)q/g;

function restore(value: unknown, blobs: readonly string[], seen: Set<object>): unknown {
  if (typeof value === 'string') return value.includes(PREFIX) ? value.replace(TOKEN, (_m, i: string) => blobs[Number(i)] ?? _m) : value;
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restore(value[i], blobs, seen);
    return value;
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const v = restore(obj[key], blobs, seen);
    const k = restore(key, blobs, seen) as string;
    if (k !== key) delete obj[key];
    obj[k] = v;
  }
  return value;
}

const NOT_PLAIN = Symbol('not plain');

/**
 * A deep copy of a parsed document made of plain objects, arrays, Dates and primitives, each object reached once;
 * NOT_PLAIN for anything else (an alias, a `__proto__` key, another class), which is then not remembered.
 */
function copyPlain(v: unknown, seen: Set<object>): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (seen.has(v)) return NOT_PLAIN;
  seen.add(v);
  if (v instanceof Date) return new Date(v.getTime());
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const c = copyPlain(x, seen);
      if (c === NOT_PLAIN) return NOT_PLAIN;
      out.push(c);
    }
    return out;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const c = copyPlain(x, seen);
    if (c === NOT_PLAIN || k === '__proto__') return NOT_PLAIN;
    out[k] = c;
  }
  return out;
}

/**
 * The last few documents parsed, by text, kept as private copies: check-expiration reads each kubeconfig twice (for
 * its row and for the key check), and parsing is most of reading one. Every caller gets its own copy to change.
 */
const recent = new Map<string, unknown>();

export function loadYaml(text: string): unknown {
  const known = recent.get(text);
  if (known !== undefined) return copyPlain(known, new Set());
  const doc = parseYaml(text);
  const kept = copyPlain(doc, new Set());
  if (kept !== NOT_PLAIN && kept !== undefined) {
    if (recent.size >= 8) recent.delete(recent.keys().next().value as string);
    recent.set(text, kept);
  }
  return doc;
}

function parseYaml(text: string): unknown {
  if (text.includes(PREFIX)) return yaml.load(text);
  const blobs: string[] = [];
  const index = new Map<string, number>();
  const shrunk = text.replace(LONG_BASE64, (run) => {
    // an all-digit run would be a number in YAML; leave anything unusual alone
    if (!/[A-Za-z]/.test(run)) return run;
    let i = index.get(run);
    if (i === undefined) {
      i = blobs.push(run) - 1;
      index.set(run, i);
    }
    return `${PREFIX}${i}q`;
  });
  if (blobs.length === 0) return yaml.load(text);
  return restore(yaml.load(shrunk), blobs, new Set());
}
