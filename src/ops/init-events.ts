/** What `init phase certs|kubeconfig` tell as they go: typed events (kubeadm's `[certs]`/`[kubeconfig]` lines). */
import type { RunConfig } from '../config/types.js';
import type { Fs } from '../store/fs.js';
import type { Warner } from './events.js';

export type InitEvent =
  /** the parent phase of `all`: the folder it works in */
  | { readonly kind: 'cert-dir'; readonly dir: string }
  | { readonly kind: 'kubeconfig-dir'; readonly dir: string }
  | { readonly kind: 'external-etcd-skip'; readonly baseName: string; readonly ca: boolean }
  | { readonly kind: 'ca-existing'; readonly baseName: string; readonly keyless: boolean }
  | { readonly kind: 'generating'; readonly baseName: string }
  | { readonly kind: 'leaf-existing'; readonly baseName: string }
  | { readonly kind: 'reissuing'; readonly baseName: string; readonly reason: string }
  | { readonly kind: 'signed-for'; readonly baseName: string; readonly dns: readonly string[]; readonly ips: readonly string[] }
  | { readonly kind: 'sa-keyless' }
  | { readonly kind: 'sa-existing'; readonly baseName: string }
  | { readonly kind: 'sa-generating'; readonly baseName: string }
  | { readonly kind: 'kubeconfig-external'; readonly fileName: string }
  | { readonly kind: 'kubeconfig-existing'; readonly path: string }
  | { readonly kind: 'kubeconfig-writing'; readonly fileName: string }
  /** --reissue: the replaced files were copied here (before the commit) */
  | { readonly kind: 'backup'; readonly dir: string };

export interface InitContext {
  readonly cfg: RunConfig;
  readonly start: Date;
  /** where existing files are read and new ones planned (a Workspace; an in-memory Fs in tests) */
  readonly ws: Fs;
  readonly emit: (event: InitEvent) => void;
  readonly warner: Warner;
  /** --reissue: re-sign an existing leaf that no longer fits the config (SANs, expiry) with its own key instead of failing */
  readonly reissue?: boolean;
}
