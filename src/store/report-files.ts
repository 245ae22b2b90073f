/** The report files `fleet report` reads: the files named and the *.json files of the folders named. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from '../errors.js';

/**
 * The files named: each FILE, and the *.json files of each folder (sorted, as `list` gives a folder's names: readdir);
 * an unreadable path is added to `bad`. Any number of names (a folder of 200,000 reports).
 */
export function expand(paths: readonly string[], bad: { file: string; error: string }[], list: (folder: string) => string[] = readdirSync): string[] {
  const files: string[] = [];
  for (const p of paths) {
    try {
      if (statSync(p).isDirectory()) {
        // join(p, f) for each of thousands of names: the folder is normalized once (a name from readdir is one
        // segment, never "." or "..", so join(p, f) is join(p, "_") with "_" replaced by f)
        const folder = join(p, '_').slice(0, -1);
        // a loop, not push(...names): a spread of 100,000+ arguments overflows the stack
        const names = list(p).filter((name) => name.endsWith('.json')).sort();
        // a folder with no report (one site's collection broke) must not pass as a healthy part of the fleet
        if (names.length === 0) bad.push({ file: p, error: 'no check-expiration report found (no *.json file)' });
        for (const f of names) files.push(folder + f);
      } else files.push(p);
    } catch (err) {
      bad.push({ file: p, error: describe(err) });
    }
  }
  return files;
}
