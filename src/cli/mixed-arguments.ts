/** kubeadm's refusal of its other flags next to --config, for `init` and its phases. */
import { UsageError } from '../errors.js';

/**
 * The kubeadm flags of init and its phases that kubeadm's ValidateMixedArguments refuses next to --config
 * (cmd/kubeadm/app/apis/kubeadm/validation): commander's option key → flag name. --node-name, --kubeconfig-dir,
 * --dry-run and --rootfs may be mixed; kubecerts' own flags (--encryption-algorithm, --reissue) too.
 */
const NOT_WITH_CONFIG: readonly (readonly [string, string])[] = [
  ['apiserverAdvertiseAddress', 'apiserver-advertise-address'],
  ['apiserverBindPort', 'apiserver-bind-port'],
  ['apiserverCertExtraSans', 'apiserver-cert-extra-sans'],
  ['certDir', 'cert-dir'],
  ['controlPlaneEndpoint', 'control-plane-endpoint'],
  ['kubernetesVersion', 'kubernetes-version'],
  ['serviceCidr', 'service-cidr'],
  ['serviceDnsDomain', 'service-dns-domain'],
];

/**
 * kubeadm's ValidateMixedArguments: throws UsageError `can not mix '--config' with arguments [cert-dir service-cidr]`
 * (names sorted, as pflag visits them) when `opts` (commander's parsed options) has --config and any of those flags.
 */
export function validateMixedArguments(opts: Record<string, unknown>): void {
  if (opts['config'] === undefined) return;
  const mixed = NOT_WITH_CONFIG.filter(([key]) => opts[key] !== undefined).map(([, flag]) => flag);
  if (mixed.length > 0) throw new UsageError(`can not mix '--config' with arguments [${mixed.join(' ')}]`, { hint: 'put these settings into the config file' });
}
