/** Option builders shared by several commands, spelled as kubeadm spells them. */
import { Option } from 'commander';
import { ENCRYPTION_ALGORITHMS } from '../config/types.js';
import { UsageError } from '../errors.js';

export const certDirOption = (): Option =>
  new Option('--cert-dir <dir>', 'folder of the certificates and keys (default: certificatesDir from --config, else "/etc/kubernetes/pki")');
export const kubeconfigDirOption = (): Option =>
  new Option('--kubeconfig-dir <dir>', 'folder of the kubeconfig files (default: "/etc/kubernetes")');
export const configOption = (): Option =>
  new Option('--config <file>', 'kubeadm config file (InitConfiguration/ClusterConfiguration, v1beta3 or v1beta4) (default: none)');
export const dryRunOption = (): Option => new Option('--dry-run', 'show what would be written; write nothing (default: false)');
export const algorithmOption = (): Option =>
  new Option('--encryption-algorithm <alg>', `key algorithm for new keys (default: encryptionAlgorithm from --config, else "RSA-2048")`).choices(
    ENCRYPTION_ALGORITHMS,
  );
export const kubernetesVersionOption = (): Option =>
  new Option('--kubernetes-version <version>', 'accepted for kubeadm compatibility; has no effect (default: none)');

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new UsageError(`invalid port "${value}": must be a number from 1 to 65535`);
  return n;
}

export function parseList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')];
}

/** kubeadm's --kubeconfig (used there to read the cluster's config), so existing scripts keep working. */
export const clusterKubeconfigOption = (): Option =>
  new Option('--kubeconfig <file>', 'accepted for kubeadm compatibility; kubecerts does not contact the cluster (default: none)');
