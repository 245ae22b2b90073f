/** Names derived from the certificate table (pure): `certs renew` arguments and the init phase choices. */
import { KUBECONFIG_SPECS, PKI_SPECS, RENEWABLE_SPECS } from './specs.js';

/** `certs renew` arguments: "all" then every renewable certificate, sorted by name (kubeadm's renew subcommands). */
export const RENEW_NAMES: readonly string[] = Object.freeze(['all', ...RENEWABLE_SPECS.map((s) => s.name)]);

/** `init phase certs` arguments: "all" then every CA and leaf in table order. */
export const CERT_PHASES: readonly string[] = Object.freeze(['all', ...PKI_SPECS.map((s) => s.name)]);

/** `init phase kubeconfig` arguments: "all" then every kubeconfig phase in table order. */
export const KUBECONFIG_PHASES: readonly string[] = Object.freeze(['all', ...KUBECONFIG_SPECS.map((s) => s.phase)]);
