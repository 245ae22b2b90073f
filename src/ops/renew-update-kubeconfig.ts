/**
 * `certs renew --update-kubeconfig FILE`: after a renewal, put the renewed credentials of admin.conf (or
 * super-admin.conf) into a copy of it elsewhere (e.g. ~/.kube/config), as `kubeconfig refresh` does.
 */
import { basename, join } from 'node:path';
import { KubeconfigError } from '../errors.js';
import { writeFileAtomic } from '../store/fs-atomic.js';
import { readFileBytes, readTextFile, replaceFile } from '../store/input-files.js';
import { planKubeconfigRefresh } from './kubeconfig-refresh.js';

/**
 * Which renewed kubeconfig (admin.conf, else super-admin.conf) FILE holds a copy of, decided before anything is
 * renewed with `kubeconfig refresh`'s identification; a KubeconfigError naming the identity FILE holds when it is
 * neither.
 */
export function updateSourceFor(file: string, kubeconfigDir: string): string {
  const candidates = ['admin.conf', 'super-admin.conf'].map((n) => join(kubeconfigDir, n));
  let first: unknown;
  for (const from of candidates) {
    try {
      planKubeconfigRefresh(readTextFile(file), file, readTextFile(from), from);
      return from;
    } catch (err) {
      if (!(err instanceof KubeconfigError) || err.code !== 'KUBECONFIG_IDENTITY') throw err;
      first ??= err;
    }
  }
  throw first;
}

export type KubeconfigUpdate =
  /** the source was not renewed in this run */
  | { readonly kind: 'not-renewed'; readonly file: string; readonly from: string }
  | { readonly kind: 'updated'; readonly file: string; readonly from: string; readonly refreshed: readonly { readonly name: string; readonly newNotAfter: string }[] };

/**
 * Updates each FILE → source of `sources` whose source is among `changed`: FILE's old copy goes into `backupDir`
 * first (0600: it holds the old private key), then FILE is replaced at its real path. Returns one entry per FILE,
 * each also passed to `done` as soon as that FILE is finished; throws what reading or writing raised.
 */
export function updateKubeconfigs(sources: ReadonlyMap<string, string>, changed: readonly string[], backupDir: string | undefined, done: (u: KubeconfigUpdate) => void): KubeconfigUpdate[] {
  const out: KubeconfigUpdate[] = [];
  let n = 0;
  for (const [file, from] of sources) {
    if (!changed.includes(from)) {
      out.push({ kind: 'not-renewed', file, from });
      done(out[out.length - 1] as KubeconfigUpdate);
      continue;
    }
    const p = planKubeconfigRefresh(readTextFile(file), file, readTextFile(from), from);
    if (p.refreshed.length > 0) {
      if (backupDir) writeFileAtomic(join(backupDir, `update-kubeconfig-${n + 1}-${basename(file)}`), readFileBytes(file), { mode: 0o600, secret: true });
      replaceFile(file, p.text, true);
    }
    n++;
    out.push({ kind: 'updated', file, from, refreshed: p.refreshed.map((u) => ({ name: u.name, newNotAfter: u.newNotAfter })) });
    done(out[out.length - 1] as KubeconfigUpdate);
  }
  return out;
}
