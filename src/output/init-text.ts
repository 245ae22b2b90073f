/** kubeadm's `[certs]` and `[kubeconfig]` lines for init's events, and the dry-run listing. Pure. */
import type { InitEvent } from '../ops/init-events.js';

/** One event as kubeadm's line (no newline); `backup` is kubecerts' own (stderr). */
export function initLine(e: InitEvent): string {
  switch (e.kind) {
    case 'cert-dir':
      return `[certs] Using certificateDir folder "${e.dir}"`;
    case 'kubeconfig-dir':
      return `[kubeconfig] Using kubeconfig folder "${e.dir}"`;
    case 'external-etcd-skip':
      return `[certs] External etcd mode: Skipping ${e.baseName} ${e.ca ? 'certificate authority' : 'certificate'} generation`;
    case 'ca-existing':
      return `[certs] Using existing ${e.baseName} ${e.keyless ? 'keyless ' : ''}certificate authority`;
    case 'generating':
      return `[certs] Generating "${e.baseName}" certificate and key`;
    case 'leaf-existing':
      return `[certs] Using existing ${e.baseName} certificate and key on disk`;
    case 'reissuing':
      return `[certs] Reissuing "${e.baseName}" certificate with its existing key: ${e.reason}`;
    case 'signed-for':
      return `[certs] ${e.baseName} serving cert is signed for DNS names [${e.dns.join(' ')}] and IPs [${e.ips.join(' ')}]`;
    case 'sa-keyless':
      return '[certs] Using existing sa keys';
    case 'sa-existing':
      return `[certs] Using the existing "${e.baseName}" key`;
    case 'sa-generating':
      return `[certs] Generating "${e.baseName}" key and public key`;
    case 'kubeconfig-external':
      return `[kubeconfig] External CA mode: Using user provided ${e.fileName}`;
    case 'kubeconfig-existing':
      return `[kubeconfig] Using existing kubeconfig file: "${e.path}"`;
    case 'kubeconfig-writing':
      return `[kubeconfig] Writing "${e.fileName}" kubeconfig file`;
    case 'backup':
      return `backup of the replaced files: ${e.dir}`;
  }
}

/** The `--dry-run` listing: one line per planned write, then kubeadm's closing line. */
export function initDryRunLines(planned: readonly { readonly path: string; readonly mode: number }[]): string[] {
  return [...planned.map((w) => `[dryrun] Would write file "${w.path}" with mode ${w.mode.toString(8).padStart(4, '0')}`), '[dryrun] Nothing was written'];
}
