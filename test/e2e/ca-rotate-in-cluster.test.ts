/**
 * `ca rotate <phase> --in-cluster=apply`: the in-cluster steps run through the real kubectl with the node's admin.conf,
 * over real TLS. There is no kube-apiserver on this machine, so the server is test/helpers/kube-apiserver.ts: a
 * stand-in that behaves like kube-apiserver at the boundary kubectl touches (discovery, GET/PATCH/PUT of the objects
 * the rotation uses, lists with field selectors, 409 on a stale resourceVersion), serves the node's apiserver.crt and
 * requires client certificates from the node's current ca.crt. Its "controller-manager restart" publishes the node's
 * ca.crt as kube-root-ca.crt, as the root-CA publisher does from --root-ca-file.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { load as loadYaml } from 'js-yaml';
import { freePort } from '../helpers/net.js';
import { initTree, pemsOf, rotate, rotateOk } from '../helpers/rotation.js';
import { seedKubeadmCluster, startKubeApiServer, type KubeApiServer } from '../helpers/kube-apiserver.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let servers: KubeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** A generated tree whose admin.conf names the stand-in server's port, and the server seeded with its CA. */
async function cluster(): Promise<{ k8s: string; h: KubeApiServer; otherCa: string }> {
  const port = await freePort();
  const k8s = await initTree('--apiserver-bind-port', String(port));
  const h = await startKubeApiServer(join(k8s, 'pki'), port);
  servers.push(h);
  const otherKey = join(k8s, '..', 'other.key');
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', otherKey]);
  const otherCa = execFileSync('openssl', ['req', '-x509', '-new', '-key', otherKey, '-subj', '/CN=other-ca', '-days', '30'], { encoding: 'utf8' });
  seedKubeadmCluster(h, readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8'), otherCa);
  return { k8s, h, otherCa };
}

/** The CA data of the kubeconfig inside cluster-info, decoded. */
function clusterInfoCa(h: KubeApiServer): string {
  const cm = h.get('configmaps', 'kube-public', 'cluster-info') as Obj;
  const kc = loadYaml(cm['data']['kubeconfig'] as string) as Obj;
  return Buffer.from(kc['clusters'][0]['cluster']['certificate-authority-data'] as string, 'base64').toString('utf8');
}
const restartedAt = (h: KubeApiServer, plural: string, name: string): string | undefined =>
  (h.get(plural, 'kube-system', name) as Obj)['spec']['template']['metadata']['annotations']?.['kubectl.kubernetes.io/restartedAt'] as string | undefined;
const patches = (h: KubeApiServer, re: RegExp): number => h.requests.filter((r) => r.method === 'PATCH' && re.test(r.path) && r.status === 200).length;
/** A phase's commit on the node followed by what --restart would do: the apiserver and controller-manager re-read their files. */
async function phase(k8s: string, h: KubeApiServer, name: string): Promise<string> {
  const r = await rotateOk(k8s, name);
  h.restartApiserver();
  h.restartControllerManager();
  return r.stdout;
}

describe('ca rotate --in-cluster=apply against a stand-in kube-apiserver (real kubectl, real TLS, client certificates of the live ca.crt)', () => {
  it('trust, reissue and finalize: cluster-info holds the node\'s ca.crt exactly, kube-proxy and CoreDNS restarted, workloads, token Secrets and caBundles listed, join hashes printed', async () => {
    const { k8s, h } = await cluster();
    const oldCa = readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8');
    const jws = (h.get('configmaps', 'kube-public', 'cluster-info') as Obj)['data']['jws-kubeconfig-abcdef'];
    await rotateOk(k8s, 'prepare');
    await phase(k8s, h, 'trust');
    const t = await rotate(k8s, 'trust', '--in-cluster=apply');
    expect(t.code, t.stdout + t.stderr).toBe(0);
    const bundle = readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8');
    expect(pemsOf(bundle).length).toBe(2);
    expect(clusterInfoCa(h)).toBe(bundle);
    // the rest of cluster-info is kept: the server, the JWS signature (the bootstrap signer recomputes it)
    const cm = h.get('configmaps', 'kube-public', 'cluster-info') as Obj;
    expect(cm['data']['jws-kubeconfig-abcdef']).toBe(jws);
    expect(cm['data']['kubeconfig']).toContain(`server: ${h.url}\n`);
    expect(h.requests.some((r) => r.method === 'PATCH' && r.path.startsWith('/api/v1/namespaces/kube-public/configmaps/cluster-info') && r.contentType === 'application/merge-patch+json')).toBe(true);
    // kubectl rollout restart: a strategic merge patch with the restartedAt annotation on each
    for (const [plural, name] of [['daemonsets', 'kube-proxy'], ['deployments', 'coredns']] as const) {
      const at = restartedAt(h, plural, name);
      expect(at, name).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
      expect(Math.abs(Date.parse(at as string) - Date.now())).toBeLessThan(120_000);
    }
    expect(t.stdout).toMatch(/\[changed\] cluster-info: .*\n\s+was \[old\]; now \[old, new\]/);
    expect(t.stdout).toMatch(/\[ok\] kube-root-ca: .*\n\s+4 namespace\(s\) hold \[old, new\]/);
    expect(t.stdout).toContain('kube-system daemonset/kube-proxy (1 pod(s))');
    expect(t.stdout).toContain('kube-system deployment/coredns (2 pod(s))');
    expect(t.stdout).toContain('shop statefulset/legacy (1 pod(s))');
    expect(t.stdout).not.toMatch(/kube-apiserver-node1|static-web/);
    expect(t.stdout).toContain('validatingwebhookconfiguration/policy webhook check.policy.example.com: caBundle holds the old cluster CA only');
    expect(t.stdout).toContain('apiservice/v1beta1.metrics.k8s.io: caBundle holds the old cluster CA only');
    expect(t.stdout).not.toContain('other.policy.example.com');
    expect(t.stdout).toMatch(/3 other caBundle\(s\) need no change/);
    const hashes = [...t.stdout.matchAll(/--discovery-token-ca-cert-hash (sha256:[0-9a-f]{64}) \(a CA cluster-info holds\)/g)].map((m) => m[1]);
    expect(hashes.length).toBe(2);
    // every request was authenticated by admin.conf's client certificate, over TLS verified by its CA data
    expect(h.requests.length).toBeGreaterThan(8);
    expect(new Set(h.requests.map((r) => r.cn))).toEqual(new Set(['kubernetes-admin']));

    await phase(k8s, h, 'reissue');
    const restartsBefore = patches(h, /daemonsets|deployments/);
    const r = await rotate(k8s, 'reissue', '--in-cluster=apply');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(clusterInfoCa(h)).toBe(readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8'));
    expect(r.stdout).toMatch(/was \[old, new\]; now \[new, old\]/);
    expect(r.stdout).toMatch(/\[ok\] token-secrets: .*\n\s+secret shop\/legacy-token-q2w3e\n/);
    expect(r.stdout).not.toContain('db-password');
    expect(patches(h, /daemonsets|deployments/)).toBe(restartsBefore);

    const committed = await phase(k8s, h, 'finalize');
    const f = await rotate(k8s, 'finalize', '--in-cluster=apply');
    expect(f.code, f.stdout + f.stderr).toBe(0);
    const finalCa = readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8');
    expect(pemsOf(finalCa).length).toBe(1);
    expect(clusterInfoCa(h)).toBe(finalCa);
    expect(finalCa).not.toContain(pemsOf(oldCa)[0]?.split('\n')[1]);
    expect(patches(h, /daemonsets\/kube-proxy/)).toBe(2);
    expect(f.stdout).toContain('apiservice/v1beta1.metrics.k8s.io: caBundle still holds the old cluster CA');
    const newHash = /--discovery-token-ca-cert-hash (sha256:[0-9a-f]{64}) \(new CA\)/.exec(committed)?.[1];
    expect(newHash).toBeDefined();
    expect(f.stdout).toContain(`--discovery-token-ca-cert-hash ${newHash} (a CA cluster-info holds)`);
    expect(f.stdout.match(/a CA cluster-info holds/g)?.length).toBe(1);
  });

  it('partial failure: a stale kube-root-ca.crt stops the restarts, a failed PATCH is named; the rerun finishes and a further rerun changes nothing', async () => {
    const { k8s, h } = await cluster();
    await rotateOk(k8s, 'prepare');
    await rotateOk(k8s, 'trust');
    h.restartApiserver(); // the controller-manager is not restarted: kube-root-ca.crt still holds the old CA
    const a = await rotate(k8s, 'trust', '--in-cluster=apply');
    expect(a.code).toBe(1);
    expect(a.stdout).toMatch(/\[changed\] cluster-info/);
    expect(a.stdout).toMatch(/\[failed\] kube-root-ca: [^\n]*\n\s+error: kube-root-ca.crt does not hold the node's ca.crt yet in: default \(\[old\]\), kube-public \(\[old\]\), kube-system \(\[old\]\), shop \(\[old\]\); kubecerts does not write it/);
    expect(a.stdout).toMatch(/\[skipped\] restart-kube-proxy: [^\n]*\n\s+not run: step "kube-root-ca" did not succeed/);
    expect(a.stdout).toMatch(/\[skipped\] restart-coredns/);
    expect(a.stdout).toMatch(/\[ok\] workloads/);
    expect(a.stderr).toContain('1 in-cluster step(s) failed (kube-root-ca); the node\'s files are committed');
    expect(restartedAt(h, 'daemonsets', 'kube-proxy')).toBeUndefined();
    expect((h.get('configmaps', 'kube-system', 'kube-root-ca.crt') as Obj)['data']['ca.crt']).not.toBe(readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8'));

    // the publisher runs; CoreDNS's restart fails once (a 500 on its PATCH)
    h.restartControllerManager();
    h.failNext('PATCH', /deployments\/coredns$/, 500);
    const b = await rotate(k8s, 'trust', '--in-cluster=apply');
    expect(b.code).toBe(1);
    expect(b.stdout).toMatch(/\[unchanged\] cluster-info/);
    expect(b.stdout).toMatch(/\[ok\] restart-kube-proxy/);
    expect(b.stdout).toMatch(/\[failed\] restart-coredns: [^\n]*\n\s+error: kubectl -n kube-system rollout… exited 1: .*injected failure/);
    expect(b.stderr).toContain('(restart-coredns)');
    expect(patches(h, /daemonsets\/kube-proxy/)).toBe(1);
    expect(restartedAt(h, 'deployments', 'coredns')).toBeUndefined();

    // rerun: kube-proxy is not restarted again, CoreDNS is
    const c = await rotate(k8s, 'trust', '--in-cluster=apply');
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(c.stdout).toMatch(/\[done-before\] restart-kube-proxy/);
    expect(c.stdout).toMatch(/\[ok\] restart-coredns/);
    expect(patches(h, /daemonsets\/kube-proxy/)).toBe(1);
    expect(patches(h, /deployments\/coredns/)).toBe(1);
    expect(restartedAt(h, 'deployments', 'coredns')).toBeDefined();

    // idempotent: nothing written, nothing restarted
    const writes = h.requests.filter((r) => r.method !== 'GET').length;
    const d = await rotate(k8s, 'trust', '--in-cluster=apply');
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/\[unchanged\] cluster-info/);
    expect(d.stdout).toMatch(/\[done-before\] restart-coredns/);
    expect(h.requests.filter((r) => r.method !== 'GET').length).toBe(writes);
    expect(clusterInfoCa(h)).toBe(readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8'));
    expect(existsSync(join(k8s, '..', 'state', 'rotation', 'in-cluster.json'))).toBe(true);
    // a rollback forgets what was done: trust again restarts kube-proxy and CoreDNS again
    await rotateOk(k8s, 'rollback');
    expect(existsSync(join(k8s, '..', 'state', 'rotation', 'in-cluster.json'))).toBe(false);
    await rotateOk(k8s, 'trust');
    const e = await rotate(k8s, 'trust', '--in-cluster=apply');
    expect(e.code, e.stdout + e.stderr).toBe(0);
    expect(e.stdout).toMatch(/\[ok\] restart-kube-proxy/);
    expect(patches(h, /daemonsets\/kube-proxy/)).toBe(2);
  });

  it('a concurrent change of cluster-info between read and write is not overwritten (409 Conflict), and the rerun applies', async () => {
    const { k8s, h } = await cluster();
    await rotateOk(k8s, 'prepare');
    await phase(k8s, h, 'trust');
    // another client changes cluster-info between kubecerts' GET and its PATCH
    h.afterNext('GET', /configmaps\/cluster-info$/, () => {
      const cm = h.get('configmaps', 'kube-public', 'cluster-info') as Obj;
      h.put({ ...cm, data: { ...cm['data'], 'jws-kubeconfig-123456': 'other..sig' } });
    });
    const a = await rotate(k8s, 'trust', '--in-cluster=apply');
    expect(a.code).toBe(1);
    expect(a.stdout).toMatch(/\[failed\] cluster-info: [^\n]*\n\s+error: kubectl -n kube-public patch… exited 1: .*the object has been modified/);
    expect(h.requests.some((r) => r.method === 'PATCH' && r.status === 409)).toBe(true);
    expect(a.stdout).toMatch(/\[ok\] restart-kube-proxy/); // independent of cluster-info
    const b = await rotate(k8s, 'trust', '--in-cluster=apply');
    expect(b.code, b.stdout + b.stderr).toBe(0);
    expect(clusterInfoCa(h)).toBe(readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8'));
    // the other client's change is kept
    expect((h.get('configmaps', 'kube-public', 'cluster-info') as Obj)['data']['jws-kubeconfig-123456']).toBe('other..sig');
  });

  it('a client certificate the server does not trust: every step fails with kubectl\'s reason and nothing changes', async () => {
    const { k8s, h } = await cluster();
    await rotateOk(k8s, 'prepare');
    await rotateOk(k8s, 'trust');
    await rotateOk(k8s, 'reissue');
    // the stand-in still trusts only the old CA (not restarted since before trust): admin.conf's new-CA certificate is
    // refused in the TLS handshake (a real kube-apiserver answers 401 instead; kubectl fails either way)
    const a = await rotate(k8s, 'reissue', '--in-cluster=apply');
    expect(a.code).toBe(1);
    expect(a.stdout).toMatch(/\[failed\] api-server: [^\n]*\n\s+error: kubectl get --raw \/version… exited 1: (Unable to connect to the server|.*certificate|.*tls).*is kube-apiserver running with them/);
    for (const id of ['cluster-info', 'kube-root-ca', 'token-secrets', 'ca-bundles']) expect(a.stdout).toMatch(new RegExp(`\\[skipped\\] ${id}: [^\\n]*\\n\\s+not run: step "api-server" did not succeed`));
    expect(h.requests.filter((r) => r.method !== 'GET').length).toBe(0);
  });

  it('names from the API server with ESC, BEL and newlines are printed escaped; a forged record cannot skip the checks', async () => {
    const { k8s, h, otherCa } = await cluster();
    await rotateOk(k8s, 'prepare');
    await phase(k8s, h, 'trust');
    const evil = 'x\u001b]0;owned\u0007\n[ok] forged';
    // a workload owned by a controller with a hostile name, a webhook and an APIService with hostile names
    h.put({ kind: 'Pod', metadata: { name: 'p-1', namespace: 'shop', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: evil, uid: 'u9', controller: true }] }, spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'v', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }] } });
    const oldCaPem = pemsOf(readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8'))[0] as string;
    h.put({ kind: 'ValidatingWebhookConfiguration', metadata: { name: `hook${evil}` }, webhooks: [{ name: `w${evil}`, clientConfig: { url: 'https://x.example.com', caBundle: Buffer.from(oldCaPem).toString('base64') } }] });
    // a namespace whose kube-root-ca.crt is stale, with a hostile name
    h.put({ kind: 'Namespace', metadata: { name: `ns${evil}` } });
    h.put({ kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: `ns${evil}` }, data: { 'ca.crt': otherCa } });
    // a forged record claiming every step done for this phase and CA file
    const caFile = createHash('sha256').update(readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8')).digest('hex');
    const all = ['api-server', 'cluster-info', 'kube-root-ca', 'restart-kube-proxy', 'restart-coredns', 'workloads', 'ca-bundles'];
    writeFileSync(join(k8s, '..', 'state', 'rotation', 'in-cluster.json'), JSON.stringify({ phase: 'trust', caFile, done: all, at: new Date().toISOString() }), { mode: 0o600 });
    const a = await rotate(k8s, 'trust', '--in-cluster=apply');
    expect(a.code).toBe(1);
    for (const out of [a.stdout, a.stderr]) {
      expect(out).not.toContain('\u001b');
      expect(out).not.toContain('\u0007');
      expect(out).not.toMatch(/^\[ok\] forged/m);
    }
    expect(a.stdout).toContain('\\x1b]0;owned\\x07\\n[ok] forged');
    expect(a.stdout).toMatch(/\[ok\] api-server/);
    expect(a.stdout).toMatch(/\[changed\] cluster-info/);
    expect(a.stdout).toMatch(/\[failed\] kube-root-ca: [^\n]*\n\s+error: [^\n]*nsx\\x1b/);
    expect(a.stdout).toMatch(/\[ok\] workloads: [^\n]*\n(\s+[^\n]*\n)*\s+shop statefulset\/x\\x1b\]0;owned\\x07\\n\[ok\] forged/);
    expect(a.stdout).toMatch(/hookx\\x1b\]0;owned\\x07\\n\[ok\] forged webhook wx\\x1b/);
    // the record vouches for no check: every check ran, and nothing is "done-before" while a check failed
    expect(a.stdout).not.toContain('[done-before]');
    expect(a.stdout).toMatch(/\[skipped\] restart-kube-proxy: [^\n]*\n\s+not run: step "kube-root-ca" did not succeed/);
    expect(h.requests.some((r) => r.path.includes('/version'))).toBe(true);
  });
});

