/**
 * A stand-in kube-apiserver on 127.0.0.1 for the `ca rotate --in-cluster=apply` tests. There is no real kube-apiserver
 * on this machine, so this server behaves like one at the boundary kubectl touches, and nowhere else:
 * - TLS as kubeadm sets it up: it serves the node's apiserver.crt and requires a client certificate that verifies
 *   against the node's ca.crt (`--client-ca-file`); `restartApiserver()` re-reads both, as a restart would;
 * - legacy discovery (`/api`, `/apis`, `/api/v1`, `/apis/<group>/<version>`; kubectl falls back to it when the answer is
 *   not the aggregated discovery type) for the resources the rotation uses;
 * - GET of objects and lists (namespaced, all namespaces, `fieldSelector` on metadata.name and type), PATCH
 *   (merge and strategic merge, both applied as JSON merge patches: enough for maps such as data and annotations)
 *   and PUT, with resourceVersion preconditions answered 409 Conflict as the real server does;
 * - `restartControllerManager()` plays the controller-manager's root-CA publisher: it writes the bytes of the
 *   node's ca.crt into every namespace's kube-root-ca.crt, as the publisher does from --root-ca-file;
 * - `failNext()` makes the next matching request fail with a status, to test partial failure; `afterNext()` changes
 *   the store right after a request, as another client would.
 * No authorization, admission, watches or field validation: those are not what the rotation exercises.
 */
import { createServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { execFileSync } from 'node:child_process';

type Obj = Record<string, unknown>;

interface ResourceInfo {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly short?: string[];
}

const RESOURCES: readonly ResourceInfo[] = [
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, short: ['cm'] },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true, short: ['po'] },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false, short: ['ns'] },
  { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true, short: ['ds'] },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true, short: ['deploy'] },
  { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true, short: ['rs'] },
  { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingwebhookconfigurations', kind: 'ValidatingWebhookConfiguration', namespaced: false },
  { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration', namespaced: false },
  { group: 'apiregistration.k8s.io', version: 'v1', plural: 'apiservices', kind: 'APIService', namespaced: false },
];

const gv = (r: ResourceInfo): string => (r.group ? `${r.group}/${r.version}` : r.version);

export interface RequestSeen {
  readonly method: string;
  readonly path: string;
  readonly cn: string;
  readonly status: number;
  readonly contentType?: string;
}

export interface KubeApiServer {
  readonly url: string;
  readonly port: number;
  readonly requests: RequestSeen[];
  /** the stored object at "<plural>/<namespace>/<name>" (cluster-scoped: "<plural>//<name>"), or undefined */
  get(plural: string, namespace: string, name: string): Obj | undefined;
  put(obj: Obj): void;
  /** re-reads apiserver.crt/.key and ca.crt (client CA), as a restart of kube-apiserver would */
  restartApiserver(): void;
  /** publishes the node's ca.crt bytes as kube-root-ca.crt in every namespace, as the controller-manager's publisher */
  restartControllerManager(): void;
  /** the next `times` requests matching method and path answer `status` */
  failNext(method: string, path: RegExp, status: number, times?: number): void;
  /** runs `fn` once, right after the next request matching method and path was answered (another client's change) */
  afterNext(method: string, path: RegExp, fn: () => void): void;
  close(): Promise<void>;
}

/** Starts the server on a free port of 127.0.0.1 with the node's PKI in `certDir`. */
export async function startKubeApiServer(certDir: string, port: number): Promise<KubeApiServer> {
  const store = new Map<string, Obj>();
  const requests: RequestSeen[] = [];
  const failures: { method: string; path: RegExp; status: number; times: number }[] = [];
  const hooks: { method: string; path: RegExp; fn: () => void }[] = [];
  let rv = 100;
  const tls = (): { cert: Buffer; key: Buffer; ca: Buffer } => ({
    cert: readFileSync(join(certDir, 'apiserver.crt')),
    key: readFileSync(join(certDir, 'apiserver.key')),
    ca: readFileSync(join(certDir, 'ca.crt')),
  });
  const keyOf = (plural: string, ns: string, name: string): string => `${plural}/${ns}/${name}`;
  const put = (obj: Obj): void => {
    const kind = String(obj['kind']);
    const r = RESOURCES.find((x) => x.kind === kind);
    if (!r) throw new Error(`unknown kind ${kind}`);
    const meta = (obj['metadata'] ?? {}) as Obj;
    rv++;
    const stored = { apiVersion: gv(r), ...obj, metadata: { uid: `uid-${String(meta['name'])}`, creationTimestamp: '2026-01-01T00:00:00Z', ...meta, resourceVersion: String(rv) } };
    store.set(keyOf(r.plural, r.namespaced ? String(meta['namespace'] ?? 'default') : '', String(meta['name'])), stored);
  };

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  };
  const statusBody = (code: number, reason: string, message: string): Obj => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): number => {
    const u = new URL(req.url ?? '/', 'https://127.0.0.1');
    const path = u.pathname.replace(/\/$/, '');
    const method = req.method ?? 'GET';
    const fail = failures.find((f) => f.method === method && f.path.test(path) && f.times > 0);
    if (fail) {
      fail.times--;
      send(res, fail.status, statusBody(fail.status, fail.status === 403 ? 'Forbidden' : 'InternalError', `injected failure on ${method} ${path}`));
      return fail.status;
    }
    if (method === 'POST' && path === '/apis/authentication.k8s.io/v1/selfsubjectreviews') {
      // every authenticated client may ask who it is (the TLS layer already required a client certificate of ca.crt)
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      return send(res, 201, { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', status: { userInfo: { username: String(peer.subject?.CN ?? ''), groups: ['system:authenticated'] } } }), 201;
    }
    if (path === '/version') return send(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' }), 200;
    if (path === '/api') return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }] }), 200;
    if (path === '/apis') {
      const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => r.group))].map((g) => {
        const v = { groupVersion: `${g}/v1`, version: 'v1' };
        return { name: g, versions: [v], preferredVersion: v };
      });
      return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups }), 200;
    }
    const disc = /^\/(?:api\/(v1)|apis\/([^/]+)\/(v1))$/.exec(path);
    if (disc) {
      const group = disc[2] ?? '';
      const rs = RESOURCES.filter((r) => r.group === group);
      if (rs.length === 0) return send(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource')), 404;
      return send(res, 200, {
        kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/v1` : 'v1',
        resources: rs.map((r) => ({ name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ...(r.short ? { shortNames: r.short } : {}) })),
      }), 200;
    }
    const m = /^\/(?:api\/v1|apis\/([^/]+)\/v1)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    const r = m ? RESOURCES.find((x) => x.group === (m[1] ?? '') && x.plural === m[3]) : undefined;
    if (!m || !r) return send(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource')), 404;
    const ns = m[2];
    const name = m[4];
    if (!name) {
      if (method !== 'GET') return send(res, 405, statusBody(405, 'MethodNotAllowed', 'method not allowed')), 405;
      const sel = u.searchParams.get('fieldSelector') ?? '';
      const conds = sel ? sel.split(',').map((c) => c.split('=')) : [];
      const items = [...store.entries()]
        .filter(([k]) => k.startsWith(`${r.plural}/`) && (!ns || k.startsWith(`${r.plural}/${ns}/`)))
        .map(([, v]) => v)
        .filter((o) => conds.every(([f, v]) => (f === 'metadata.name' ? (o['metadata'] as Obj)['name'] === v : f === 'type' ? o['type'] === v : true)));
      return send(res, 200, { kind: `${r.kind}List`, apiVersion: gv(r), metadata: { resourceVersion: String(rv) }, items }), 200;
    }
    const key = keyOf(r.plural, r.namespaced ? (ns ?? '') : '', name);
    const cur = store.get(key);
    if (!cur) return send(res, 404, statusBody(404, 'NotFound', `${r.plural} "${name}" not found`)), 404;
    if (method === 'GET') return send(res, 200, cur), 200;
    if (method === 'PATCH' || method === 'PUT') {
      let incoming: Obj;
      try {
        incoming = JSON.parse(body) as Obj;
      } catch {
        return send(res, 400, statusBody(400, 'BadRequest', 'body is not JSON')), 400;
      }
      const wantRv = ((incoming['metadata'] ?? {}) as Obj)['resourceVersion'];
      const curRv = (cur['metadata'] as Obj)['resourceVersion'];
      if (typeof wantRv === 'string' && wantRv !== '' && wantRv !== curRv) {
        return send(res, 409, statusBody(409, 'Conflict', `Operation cannot be fulfilled on ${r.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`)), 409;
      }
      const ct = String(req.headers['content-type'] ?? '');
      if (method === 'PATCH' && !/merge-patch\+json|strategic-merge-patch\+json/.test(ct)) return send(res, 415, statusBody(415, 'UnsupportedMediaType', `unsupported patch type ${ct}`)), 415;
      const next = method === 'PUT' ? incoming : (mergePatch(cur, incoming) as Obj);
      put({ ...next, kind: r.kind });
      return send(res, 200, store.get(key)), 200;
    }
    return send(res, 405, statusBody(405, 'MethodNotAllowed', 'method not allowed')), 405;
  };

  const server: Server = createServer({ ...tls(), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const status = handle(req, res, body);
      requests.push({ method: req.method ?? '', path: req.url ?? '', cn: String(peer.subject?.CN ?? ''), status, ...(req.headers['content-type'] ? { contentType: String(req.headers['content-type']) } : {}) });
      const at = hooks.findIndex((x) => x.method === req.method && x.path.test(new URL(req.url ?? '/', 'https://127.0.0.1').pathname));
      if (at >= 0) hooks.splice(at, 1)[0]?.fn();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    requests,
    get: (plural, namespace, name) => store.get(keyOf(plural, namespace, name)),
    put,
    restartApiserver: () => server.setSecureContext({ ...tls(), requestCert: true, rejectUnauthorized: true } as never),
    restartControllerManager: () => {
      const ca = readFileSync(join(certDir, 'ca.crt'), 'utf8');
      for (const [k, v] of store) {
        if (k.startsWith('namespaces//')) {
          const ns = String((v['metadata'] as Obj)['name']);
          put({ kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: ns }, data: { 'ca.crt': ca } });
        }
      }
    },
    failNext: (method, path, status, times = 1) => void failures.push({ method, path, status, times }),
    afterNext: (method, path, fn) => void hooks.push({ method, path, fn }),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Obj = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [k, v] of Object.entries(patch as Obj)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** A kubeadm-made kubeconfig for cluster-info (kube-public), CA data and server only, as kubeadm writes it. */
export function clusterInfoKubeconfig(caPem: string, server: string): string {
  return `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}\n    server: ${server}\n  name: ""\ncontexts: null\ncurrent-context: ""\nkind: Config\npreferences: {}\nusers: null\n`;
}

/**
 * Seeds the objects of a small kubeadm cluster: namespaces, cluster-info (with a JWS signature key the rotation must
 * keep), kube-root-ca.crt from `caPem`, kube-proxy and CoreDNS with their pods (projected service-account volumes), a
 * workload with a legacy token Secret volume, a static pod (no token), webhooks and APIServices with caBundles of the
 * cluster CA (`caPem`) and of another CA (`otherCaPem`).
 */
export function seedKubeadmCluster(h: KubeApiServer, caPem: string, otherCaPem: string): void {
  for (const ns of ['default', 'kube-system', 'kube-public', 'shop']) h.put({ kind: 'Namespace', metadata: { name: ns } });
  h.put({ kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data: { kubeconfig: clusterInfoKubeconfig(caPem, h.url), 'jws-kubeconfig-abcdef': 'eyJhbGciOiJIUzI1NiIsImtpZCI6ImFiY2RlZiJ9..sig' } });
  for (const ns of ['default', 'kube-system', 'kube-public', 'shop']) h.put({ kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: ns }, data: { 'ca.crt': caPem } });
  const podTemplate = (app: string): Obj => ({ metadata: { labels: { 'k8s-app': app } }, spec: { containers: [{ name: app, image: `registry.k8s.io/${app}:v1` }] } });
  h.put({ kind: 'DaemonSet', metadata: { name: 'kube-proxy', namespace: 'kube-system' }, spec: { selector: { matchLabels: { 'k8s-app': 'kube-proxy' } }, template: podTemplate('kube-proxy') } });
  h.put({ kind: 'Deployment', metadata: { name: 'coredns', namespace: 'kube-system' }, spec: { replicas: 2, selector: { matchLabels: { 'k8s-app': 'kube-dns' } }, template: podTemplate('kube-dns') } });
  const projected = { name: 'kube-api-access-x1', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] } };
  const pod = (name: string, ns: string, owner: Obj | undefined, volumes: Obj[], labels: Obj = {}): void =>
    h.put({ kind: 'Pod', metadata: { name, namespace: ns, labels, ...(owner ? { ownerReferences: [{ ...owner, controller: true }] } : {}) }, spec: { containers: [{ name: 'c', image: 'x' }], volumes } });
  pod('kube-proxy-abcde', 'kube-system', { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'kube-proxy', uid: 'u1' }, [projected]);
  pod('coredns-7db6d8ff4d-aaaaa', 'kube-system', { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'coredns-7db6d8ff4d', uid: 'u2' }, [projected], { 'pod-template-hash': '7db6d8ff4d' });
  pod('coredns-7db6d8ff4d-bbbbb', 'kube-system', { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'coredns-7db6d8ff4d', uid: 'u2' }, [projected], { 'pod-template-hash': '7db6d8ff4d' });
  pod('kube-apiserver-node1', 'kube-system', { apiVersion: 'v1', kind: 'Node', name: 'node1', uid: 'u3' }, [{ name: 'k8s-certs', hostPath: { path: '/etc/kubernetes/pki' } }]);
  pod('legacy-0', 'shop', { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'legacy', uid: 'u4' }, [{ name: 'tok', secret: { secretName: 'legacy-token-q2w3e' } }]);
  pod('static-web', 'shop', undefined, [{ name: 'html', emptyDir: {} }]);
  h.put({ kind: 'Secret', metadata: { name: 'legacy-token-q2w3e', namespace: 'shop', annotations: { 'kubernetes.io/service-account.name': 'legacy' } }, type: 'kubernetes.io/service-account-token', data: { token: 'dG9rZW4=' } });
  h.put({ kind: 'Secret', metadata: { name: 'db-password', namespace: 'shop' }, type: 'Opaque', data: { password: 'cw==' } });
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  h.put({ kind: 'ValidatingWebhookConfiguration', metadata: { name: 'policy' }, webhooks: [{ name: 'check.policy.example.com', clientConfig: { service: { name: 'policy', namespace: 'shop' }, caBundle: b64(caPem) } }, { name: 'other.policy.example.com', clientConfig: { url: 'https://policy.example.com', caBundle: b64(otherCaPem) } }] });
  h.put({ kind: 'MutatingWebhookConfiguration', metadata: { name: 'injector' }, webhooks: [{ name: 'inject.example.com', clientConfig: { service: { name: 'injector', namespace: 'shop' }, caBundle: b64(otherCaPem) } }] });
  h.put({ kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: { service: { name: 'metrics-server', namespace: 'kube-system' }, group: 'metrics.k8s.io', version: 'v1beta1', caBundle: b64(caPem) } });
  h.put({ kind: 'APIService', metadata: { name: 'v1.apps' }, spec: { group: 'apps', version: 'v1' } });
}

/**
 * A stand-in kubelet on 127.0.0.1 (port 10250 on a node): as kubeadm configures it, it serves its own self-signed
 * certificate (made here with openssl, as the kubelet makes one without serverTLSBootstrap), authenticates clients by
 * x509 against `<certDir>/ca.crt` (its clientCAFile) with anonymous access off: 401 without a trusted client
 * certificate, 403 with one (authenticated, not authorized: the webhook authorizer knows no such user). Reads ca.crt at
 * start; `restart()` reads it again, as `systemctl restart kubelet` would.
 */
export async function startKubeletServer(certDir: string, port: number, scratch: string): Promise<{ url: string; restart: () => void; close: () => Promise<void> }> {
  const key = join(scratch, 'kubelet.key');
  const crt = join(scratch, 'kubelet.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', crt, '-subj', '/CN=node1@1700000000', '-days', '365', '-addext', 'subjectAltName=DNS:node1,IP:127.0.0.1'], { stdio: 'ignore' });
  const ctx = (): object => ({ cert: readFileSync(crt), key: readFileSync(key), ca: readFileSync(join(certDir, 'ca.crt')), requestCert: true, rejectUnauthorized: false });
  const server: Server = createServer(ctx(), (req, res) => {
    const authorized = (req.socket as TLSSocket).authorized === true;
    res.writeHead(authorized ? 403 : 401, { 'content-type': 'text/plain' });
    res.end(authorized ? 'Forbidden (user=kubecerts-rotation-probe, verb=get, resource=nodes, subresource=proxy)' : 'Unauthorized');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${port}`,
    restart: () => server.setSecureContext(ctx() as never),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
