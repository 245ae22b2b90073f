/**
 * THE table: every CA, leaf certificate, key pair and kubeconfig-embedded client certificate kubeadm manages.
 * Readonly data; per-run values come in through RunConfig.
 */
import type { RunConfig } from '../config/types.js';

export type Usage = 'serverAuth' | 'clientAuth';
export type SanRule = 'apiserver' | 'etcd-server' | 'etcd-peer';
export type CaName = 'ca' | 'front-proxy-ca' | 'etcd-ca';

interface BaseSpec {
  /** kubeadm's UX name: `certs renew <name>`, check-expiration row, init phase subcommand */
  readonly name: string;
  readonly longName: string;
  /** dropped from every list with external etcd */
  readonly etcd: boolean;
}

export interface CaSpec extends BaseSpec {
  readonly kind: 'ca';
  readonly name: CaName;
  readonly baseName: string;
  readonly cn: string;
  /** name used in kubeadm's validity warnings ("CA", "etcd CA") */
  readonly uxName: string;
}

export interface LeafSpec extends BaseSpec {
  readonly kind: 'leaf';
  readonly baseName: string;
  readonly ca: CaName;
  readonly cn: (cfg: RunConfig) => string;
  readonly orgs: readonly string[];
  readonly usages: readonly Usage[];
  readonly sans?: SanRule;
  readonly uxName: string;
}

export interface KeyPairSpec extends BaseSpec {
  readonly kind: 'keypair';
  readonly baseName: string;
}

export interface KubeconfigSpec extends BaseSpec {
  readonly kind: 'kubeconfig';
  /** `init phase kubeconfig <phase>` */
  readonly phase: string;
  readonly fileName: string;
  readonly ca: 'ca';
  readonly cn: (cfg: RunConfig) => string;
  readonly orgs: readonly string[];
  readonly endpoint: 'control-plane' | 'local';
  /** listed by check-expiration and renewable (kubelet.conf is neither) */
  readonly managed: boolean;
}

export type Spec = CaSpec | LeafSpec | KeyPairSpec | KubeconfigSpec;
export type CertSpec = CaSpec | LeafSpec;

const fixed = (cn: string) => (): string => cn;

/** Freezes a table and every record and array inside it (functions are left as they are). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** In `init phase certs` order. */
export const PKI_SPECS: readonly (CertSpec | KeyPairSpec)[] = deepFreeze([
  {
    kind: 'ca', name: 'ca', baseName: 'ca', cn: 'kubernetes', uxName: 'CA', etcd: false,
    longName: 'self-signed Kubernetes CA to provision identities for other Kubernetes components',
  },
  {
    kind: 'leaf', name: 'apiserver', baseName: 'apiserver', ca: 'ca', cn: fixed('kube-apiserver'), orgs: [],
    usages: ['serverAuth'], sans: 'apiserver', uxName: 'API server', etcd: false,
    longName: 'certificate for serving the Kubernetes API',
  },
  {
    kind: 'leaf', name: 'apiserver-kubelet-client', baseName: 'apiserver-kubelet-client', ca: 'ca',
    cn: fixed('kube-apiserver-kubelet-client'), orgs: ['kubeadm:cluster-admins'], usages: ['clientAuth'],
    uxName: 'API server kubelet client', etcd: false,
    longName: 'certificate for the API server to connect to kubelet',
  },
  {
    kind: 'ca', name: 'front-proxy-ca', baseName: 'front-proxy-ca', cn: 'front-proxy-ca', uxName: 'front-proxy CA',
    etcd: false, longName: 'self-signed CA to provision identities for front proxy',
  },
  {
    kind: 'leaf', name: 'front-proxy-client', baseName: 'front-proxy-client', ca: 'front-proxy-ca',
    cn: fixed('front-proxy-client'), orgs: [], usages: ['clientAuth'], uxName: 'front-proxy client', etcd: false,
    longName: 'certificate for the front proxy client',
  },
  {
    kind: 'ca', name: 'etcd-ca', baseName: 'etcd/ca', cn: 'etcd-ca', uxName: 'etcd CA', etcd: true,
    longName: 'self-signed CA to provision identities for etcd',
  },
  {
    kind: 'leaf', name: 'etcd-server', baseName: 'etcd/server', ca: 'etcd-ca', cn: (cfg) => cfg.nodeName, orgs: [],
    usages: ['serverAuth', 'clientAuth'], sans: 'etcd-server', uxName: 'etcd server', etcd: true,
    longName: 'certificate for serving etcd',
  },
  {
    kind: 'leaf', name: 'etcd-peer', baseName: 'etcd/peer', ca: 'etcd-ca', cn: (cfg) => cfg.nodeName, orgs: [],
    usages: ['serverAuth', 'clientAuth'], sans: 'etcd-peer', uxName: 'etcd peer', etcd: true,
    longName: 'certificate for etcd nodes to communicate with each other',
  },
  {
    kind: 'leaf', name: 'etcd-healthcheck-client', baseName: 'etcd/healthcheck-client', ca: 'etcd-ca',
    cn: fixed('kube-etcd-healthcheck-client'), orgs: [], usages: ['clientAuth'], uxName: 'etcd health-check client',
    etcd: true, longName: 'certificate for liveness probes to healthcheck etcd',
  },
  {
    kind: 'leaf', name: 'apiserver-etcd-client', baseName: 'apiserver-etcd-client', ca: 'etcd-ca',
    cn: fixed('kube-apiserver-etcd-client'), orgs: [], usages: ['clientAuth'], uxName: 'apiserver etcd client',
    etcd: true, longName: 'certificate the apiserver uses to access etcd',
  },
  {
    kind: 'keypair', name: 'sa', baseName: 'sa', etcd: false,
    longName: 'private key for signing service account tokens along with its public key',
  },
] satisfies (CertSpec | KeyPairSpec)[]);

