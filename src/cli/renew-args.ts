/** `certs renew <name>`: the certificates a name selects, with kubeadm's and kubecerts' refusals as usage errors. */
import { UsageError } from '../errors.js';
import { RENEW_NAMES } from '../pki/spec-tree.js';
import { CA_SPECS, RENEWABLE_SPECS } from '../pki/specs.js';
import type { RenewSpec } from '../ops/renew.js';
import { unknownCommand } from './usage-errors.js';

/** The specs `name` (a renew name or `all`) selects. Throws UsageError for a CA, kubelet.conf or an unknown name. */
export function renewSelection(name: string): readonly RenewSpec[] {
  if (name === 'all') return RENEWABLE_SPECS;
  const spec = RENEWABLE_SPECS.find((s) => s.name === name);
  if (spec) return [spec];
  if (CA_SPECS.some((c) => c.name === name)) {
    throw new UsageError(`"${name}" is a certificate authority; kubecerts, like kubeadm, does not renew CAs`, {
      hint: 'a CA change re-trusts the whole cluster: follow https://kubernetes.io/docs/tasks/tls/manual-rotation-of-ca-certificates/',
    });
  }
  if (name === 'kubelet.conf') {
    throw new UsageError('kubelet.conf is not renewed: the kubelet rotates its own client certificate (/var/lib/kubelet/pki/kubelet-client-current.pem)', {
      hint: 'if it has expired, see https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/#kubelet-client-cert',
    });
  }
  // kubeadm has one subcommand per certificate, so cobra reports an unknown name as an unknown command
  throw unknownCommand(name, 'kubecerts certs renew', RENEW_NAMES);
}
