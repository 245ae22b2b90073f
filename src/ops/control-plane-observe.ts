/**
 * What the control plane on this node runs and serves, per component, shared by `control-plane status` and
 * `control-plane restart`: the manifests, the certificate files they name, the processes that run them, the
 * certificates served on their ports and their health. Returns data; never writes.
 */
import { X509Certificate } from 'node:crypto';
import { dirname, join } from 'node:path';
import { describe as describeError } from '../errors.js';
import { currentEntries, dataField, parseKubeconfig } from '../kubeconfig/codec.js';
import { httpsGet, servedCertificate, type TlsClientFiles } from '../net/tls-probe.js';
import { COMPONENTS, manifestFileName, parseStaticPod, type ComponentName, type ServingEndpoint, type StaticPod } from '../node/manifests.js';
import { hostPath } from '../lib/rootfs.js';
import type { NodeHost, ProcessInfo } from '../store/node-host.js';

export type LoadedPod =
  | { readonly component: ComponentName; readonly path: string; readonly state: 'missing' }
  | { readonly component: ComponentName; readonly path: string; readonly state: 'invalid'; readonly error: string }
  | { readonly component: ComponentName; readonly path: string; readonly state: 'ok'; readonly pod: StaticPod };

/** Reads and parses the four manifests in `manifestsDir`; unreadable is an error, never "missing". */
export function loadPods(host: NodeHost, manifestsDir: string): LoadedPod[] {
  return COMPONENTS.map((component): LoadedPod => {
    const path = join(manifestsDir, manifestFileName(component));
    let text: string;
    try {
      text = host.read(path).toString('utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { component, path, state: 'missing' };
      return { component, path, state: 'invalid', error: `cannot read manifest: ${describeError(err)}` };
    }
    try {
      return { component, path, state: 'ok', pod: onHost(parseStaticPod(text, path, component)) };
    } catch (err) {
      return { component, path, state: 'invalid', error: describeError(err) };
    }
  });
}

/**
 * `pod` with the file paths its flags name placed under --rootfs: a manifest names the host's paths
 * (/etc/kubernetes/pki/...), which a containerised kubecerts sees below the host root. Unchanged without --rootfs.
 */
function onHost(pod: StaticPod): StaticPod {
  const files = pod.files.map((f) => ({ ...f, path: hostPath(f.path) }));
  const endpoints = pod.endpoints.map((e) => ({ ...e, certFile: hostPath(e.certFile), caFile: e.caFile === undefined ? undefined : hostPath(e.caFile) }));
  // flag values that are absolute paths (files, folders), for the readers that take them from the flags
  const flags = new Map([...pod.flags].map(([k, v]) => [k, v.startsWith('/') ? hostPath(v) : v]));
  return { ...pod, files, endpoints, flags };
}

/** SHA-256 fingerprint of a DER certificate: lowercase hex, no separators. */
export const fingerprint = (cert: X509Certificate): string => cert.fingerprint256.replace(/:/g, '').toLowerCase();

export type CertRead = { readonly ok: true; readonly cert: X509Certificate } | { readonly ok: false; readonly error: string };

/** The first certificate of a PEM file. */
export function readCert(host: NodeHost, path: string): CertRead {
  try {
    return { ok: true, cert: new X509Certificate(host.read(path)) };
  } catch (err) {
    return { ok: false, error: (err as NodeJS.ErrnoException).code ? describeError(err) : `cannot parse "${path}": ${describeError(err)}` };
  }
}

export interface KubeconfigClient {
  readonly cert: X509Certificate | undefined;
  /** the files whose change means new credentials: the kubeconfig and any certificate file it references */
  readonly paths: readonly string[];
  readonly error?: string;
}

/** The client certificate of a kubeconfig's current user, embedded or by path. */
export function readKubeconfigClient(host: NodeHost, path: string): KubeconfigClient {
  try {
    const kc = parseKubeconfig(host.read(path).toString('utf8'), path);
    const { user } = currentEntries(kc, path);
    const data = dataField(user, 'client-certificate-data');
    if (data) return { cert: new X509Certificate(Buffer.from(data, 'latin1')), paths: [path] };
    const ref = user['client-certificate'];
    if (typeof ref === 'string' && ref !== '') {
      const file = ref.startsWith('/') ? ref : join(dirname(path), ref);
      return { cert: new X509Certificate(host.read(file)), paths: [path, file] };
    }
    return { cert: undefined, paths: [path], error: `"${path}" has no client certificate` };
  } catch (err) {
    return { cert: undefined, paths: [path], error: describeError(err) };
  }
}

/** The processes running `pod`: the manifest's command name first and its arguments last, as the kubelet runs them. */
export function processesOf(pod: StaticPod, all: readonly ProcessInfo[]): ProcessInfo[] {
  const bin = (pod.argv[0] ?? '').split('/').pop();
  const tail = pod.argv.slice(1);
  return all.filter((p) => {
    if ((p.argv[0] ?? '').split('/').pop() !== bin || p.argv.length < tail.length + 1) return false;
    const off = p.argv.length - tail.length;
    return tail.every((a, i) => p.argv[off + i] === a);
  });
}

/**
 * The client certificate kubecerts shows etcd: the healthcheck client next to etcd's CA (kubeadm's
 * etcd/healthcheck-client.crt), else the API server's etcd client certificate.
 */
export function etcdClientFiles(host: NodeHost, etcd: StaticPod, apiserver: StaticPod | undefined): TlsClientFiles & { certPath?: string } {
  const dir = dirname(etcd.flags.get('trusted-ca-file') ?? '');
  const pairs: [string, string][] = [[join(dir, 'healthcheck-client.crt'), join(dir, 'healthcheck-client.key')]];
  const a = apiserver?.flags;
  if (a?.get('etcd-certfile') && a.get('etcd-keyfile')) pairs.push([a.get('etcd-certfile') as string, a.get('etcd-keyfile') as string]);
  for (const [c, k] of pairs) {
    try {
      return { cert: host.read(c), key: host.read(k), certPath: c };
    } catch {
      // try the next pair
    }
  }
  return {};
}

export interface ServedObservation {
  readonly endpoint: ServingEndpoint['name'];
  readonly address: string;
  readonly cert: X509Certificate | undefined;
  readonly refused: boolean;
  readonly error: string | undefined;
}

export interface HealthObservation {
  readonly url: string;
  readonly ok: boolean;
  readonly status: number;
  readonly detail: string;
}

export interface Observation {
  readonly served: readonly ServedObservation[];
  readonly health: HealthObservation;
  readonly processes: readonly ProcessInfo[];
  /** apiserver only: the in-memory certificate served for the "apiserver-loopback-client" server name */
  readonly loopback?: X509Certificate | undefined;
}

const hostPort = (h: string, p: number): string => (h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`);

/**
 * Probes one component in parallel: every serving endpoint (with `client` for etcd), its health URL and, for the
 * API server, the loopback server name. Each probe is bounded by `timeoutMs`.
 */
export async function observe(pod: StaticPod, processes: readonly ProcessInfo[], client: TlsClientFiles, timeoutMs: number): Promise<Observation> {
  const tls = pod.component === 'etcd' ? client : {};
  const served = pod.endpoints.map(async (e): Promise<ServedObservation> => {
    const r = await servedCertificate(e.host, e.port, timeoutMs, tls);
    const address = hostPort(e.host, e.port);
    if (!r.ok) return { endpoint: e.name, address, cert: undefined, refused: r.refused, error: r.error };
    try {
      return { endpoint: e.name, address, cert: new X509Certificate(r.der), refused: false, error: undefined };
    } catch (err) {
      return { endpoint: e.name, address, cert: undefined, refused: false, error: `served certificate does not parse: ${describeError(err)}` };
    }
  });
  const health = httpsGet(pod.healthUrl, timeoutMs, tls).then((r): HealthObservation => {
    const body = r.body.trim();
    const ok = r.status === 200 && (pod.component !== 'etcd' || /"health"\s*:\s*"true"/.test(body));
    const detail = r.status === 0 ? (r.error ?? 'no answer') : `${r.status}${body ? ` ${body.split('\n')[0]?.slice(0, 120)}` : ''}`;
    return { url: pod.healthUrl, ok, status: r.status, detail };
  });
  const server = pod.endpoints.find((e) => e.name === 'server');
  const loopback =
    pod.component === 'kube-apiserver' && server
      ? servedCertificate(server.host, server.port, timeoutMs, { servername: 'apiserver-loopback-client' }).then((r) => {
          if (!r.ok) return undefined;
          const c = new X509Certificate(r.der);
          return /(^|\n)CN=apiserver-loopback-client/.test(c.subject) ? c : undefined;
        })
      : Promise.resolve(undefined);
  const [s, h, l] = await Promise.all([Promise.all(served), health, loopback]);
  return { served: s, health: h, processes: processesOf(pod, processes), loopback: l };
}