/** In `init phase kubeconfig all` order. */
export const KUBECONFIG_SPECS: readonly KubeconfigSpec[] = deepFreeze([
  {
    kind: 'kubeconfig', name: 'admin.conf', phase: 'admin', fileName: 'admin.conf', ca: 'ca',
    cn: fixed('kubernetes-admin'), orgs: ['kubeadm:cluster-admins'], endpoint: 'control-plane', managed: true,
    etcd: false, longName: 'certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself',
  },
  {
    kind: 'kubeconfig', name: 'super-admin.conf', phase: 'super-admin', fileName: 'super-admin.conf', ca: 'ca',
    cn: fixed('kubernetes-super-admin'), orgs: ['system:masters'], endpoint: 'control-plane', managed: true,
    etcd: false, longName: 'certificate embedded in the kubeconfig file for the super-admin',
  },
  {
    kind: 'kubeconfig', name: 'kubelet.conf', phase: 'kubelet', fileName: 'kubelet.conf', ca: 'ca',
    cn: (cfg) => `system:node:${cfg.nodeName}`, orgs: ['system:nodes'], endpoint: 'control-plane', managed: false,
    etcd: false, longName: 'kubeconfig file for the kubelet to use during TLS bootstrap',
  },
  {
    kind: 'kubeconfig', name: 'controller-manager.conf', phase: 'controller-manager',
    fileName: 'controller-manager.conf', ca: 'ca', cn: fixed('system:kube-controller-manager'), orgs: [],
    endpoint: 'local', managed: true, etcd: false,
    longName: 'certificate embedded in the kubeconfig file for the controller manager to use',
  },
  {
    kind: 'kubeconfig', name: 'scheduler.conf', phase: 'scheduler', fileName: 'scheduler.conf', ca: 'ca',
    cn: fixed('system:kube-scheduler'), orgs: [], endpoint: 'local', managed: true, etcd: false,
    longName: 'certificate embedded in the kubeconfig file for the scheduler manager to use',
  },
] satisfies KubeconfigSpec[]);

export const ALL_SPECS: readonly Spec[] = Object.freeze([...PKI_SPECS, ...KUBECONFIG_SPECS]);

export const CA_SPECS: readonly CaSpec[] = Object.freeze(PKI_SPECS.filter((s): s is CaSpec => s.kind === 'ca'));
export const LEAF_SPECS: readonly LeafSpec[] = Object.freeze(PKI_SPECS.filter((s): s is LeafSpec => s.kind === 'leaf'));

/** Certificates `certs renew` and `check-expiration` handle (leaves and managed kubeconfigs), sorted by name. */
export const RENEWABLE_SPECS: readonly (LeafSpec | KubeconfigSpec)[] = Object.freeze(
  [...LEAF_SPECS, ...KUBECONFIG_SPECS.filter((s) => s.managed)].sort((a, b) => byteCompare(a.name, b.name)),
);

export function findCa(name: CaName): CaSpec {
  const ca = CA_SPECS.find((s) => s.name === name);
  if (!ca) throw new Error(`unknown CA ${name}`);
  return ca;
}

/** Drops the etcd specs when etcd is external. */
export function activeSpecs<T extends Spec>(specs: readonly T[], cfg: Pick<RunConfig, 'etcdLocal'>): T[] {
  return specs.filter((s) => cfg.etcdLocal !== null || !s.etcd);
}

export function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
