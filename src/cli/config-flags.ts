/** Maps commander options to the ConfigFlags the config resolver understands. */
import type { ConfigFlags } from '../config/resolve.js';

type Opts = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function configFlags(opts: Opts): ConfigFlags {
  return {
    certDir: str(opts['certDir']),
    kubeconfigDir: str(opts['kubeconfigDir']),
    advertiseAddress: str(opts['apiserverAdvertiseAddress']),
    bindPort: typeof opts['apiserverBindPort'] === 'number' ? opts['apiserverBindPort'] : undefined,
    controlPlaneEndpoint: str(opts['controlPlaneEndpoint']),
    certExtraSans: Array.isArray(opts['apiserverCertExtraSans']) ? (opts['apiserverCertExtraSans'] as string[]) : undefined,
    serviceCidr: str(opts['serviceCidr']),
    serviceDnsDomain: str(opts['serviceDnsDomain']),
    nodeName: str(opts['nodeName']),
    encryptionAlgorithm: str(opts['encryptionAlgorithm']),
    clusterName: str(opts['clusterName']),
  };
}
