/**
 * The in-cluster steps of a CA rotation phase, run through kubectl with admin.conf (`ca rotate <phase>
 * --in-cluster=apply`). What kubecerts changes in the cluster, and what it only reads and reports:
 * - `cluster-info` (kube-public): the kubeconfig inside it gets the node's ca.crt as its certificate-authority-data,
 *   byte for byte ([old,new] at trust, [new,old] at reissue, [new] at finalize). kubeadm join accepts the bundle when
 *   any of its CAs matches a pinned hash (cmd/kubeadm/app/discovery/token/token.go, pubKeyPins.CheckAny), and the
 *   controller-manager's bootstrap signer re-signs the changed kubeconfig (pkg/controller/bootstrap/bootstrapsigner.go).
 *   The merge patch carries the resourceVersion read, so a concurrent change is never overwritten (409, rerun).
 * - `kube-root-ca.crt` (every namespace): checked, never written. The controller-manager's root-CA publisher
 *   (pkg/controller/certificates/rootcacertpublisher/publisher.go) owns it, writes the bytes of its --root-ca-file
 *   and rewrites any other content back, so the only way to refresh it is to restart the controller-manager after the
 *   phase's commit (`--restart`). The step fails, naming the namespaces still stale, until the publisher has run.
 * - kube-proxy and CoreDNS: `kubectl rollout restart` (trust, finalize), only once kube-system's kube-root-ca.crt
 *   holds the node's CA bundle (a pod started earlier would mount the old CA); done once per phase and CA file.
 * - workloads mounting service-account tokens or kube-root-ca.crt, webhook configurations and APIServices whose
 *   caBundle holds the old cluster CA, legacy token Secrets (reissue): listed with what to do, never changed
 *   (their owners decide how to restart them or re-issue their serving certificates).
 * Each step is idempotent: a rerun writes cluster-info only when it differs and skips restarts already done for this
 * phase and CA file (the record is kept in the state folder by the caller).
 */
import { loadYaml } from '../../kubeconfig/yaml-load.js';
import { replaceValues } from '../../kubeconfig/in-place.js';
import { parseBundle, spkiHash } from '../../pki/trust-bundle.js';

/** Runs kubectl with these arguments (no shell); the caller adds nothing else. */
export type KubectlRunner = (args: readonly string[]) => { code: number; stdout: string; stderr: string; timedOutSeconds?: number };

/** One step's outcome. */
export interface InClusterOutcome {
  readonly id: string;
  readonly title: string;
  /** ok: done now; done-before: recorded as done for this phase and CA file; skipped: depends on a failed step */
  readonly result: 'ok' | 'changed' | 'unchanged' | 'done-before' | 'failed' | 'skipped';
  /** what was found or done, one line each */
  readonly lines: readonly string[];
  readonly error?: string;
}

export interface InClusterInput {
  readonly phase: 'trust' | 'reissue' | 'finalize';
  /** admin.conf */
  readonly kubeconfig: string;
  /** the node's ca.crt text (the bundle of this phase), or undefined when the cluster CA is not rotated */
  readonly caBundle: string | undefined;
  /** SHA-256 (hex, of the DER) of the old and new cluster CA, from the rotation plan */
  readonly oldCa: string | undefined;
  readonly newCa: string | undefined;
  /** the command printed to restart the controller-manager (with this run's --manifests-dir) */
  readonly restartKcm?: string;
  /** restart steps already done for this phase and CA file (ids), from the state folder */
  readonly doneBefore: readonly string[];
  readonly kubectl: KubectlRunner;
}

