/**
 * Static-pod manifests of the control plane, as kubeadm writes them to /etc/kubernetes/manifests: which files each
 * component uses (certificates, keys, CAs, kubeconfigs), where it serves and how its health is asked. Read from the
 * manifest's command line, so clusters with customised flags and paths work. Pure: text in, data out.
 *
 * Mirrors the flags kubeadm sets in cmd/kubeadm/app/phases/controlplane/manifests.go (getAPIServerCommand,
 * getControllerManagerCommand, getSchedulerCommand) and cmd/kubeadm/app/phases/etcd/local.go (getEtcdCommand).
 */
import * as yaml from 'js-yaml';
import { KubecertsError, type ManifestCode } from '../errors.js';

/** The control-plane components kubecerts knows, in restart order (etcd first, as the Kubernetes page says). */
export const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
export type ComponentName = (typeof COMPONENTS)[number];

/** kubeadm's manifest file name of a component. */
export const manifestFileName = (c: ComponentName): string => `${c}.yaml`;

export class ManifestError extends KubecertsError<ManifestCode> {}

/** What a file is to the component that names it. */
export type FileRole = 'serving' | 'peer-serving' | 'client' | 'key' | 'ca' | 'kubeconfig' | 'signing-ca';

export interface ComponentFile {
  /** the flag that names it, without dashes, e.g. "tls-cert-file" */
  readonly flag: string;
  readonly path: string;
  readonly role: FileRole;
}

/** A TLS endpoint the component serves, with the certificate file it should serve there. */
export interface ServingEndpoint {
  readonly name: 'server' | 'etcd-client' | 'etcd-peer';
  readonly host: string;
  readonly port: number;
  readonly certFile: string;
  readonly caFile: string | undefined;
}

export interface StaticPod {
  readonly component: ComponentName;
  /** the node name, from `--name` (etcd) or the pod name `<component>-<node>` */
  readonly nodeName: string | undefined;
  /** the container's command and args, as the kubelet runs them */
  readonly argv: readonly string[];
  readonly flags: ReadonlyMap<string, string>;
  readonly files: readonly ComponentFile[];
  readonly endpoints: readonly ServingEndpoint[];
  /** the URL whose GET tells whether the component is healthy */
  readonly healthUrl: string;
  /** the address this node advertises for the component (apiserver, etcd), for the "covers this node" check */
  readonly advertiseAddress: string | undefined;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `--a=b` and `--flag` words of a command line (later ones win, as Go's pflag). */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (const a of argv) {
    const m = /^--?([^=]+)(?:=(.*))?$/s.exec(a);
    if (m) flags.set(m[1] as string, m[2] ?? 'true');
  }
  return flags;
}

/** Splits `https://host:port` (IPv6 in brackets); undefined when it is not a URL with a port. */
export function hostPortOf(url: string): { host: string; port: number } | undefined {
  try {
    const u = new URL(url);
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port };
  } catch {
    return undefined;
  }
}

/** A host to dial for a listen address: the unspecified address means this host, dialled on loopback. */
const dialHost = (h: string | undefined): string => (!h || h === '0.0.0.0' ? '127.0.0.1' : h === '::' ? '::1' : h);
const urlHost = (h: string): string => (h.includes(':') ? `[${h}]` : h);

const COMPONENT_FILES: Record<ComponentName, readonly (readonly [string, FileRole])[]> = {
  etcd: [
    ['cert-file', 'serving'], ['key-file', 'key'], ['trusted-ca-file', 'ca'],
    ['peer-cert-file', 'peer-serving'], ['peer-key-file', 'key'], ['peer-trusted-ca-file', 'ca'],
  ],
  'kube-apiserver': [
    ['tls-cert-file', 'serving'], ['tls-private-key-file', 'key'], ['client-ca-file', 'ca'],
    ['etcd-cafile', 'ca'], ['etcd-certfile', 'client'], ['etcd-keyfile', 'key'],
    ['kubelet-client-certificate', 'client'], ['kubelet-client-key', 'key'], ['kubelet-certificate-authority', 'ca'],
    ['proxy-client-cert-file', 'client'], ['proxy-client-key-file', 'key'], ['requestheader-client-ca-file', 'ca'],
  ],
  'kube-controller-manager': [
    ['kubeconfig', 'kubeconfig'], ['authentication-kubeconfig', 'kubeconfig'], ['authorization-kubeconfig', 'kubeconfig'],
    ['client-ca-file', 'ca'], ['requestheader-client-ca-file', 'ca'], ['root-ca-file', 'ca'],
    ['cluster-signing-cert-file', 'signing-ca'], ['tls-cert-file', 'serving'], ['tls-private-key-file', 'key'],
  ],
  'kube-scheduler': [
    ['kubeconfig', 'kubeconfig'], ['authentication-kubeconfig', 'kubeconfig'], ['authorization-kubeconfig', 'kubeconfig'],
    ['tls-cert-file', 'serving'], ['tls-private-key-file', 'key'],
  ],
};

/** Flags without which kubecerts cannot tell what the component serves or uses. */
const REQUIRED: Record<ComponentName, readonly string[]> = {
  etcd: ['cert-file', 'key-file', 'trusted-ca-file', 'listen-client-urls'],
  'kube-apiserver': ['tls-cert-file', 'tls-private-key-file', 'client-ca-file'],
  'kube-controller-manager': ['kubeconfig'],
  'kube-scheduler': ['kubeconfig'],
};

/**
 * Parses one static-pod manifest (a v1 Pod) of `expected`. Throws ManifestError (code MANIFEST_PARSE or
 * MANIFEST_FLAGS) naming `path` when the YAML does not parse, has no container command, runs another component, or
 * lacks a flag kubecerts needs.
 */
