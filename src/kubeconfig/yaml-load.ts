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

export function loadYaml(text: string): unknown {
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
