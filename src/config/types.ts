/** The resolved settings of one run: kubeadm config file + flags + defaults. Plain data. */
export const ENCRYPTION_ALGORITHMS = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384'] as const;
export type EncryptionAlgorithm = (typeof ENCRYPTION_ALGORITHMS)[number];

export interface RunConfig {
  readonly certificatesDir: string;
  readonly kubeconfigDir: string;
  readonly clusterName: string;
  /** host[:port], empty when unset */
  readonly controlPlaneEndpoint: string;
  readonly advertiseAddress: string;
  readonly bindPort: number;
  readonly nodeName: string;
  readonly serviceSubnet: string;
  readonly dnsDomain: string;
  readonly apiServerCertSANs: readonly string[];
  /** null with external etcd */
  readonly etcdLocal: { readonly serverCertSANs: readonly string[]; readonly peerCertSANs: readonly string[] } | null;
  readonly encryptionAlgorithm: EncryptionAlgorithm;
  /** where encryptionAlgorithm came from; renewal keeps each key's own algorithm unless it was chosen explicitly */
  readonly encryptionAlgorithmSource: 'default' | 'config' | 'flag';
  readonly certificateValidityMs: number;
  readonly caCertificateValidityMs: number;
}

export const DEFAULTS = {
  certificatesDir: '/etc/kubernetes/pki',
  kubeconfigDir: '/etc/kubernetes',
  clusterName: 'kubernetes',
  bindPort: 6443,
  serviceSubnet: '10.96.0.0/12',
  dnsDomain: 'cluster.local',
  encryptionAlgorithm: 'RSA-2048' as EncryptionAlgorithm,
  certificateValidityMs: 8760 * 3_600_000,
  caCertificateValidityMs: 87600 * 3_600_000,
} as const;