export interface InClusterReport {
  readonly outcomes: readonly InClusterOutcome[];
  /** ids of restart steps done (now or before), for the caller's record */
  readonly done: readonly string[];
  /** join hashes of every CA cluster-info holds after the run (what kubeadm join pins against) */
  readonly joinHashes: readonly string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The ids of the steps a record of the state folder may skip (rollout restarts, not to be repeated). */
export const RESTART_IDS: readonly string[] = ['restart-kube-proxy', 'restart-coredns'];

/** Thrown inside a step: its message becomes the step's error. */
class StepError extends Error {}

/** The kubectl steps of one phase; see the module comment. Never throws for a cluster-side failure: it is reported. */
export function applyInCluster(inp: InClusterInput): InClusterReport {
  const base = ['--kubeconfig', inp.kubeconfig, '--request-timeout', '20s'];
  const run = (args: readonly string[]): string => {
    const r = inp.kubectl([...base, ...args]);
    if (r.timedOutSeconds !== undefined) throw new StepError(`kubectl ${args.slice(0, 3).join(' ')}… timed out after ${r.timedOutSeconds} s${lastLine(r.stderr) ? `: ${lastLine(r.stderr)}` : ''}`);
    if (r.code !== 0) throw new StepError(`kubectl ${args.slice(0, 3).join(' ')}… exited ${r.code}: ${lastLine(r.stderr) || lastLine(r.stdout) || 'no output'}`);
    return r.stdout;
  };
  const json = (args: readonly string[]): Obj => {
    const out = run([...args, '-o', 'json']);
    try {
      const v: unknown = JSON.parse(out);
      if (!isObj(v)) throw new Error('not an object');
      return v;
    } catch (err) {
      throw new StepError(`kubectl ${args.join(' ')}: unreadable JSON (${(err as Error).message})`);
    }
  };
  const outcomes: InClusterOutcome[] = [];
  // only restarts are skipped when recorded as done: every check and write runs again (a record cannot vouch for them)
  const doneBefore = inp.doneBefore.filter((d) => RESTART_IDS.includes(d));
  const done = [...doneBefore];
  const step = (id: string, title: string, body: () => { result?: InClusterOutcome['result']; lines: string[] }, dependsOn: readonly string[] = []): InClusterOutcome => {
    const failedDep = dependsOn.find((d) => outcomes.find((o) => o.id === d)?.result === 'failed' || outcomes.find((o) => o.id === d)?.result === 'skipped');
    let o: InClusterOutcome;
    if (failedDep) o = { id, title, result: 'skipped', lines: [`not run: step "${failedDep}" did not succeed`] };
    else if (doneBefore.includes(id)) o = { id, title, result: 'done-before', lines: ['already done for this phase and CA file'] };
    else {
      try {
        const r = body();
        o = { id, title, result: r.result ?? 'ok', lines: r.lines };
      } catch (err) {
        if (!(err instanceof StepError)) throw err;
        o = { id, title, result: 'failed', lines: [], error: err.message };
      }
    }
    outcomes.push(o);
    return o;
  };
  const want = inp.caBundle !== undefined ? new Set(parseBundle(inp.caBundle).map((c) => c.fingerprint)) : undefined;
  let joinHashes: string[] = [];

  // one request first: when admin.conf cannot reach or authenticate to the API server, every other step says so
  const reach = step('api-server', 'the API server accepts admin.conf (TLS with its CA data, its client certificate)', () => {
    try {
      run(['get', '--raw', '/version']);
    } catch (err) {
      throw new StepError(`${(err as Error).message} (admin.conf holds this phase's files: is kube-apiserver running with them? --restart restarts it)`);
    }
    return { lines: [] };
  });
  const after = (...ids: string[]): string[] => [reach.id, ...ids];
  if (inp.caBundle !== undefined && want) {
    const bundle = inp.caBundle;
    step('cluster-info', 'kube-public/cluster-info: certificate-authority-data = the node\'s ca.crt', () => {
      const cm = json(['-n', 'kube-public', 'get', 'configmap', 'cluster-info']);
      const data = isObj(cm['data']) ? cm['data'] : {};
      const text = str(data['kubeconfig']);
      if (!text) throw new StepError('kube-public/cluster-info has no data.kubeconfig (was the cluster made by kubeadm?)');
      const { edited, before } = withClusterCa(text, bundle);
      joinHashes = parseBundle(bundle).map((c) => spkiHash(c.cert));
      if (before === bundle) return { result: 'unchanged', lines: ['already holds the node\'s CA bundle'] };
      const rv = isObj(cm['metadata']) ? str(cm['metadata']['resourceVersion']) : '';
      const patch = JSON.stringify({ metadata: { resourceVersion: rv }, data: { kubeconfig: edited } });
      run(['-n', 'kube-public', 'patch', 'configmap', 'cluster-info', '--type', 'merge', '-p', patch]);
      return { result: 'changed', lines: [`was ${describe(before, inp)}; now ${describe(bundle, inp)} (the bootstrap signer re-signs it)`] };
    }, after());
    step('kube-root-ca', 'kube-root-ca.crt in every namespace holds the node\'s ca.crt (published by the controller-manager)', () => {
      const list = json(['get', 'configmaps', '-A', '--field-selector', 'metadata.name=kube-root-ca.crt']);
      const items = Array.isArray(list['items']) ? (list['items'] as unknown[]).filter(isObj) : [];
      const stale: string[] = [];
      let systemOk = false;
      for (const it of items) {
        const ns = isObj(it['metadata']) ? str(it['metadata']['namespace']) : '';
        const d = isObj(it['data']) ? str(it['data']['ca.crt']) : '';
        const have = new Set(parseBundle(d).map((c) => c.fingerprint));
        const same = have.size === want.size && [...want].every((f) => have.has(f));
        if (!same) stale.push(`${ns} (${describe(d, inp)})`);
        else if (ns === 'kube-system') systemOk = true;
      }
      stale.sort();
      if (!systemOk || stale.length > 0) {
        throw new StepError(`kube-root-ca.crt does not hold the node's ca.crt yet in: ${stale.length > 0 ? stale.join(', ') : 'kube-system (absent)'}; kubecerts does not write it (the controller-manager's root-CA publisher owns it): restart the controller-manager with the new --root-ca-file (--restart, or ${inp.restartKcm ?? 'kubecerts control-plane restart kube-controller-manager'}), wait for it to publish, rerun`);
      }
      return { lines: [`${items.length} namespace(s) hold ${describe(bundle, inp)}`] };
    }, after());
  }
  if (inp.phase === 'trust' || inp.phase === 'finalize') {
    for (const [kind, name] of [['daemonset', 'kube-proxy'], ['deployment', 'coredns']] as const) {
      const o = step(`restart-${name}`, `kube-system ${kind}/${name}: rollout restart (its pods mount kube-root-ca.crt)`, () => {
        const out = run(['-n', 'kube-system', 'rollout', 'restart', `${kind}/${name}`]);
        return { lines: [out.trim()] };
      }, inp.caBundle !== undefined ? after('kube-root-ca') : after());
      if (o.result === 'ok') done.push(o.id);
    }
  }
  if (inp.phase === 'trust' || inp.phase === 'reissue') {
    step('workloads', 'workloads that mount service-account tokens or kube-root-ca.crt (restart them: kubectl rollout restart)', () => {
      const secrets = tokenSecrets(json(['get', 'secrets', '-A', '--field-selector', 'type=kubernetes.io/service-account-token']));
      const owners = workloadsMountingTokens(json(['get', 'pods', '-A']), new Set(secrets));
      return { lines: owners.length > 0 ? owners : ['none'] };
    }, after());
  }
  if (inp.phase === 'reissue') {
    step('token-secrets', 'legacy service-account token Secrets (clear data.token: the tokens controller re-mints it with the new key)', () => {
      const names = tokenSecrets(json(['get', 'secrets', '-A', '--field-selector', 'type=kubernetes.io/service-account-token']));
      return { lines: names.length > 0 ? names.map((n) => `secret ${n}`) : ['none'] };
    }, after());
  }
  if (inp.oldCa !== undefined) {
    step('ca-bundles', 'webhook configurations and APIServices whose caBundle holds the old cluster CA', () => {
      const list = json(['get', 'validatingwebhookconfigurations,mutatingwebhookconfigurations,apiservices']);
      return { lines: caBundleHolders(list, inp) };
    }, after());
  }
  return { outcomes, done: [...new Set(done)], joinHashes };
}

/** The cluster-info kubeconfig with its (first) cluster's certificate-authority-data set to `pem`, other bytes kept. */
export function withClusterCa(text: string, pem: string): { edited: string; before: string } {
  let doc: unknown;
  try {
    doc = loadYaml(text);
  } catch (err) {
    throw new StepError(`kube-public/cluster-info: data.kubeconfig is not YAML (${(err as Error).message.split('\n')[0] ?? ''})`);
  }
  const clusters = isObj(doc) && Array.isArray(doc['clusters']) ? (doc['clusters'] as unknown[]) : [];
  const c0 = clusters[0];
  const cluster = isObj(c0) && isObj(c0['cluster']) ? c0['cluster'] : undefined;
  const b64 = cluster ? str(cluster['certificate-authority-data']) : '';
  if (!cluster || !b64) throw new StepError('kube-public/cluster-info: its kubeconfig has no cluster with certificate-authority-data');
  const after = Buffer.from(pem).toString('base64');
  const before = Buffer.from(b64, 'base64').toString('utf8');
  const edited = replaceValues(text, [b64], [after]);
  if (edited === undefined) throw new StepError('kube-public/cluster-info: its certificate-authority-data cannot be replaced unambiguously');
  return { edited, before };
}

/** Describes a CA bundle against the rotation: "[old, new]", "[new]", with "other" for foreign certificates. */
function describe(pem: string, inp: Pick<InClusterInput, 'oldCa' | 'newCa'>): string {
  const fps = parseBundle(pem).map((c) => c.fingerprint);
  if (fps.length === 0) return 'no certificate';
  return `[${fps.map((f) => (f === inp.oldCa ? 'old' : f === inp.newCa ? 'new' : 'other')).join(', ')}]`;
}

const lastLine = (s: string): string => s.trim().split('\n').pop() ?? '';

/** "namespace/name" of each legacy service-account token Secret in a list. */
function tokenSecrets(list: Obj): string[] {
  const items = Array.isArray(list['items']) ? (list['items'] as unknown[]).filter(isObj) : [];
  return items.map((s) => (isObj(s['metadata']) ? `${str(s['metadata']['namespace'])}/${str(s['metadata']['name'])}` : '')).filter((n) => n !== '/').sort();
}

/**
 * The controllers (or bare pods) whose pods mount a service-account token (a projected serviceAccountToken, a legacy
 * token Secret) or kube-root-ca.crt, one line each: "namespace kind/name (N pod(s))". A ReplicaSet named
 * "<deployment>-<pod-template-hash>" is reported as its Deployment (the name kubectl rollout restart takes).
 */
function workloadsMountingTokens(list: Obj, tokenSecretNames: ReadonlySet<string>): string[] {
  const items = Array.isArray(list['items']) ? (list['items'] as unknown[]).filter(isObj) : [];
  const count = new Map<string, number>();
  for (const pod of items) {
    const meta = isObj(pod['metadata']) ? pod['metadata'] : {};
    const spec = isObj(pod['spec']) ? pod['spec'] : {};
    const ns = str(meta['namespace']);
    const volumes = Array.isArray(spec['volumes']) ? (spec['volumes'] as unknown[]).filter(isObj) : [];
    const mounts = volumes.some((v) => {
      const projected = isObj(v['projected']) && Array.isArray(v['projected']['sources']) ? (v['projected']['sources'] as unknown[]).filter(isObj) : [];
      if (projected.some((s) => isObj(s['serviceAccountToken']) || (isObj(s['configMap']) && s['configMap']['name'] === 'kube-root-ca.crt'))) return true;
      if (isObj(v['configMap']) && v['configMap']['name'] === 'kube-root-ca.crt') return true;
      return isObj(v['secret']) && tokenSecretNames.has(`${ns}/${str(v['secret']['secretName'])}`);
    });
    if (!mounts) continue;
    const owner = (Array.isArray(meta['ownerReferences']) ? (meta['ownerReferences'] as unknown[]).filter(isObj) : []).find((r) => r['controller'] === true);
    let kind = owner ? str(owner['kind']).toLowerCase() : 'pod';
    let name = owner ? str(owner['name']) : str(meta['name']);
    const hash = isObj(meta['labels']) ? str(meta['labels']['pod-template-hash']) : '';
    if (kind === 'replicaset' && hash && name.endsWith(`-${hash}`)) {
      kind = 'deployment';
      name = name.slice(0, -hash.length - 1);
    }
    const key = `${ns} ${kind}/${name}`;
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  return [...count].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} (${n} pod(s))`);
}

/**
 * Webhook configurations and APIServices, each caBundle classified against the rotation: the ones that must change
 * (hold the old cluster CA and, before finalize, not the new; at finalize, still the old) first, then a count of the
 * rest (another CA, no caBundle, or already right).
 */
function caBundleHolders(list: Obj, inp: Pick<InClusterInput, 'phase' | 'oldCa' | 'newCa'>): string[] {
  const items = Array.isArray(list['items']) ? (list['items'] as unknown[]).filter(isObj) : [];
  const must: string[] = [];
  let fine = 0;
  const classify = (what: string, b64: string): void => {
    const pem = b64 ? Buffer.from(b64, 'base64').toString('utf8') : '';
    const fps = new Set(parseBundle(pem).map((c) => c.fingerprint));
    const hasOld = inp.oldCa !== undefined && fps.has(inp.oldCa);
    const hasNew = inp.newCa !== undefined && fps.has(inp.newCa);
    if (hasOld && inp.phase === 'finalize') must.push(`${what}: caBundle still holds the old cluster CA: drop it (re-issue the serving certificate with the new CA first)`);
    else if (hasOld && !hasNew) must.push(`${what}: caBundle holds the old cluster CA only: add the new CA now, re-issue its serving certificate with the new CA after reissue`);
    else fine++;
  };
  for (const it of items) {
    const kind = str(it['kind']).toLowerCase();
    const name = isObj(it['metadata']) ? str(it['metadata']['name']) : '';
    if (kind === 'apiservice') {
      const spec = isObj(it['spec']) ? it['spec'] : {};
      classify(`apiservice/${name}`, str(spec['caBundle']));
      continue;
    }
    const hooks = Array.isArray(it['webhooks']) ? (it['webhooks'] as unknown[]).filter(isObj) : [];
    for (const h of hooks) classify(`${kind}/${name} webhook ${str(h['name'])}`, isObj(h['clientConfig']) ? str(h['clientConfig']['caBundle']) : '');
  }
  return [...must, `${fine} other caBundle(s) need no change for this phase (another CA, none, or already right)`];
}