export function parseStaticPod(text: string, path: string, expected: ComponentName): StaticPod {
  let doc: unknown;
  try {
    doc = yaml.load(text, { json: true });
  } catch (err) {
    const reason = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
    throw new ManifestError('MANIFEST_PARSE', `cannot parse manifest "${path}": ${reason}`);
  }
  const spec = isObj(doc) && isObj(doc['spec']) ? doc['spec'] : undefined;
  const containers = spec && Array.isArray(spec['containers']) ? spec['containers'] : [];
  const c = containers.find((x) => isObj(x) && (x['name'] === expected || containers.length === 1));
  const words = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
  const argv = isObj(c) ? [...words(c['command']), ...words(c['args'])] : [];
  if (argv.length === 0) throw new ManifestError('MANIFEST_PARSE', `manifest "${path}" is not a pod with a container command`);
  const bin = (argv[0] as string).split('/').pop();
  if (bin !== expected) throw new ManifestError('MANIFEST_PARSE', `manifest "${path}" runs "${argv[0]}", not ${expected}`);
  const flags = parseFlags(argv.slice(1));
  const missing = REQUIRED[expected].filter((f) => !flags.get(f));
  if (missing.length > 0) {
    throw new ManifestError('MANIFEST_FLAGS', `manifest "${path}" lacks ${missing.map((f) => `--${f}`).join(', ')}: cannot tell which files ${expected} uses`);
  }
  const meta = isObj(doc) && isObj(doc['metadata']) ? doc['metadata'] : {};
  const podName = typeof meta['name'] === 'string' ? meta['name'] : '';
  const nodeName = expected === 'etcd' ? flags.get('name') : podName.startsWith(`${expected}-`) ? podName.slice(expected.length + 1) : undefined;
  const files = COMPONENT_FILES[expected].flatMap(([flag, role]) => {
    const p = flags.get(flag);
    return p ? [{ flag, path: p, role }] : [];
  });
  const dedup = files.filter((f, i) => f.role !== 'kubeconfig' || files.findIndex((g) => g.path === f.path) === i);
  const f = (n: string): string | undefined => flags.get(n);
  const endpoints: ServingEndpoint[] = [];
  let healthUrl: string;
  let advertiseAddress: string | undefined;
  if (expected === 'etcd') {
    const urls = (f('listen-client-urls') ?? '').split(',').map(hostPortOf).filter((u) => u !== undefined);
    const local = urls.find((u) => u.host === '127.0.0.1' || u.host === '::1' || u.host === 'localhost') ?? urls[0];
    if (!local) throw new ManifestError('MANIFEST_FLAGS', `manifest "${path}" has no usable --listen-client-urls`);
    endpoints.push({ name: 'etcd-client', host: dialHost(local.host), port: local.port, certFile: f('cert-file') as string, caFile: f('trusted-ca-file') });
    const peer = (f('listen-peer-urls') ?? '').split(',').map(hostPortOf).find((u) => u !== undefined);
    if (peer && f('peer-cert-file')) endpoints.push({ name: 'etcd-peer', host: dialHost(peer.host), port: peer.port, certFile: f('peer-cert-file') as string, caFile: f('peer-trusted-ca-file') });
    healthUrl = `https://${urlHost(dialHost(local.host))}:${local.port}/health`;
    advertiseAddress = hostPortOf((f('advertise-client-urls') ?? '').split(',')[0] ?? '')?.host;
  } else if (expected === 'kube-apiserver') {
    const port = Number(f('secure-port') ?? '6443');
    const host = dialHost(f('bind-address'));
    endpoints.push({ name: 'server', host, port, certFile: f('tls-cert-file') as string, caFile: f('client-ca-file') });
    healthUrl = `https://${urlHost(host)}:${port}/readyz`;
    advertiseAddress = f('advertise-address');
  } else {
    const port = Number(f('secure-port') ?? (expected === 'kube-controller-manager' ? '10257' : '10259'));
    const host = dialHost(f('bind-address'));
    if (f('tls-cert-file')) endpoints.push({ name: 'server', host, port, certFile: f('tls-cert-file') as string, caFile: undefined });
    healthUrl = `https://${urlHost(host)}:${port}/healthz`;
  }
  return { component: expected, nodeName, argv, flags, files: dedup, endpoints, healthUrl, advertiseAddress };
}

/**
 * The component a stray manifest copy would run (its first command word), or undefined when the text is not a pod
 * with a command. For the "extra file in the manifests folder" warning.
 */
export function componentOfText(text: string): string | undefined {
  try {
    const doc = yaml.load(text, { json: true });
    const c = isObj(doc) && isObj(doc['spec']) && Array.isArray(doc['spec']['containers']) ? doc['spec']['containers'][0] : undefined;
    const cmd = isObj(c) && Array.isArray(c['command']) ? c['command'][0] : undefined;
    return typeof cmd === 'string' ? cmd.split('/').pop() : undefined;
  } catch {
    return undefined;
  }
}

/** One row of "which component uses which certificate file", the table renew uses to know what to restart. */
export interface CertificateConsumer {
  readonly component: ComponentName;
  readonly path: string;
  readonly flag: string;
  readonly role: FileRole;
}

/** Every file each parsed manifest names, one row per (component, file). Pure. */
export function certificateConsumers(pods: readonly StaticPod[]): CertificateConsumer[] {
  return pods.flatMap((p) => p.files.map((f) => ({ component: p.component, path: f.path, flag: f.flag, role: f.role })));
}

/** The components that use any of `paths` (e.g. the files a renewal just replaced), in restart order. */
export function componentsUsing(consumers: readonly CertificateConsumer[], paths: readonly string[]): ComponentName[] {
  const set = new Set(paths);
  return COMPONENTS.filter((c) => consumers.some((u) => u.component === c && set.has(u.path)));
}
