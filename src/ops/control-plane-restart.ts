/**
 * `control-plane restart`: the documented procedure of the Kubernetes page "Certificate Management with kubeadm"
 * (move a static-pod manifest out of the manifests folder, let the kubelet stop the pod, move it back), done safely:
 * one component at a time, etcd first and only while the other members keep quorum, waiting for the observed stop
 * and the observed healthy start serving the current certificate, stopping at the first failure with the manifest
 * back in place, journaled so a killed run is repaired by the next one. Only the kubelet's folder is used, so it
 * works with any container runtime.
 *
 * Callable from renew: `restartComponents(names, options)` returns one typed outcome per component.
 */
import { basename, join, relative, resolve, isAbsolute } from 'node:path';
import { KubecertsError, describe as describeError, type RestartCode } from '../errors.js';
import { httpsGet, type TlsClientFiles } from '../net/tls-probe.js';
import { COMPONENTS, certificateConsumers, componentsUsing, type ComponentName, type StaticPod } from '../node/manifests.js';
import type { NodeHost, ProcessInfo } from '../store/node-host.js';
import { RestartJournal, holdingDirProblem, type Recovery } from '../store/restart-journal.js';
import { etcdClientFiles, fingerprint, loadPods, observe, readCert, readKubeconfigClient, type Observation } from './control-plane-observe.js';
import { extraManifests } from './control-plane-status.js';

export interface RestartOptions {
  readonly host: NodeHost;
  readonly manifestsDir: string;
  /** where manifests wait while out; must be outside the manifests folder, on the same filesystem */
  readonly holdingDir: string;
  /** bound of each wait (stop, start), ms */
  readonly timeoutMs: number;
  /** per probe, ms */
  readonly probeTimeoutMs: number;
  /** poll interval of the waits, ms */
  readonly pollMs?: number;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** called as each step happens (output/control-plane-text.ts renders it as a progress line); optional */
  readonly onStep?: (step: RestartStep) => void;
  /** aborting (e.g. on SIGINT/SIGTERM) ends the current wait: the manifest is put back and nothing further starts */
  readonly signal?: AbortSignal;
}

/** A step of one component's restart as it begins (typed; `restartStepText` in output/ says it in words). */
export type RestartStep =
  /** etcd: asking the other members whether they keep quorum without this one */
  | { readonly kind: 'quorum-check'; readonly component: ComponentName }
  /** the manifest goes out to the holding folder */
  | { readonly kind: 'move-out'; readonly component: ComponentName; readonly manifest: string; readonly held: string }
  | { readonly kind: 'wait-stopped'; readonly component: ComponentName }
  /** the manifest comes back into the manifests folder */
  | { readonly kind: 'move-back'; readonly component: ComponentName; readonly manifest: string; readonly held: string }
  | { readonly kind: 'wait-healthy'; readonly component: ComponentName };

export interface PlannedRestart {
  readonly component: ComponentName;
  readonly manifest: string;
  readonly held: string;
  /** what "back" means for this component */
  readonly waitFor: string;
}

export type RestartOutcome =
  | { readonly component: ComponentName; readonly result: 'restarted'; readonly stoppedAfterMs: number; readonly healthyAfterMs: number }
  | { readonly component: ComponentName; readonly result: 'failed'; readonly step: 'check' | 'stop' | 'start'; readonly error: string }
  | { readonly component: ComponentName; readonly result: 'not attempted' };

export interface RestartReport {
  readonly recovered: Recovery;
  readonly outcomes: readonly RestartOutcome[];
  readonly ok: boolean;
}

export class RestartError extends KubecertsError<RestartCode> {}

/** `all` or names → the components in restart order (etcd, kube-apiserver, kube-controller-manager, kube-scheduler). */
export function restartOrder(names: readonly string[]): ComponentName[] {
  const want = new Set(names);
  for (const n of want) {
    if (n !== 'all' && !(COMPONENTS as readonly string[]).includes(n)) {
      throw new RestartError('RESTART_NAME', `unknown component "${n}": choose from ${['all', ...COMPONENTS].join(', ')}`);
    }
  }
  return COMPONENTS.filter((c) => want.has('all') || want.has(c));
}

/**
 * The components on this node that use any of `changedPaths` (certificate, key, CA or kubeconfig files a renewal
 * replaced), in restart order, from the manifests in `manifestsDir`: what `certs renew --restart` restarts.
 * Manifests that are missing or do not parse contribute nothing (status reports them).
 */
export function componentsToRestart(host: NodeHost, manifestsDir: string, changedPaths: readonly string[]): ComponentName[] {
  const pods = loadPods(host, manifestsDir).flatMap((l) => (l.state === 'ok' ? [l.pod] : []));
  return componentsUsing(certificateConsumers(pods), changedPaths.map((p) => resolve(p)));
}

/** The holding folder kubecerts uses next to the manifests folder: `<parent>/tmp/kubecerts-held-manifests`. */
export const defaultHoldingDir = (manifestsDir: string): string => join(resolve(manifestsDir), '..', 'tmp', 'kubecerts-held-manifests');

/** Refuses a holding folder inside the manifests folder (links resolved), not ours, or open to group/others. */
function assertOutside(host: NodeHost, holdingDir: string, manifestsDir: string): void {
  const problem = holdingDirProblem(host, holdingDir, manifestsDir);
  if (problem) throw new RestartError('RESTART_HOLDING_DIR', problem);
}

const WAIT_FOR: Record<ComponentName, string> = {
  etcd: 'stopped (ports closed, process gone); back: /health true, client and peer ports serve the files, other members healthy',
  'kube-apiserver': 'stopped (port closed, process gone); back: /readyz 200 and the port serves --tls-cert-file',
  'kube-controller-manager': 'stopped (process gone, /healthz closed); back: a new process and /healthz 200',
  'kube-scheduler': 'stopped (process gone, /healthz closed); back: a new process and /healthz 200',
};

/**
 * Checks what can be checked without moving anything and returns the plan: the manifests must parse, no other file
 * in the folder may run the same component (a stray copy would keep it running), the holding folder must be outside,
 * ours and closed to group/others. Throws RestartError naming the first problem.
 */
export function planRestart(names: readonly string[], o: Pick<RestartOptions, 'host' | 'manifestsDir' | 'holdingDir'>): { plan: PlannedRestart[]; pods: Map<ComponentName, StaticPod> } {
  assertOutside(o.host, o.holdingDir, o.manifestsDir);
  const order = restartOrder(names);
  const loaded = loadPods(o.host, o.manifestsDir);
  const pods = new Map<ComponentName, StaticPod>();
  for (const l of loaded) if (l.state === 'ok') pods.set(l.component, l.pod);
  const strays = extraManifests(o.host, o.manifestsDir);
  const plan: PlannedRestart[] = [];
  for (const c of order) {
    const l = loaded.find((x) => x.component === c);
    if (!l || l.state === 'missing') {
      if (names.includes('all')) continue;
      throw new RestartError('RESTART_MANIFEST', `cannot restart ${c}: manifest "${l?.path ?? c}" does not exist`);
    }
    if (l.state === 'invalid') throw new RestartError('RESTART_MANIFEST', `cannot restart ${c}: ${l.error}`);
    const stray = strays.find((s) => s.runs === c);
    if (stray) {
      throw new RestartError('RESTART_STRAY', `cannot restart ${c}: "${join(o.manifestsDir, stray.file)}" runs a second ${c}; move it out of the manifests folder first`);
    }
    plan.push({ component: c, manifest: l.path, held: join(o.holdingDir, basename(l.path)), waitFor: WAIT_FOR[c] });
  }
  if (plan.length === 0) throw new RestartError('RESTART_MANIFEST', `no control-plane manifests in "${o.manifestsDir}"`);
  return { plan, pods };
}

const timeFmt = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** True when the component's process is gone and nothing answers where it served. */
function isStopped(obs: Observation, before: readonly ProcessInfo[], host: NodeHost): boolean {
  if (before.some((p) => host.alive(p.pid, p.startTicks))) return false;
  if (obs.processes.length > 0) return false;
  return obs.served.every((s) => s.refused) && obs.health.status === 0;
}

/** Why the component is not yet back, or undefined when it is healthy and serves the files. */
function notBackReason(host: NodeHost, pod: StaticPod, obs: Observation, before: readonly ProcessInfo[]): string | undefined {
  const fresh = obs.processes.filter((p) => !before.some((b) => b.pid === p.pid && b.startTicks === p.startTicks));
  if (fresh.length === 0) return 'no new process runs the manifest\'s command';
  if (!obs.health.ok) return `${obs.health.url}: ${obs.health.detail}`;
  for (const e of pod.endpoints) {
    const s = obs.served.find((x) => x.endpoint === e.name);
    const file = readCert(host, e.certFile);
    if (!file.ok) return `${e.certFile}: ${file.error}`;
    if (!s?.cert) return `${s?.address ?? e.port}: ${s?.error ?? 'not probed'}`;
    if (fingerprint(s.cert) !== fingerprint(file.cert)) return `${s.address} serves a certificate other than ${e.certFile}`;
  }
  if (pod.component !== 'etcd') {
    for (const f of pod.files.filter((x) => x.role === 'kubeconfig')) {
      const kc = readKubeconfigClient(host, f.path);
      for (const p of kc.paths) {
        const t = host.times(p);
        if (t && fresh.every((n) => n.startedAt < t.ctimeMs)) return `${p} changed after the new process started`;
      }
    }
  }
  return undefined;
}

interface EtcdMember {
  readonly name: string;
  readonly clientURLs: readonly string[];
}

/** The members of the etcd cluster, from etcd's v3 gateway (`/v3/cluster/member/list`) on the first endpoint that answers. */
async function etcdMembers(endpoints: readonly string[], tls: TlsClientFiles, timeoutMs: number): Promise<EtcdMember[] | string> {
  let last = 'no endpoint';
  for (const e of endpoints) {
    const r = await httpsGet(`${e.replace(/\/$/, '')}/v3/cluster/member/list`, timeoutMs, { ...tls, body: '{}' });
    if (r.status !== 200) {
      last = `${e}: ${r.error ?? `HTTP ${r.status}`}`;
      continue;
    }
    try {
      const doc = JSON.parse(r.body) as { members?: { name?: string; clientURLs?: string[] }[] };
      return (doc.members ?? []).map((m) => ({ name: m.name ?? '', clientURLs: m.clientURLs ?? [] }));
    } catch {
      last = `${e}: member list does not parse`;
    }
  }
  return last;
}

async function memberHealthy(m: EtcdMember, tls: TlsClientFiles, timeoutMs: number): Promise<boolean> {
  for (const u of m.clientURLs) {
    const r = await httpsGet(`${u.replace(/\/$/, '')}/health`, timeoutMs, tls);
    if (r.status === 200 && /"health"\s*:\s*"true"/.test(r.body)) return true;
  }
  return false;
}

/**
 * The quorum rule: restarting this node's member is allowed only while the other members that stay up are a
 * majority of the whole cluster. Returns undefined when allowed, else the reason. A one-member cluster is allowed
 * (it cannot keep quorum through any restart; the cluster is briefly unavailable, as with kubeadm's procedure).
 */
export async function etcdQuorumCheck(etcd: StaticPod, apiserver: StaticPod | undefined, host: NodeHost, timeoutMs: number): Promise<string | undefined> {
  const tls = etcdClientFiles(host, etcd, apiserver);
  if (!tls.cert) return 'no etcd client certificate to ask the other members with (etcd/healthcheck-client.crt or --etcd-certfile)';
  const local = etcd.endpoints.find((e) => e.name === 'etcd-client');
  const endpoints = [
    ...(local ? [`https://${local.host.includes(':') ? `[${local.host}]` : local.host}:${local.port}`] : []),
    ...(apiserver?.flags.get('etcd-servers') ?? '').split(',').filter(Boolean),
  ];
  const members = await etcdMembers(endpoints, tls, timeoutMs);
  if (typeof members === 'string') return `cannot list the etcd members: ${members}`;
  if (members.length <= 1) return undefined;
  const others = members.filter((m) => m.name !== etcd.nodeName);
  const healthy = await Promise.all(others.map((m) => memberHealthy(m, tls, timeoutMs)));
  const up = healthy.filter(Boolean).length;
  const quorum = Math.floor(members.length / 2) + 1;
  if (up < quorum) {
    const down = others.filter((_m, i) => !healthy[i]).map((m) => m.name || '(unnamed)');
    return `restarting etcd member ${etcd.nodeName ?? ''} would break quorum: ${up} of the other ${others.length} members are healthy (unhealthy: ${down.join(', ')}), ${quorum} of ${members.length} are needed`;
  }
  return undefined;
}

async function waitUntil(o: RestartOptions, check: () => Promise<string | undefined>): Promise<{ ok: true; ms: number } | { ok: false; why: string }> {
  const start = o.now().getTime();
  let why = 'not checked';
  for (;;) {
    if (o.signal?.aborted) return { ok: false, why: 'interrupted' };
    const r = await check();
    if (r === undefined) return { ok: true, ms: o.now().getTime() - start };
    why = r;
    if (o.now().getTime() - start >= o.timeoutMs) return { ok: false, why };
    await o.sleep(o.pollMs ?? 100);
  }
}

/**
 * Restarts `names` (component names or "all") one at a time through the kubelet's manifests folder. Returns one
 * outcome per planned component; stops at the first failure (later ones "not attempted"), with every manifest in
 * place. Throws RestartError before moving anything when the plan is refused, LockedError when another restart runs.
 */
export async function restartComponents(names: readonly string[], o: RestartOptions): Promise<RestartReport> {
  assertOutside(o.host, o.holdingDir, o.manifestsDir);
  if (!o.host.exists(o.manifestsDir)) throw new RestartError('RESTART_MANIFEST', `manifests folder "${o.manifestsDir}" does not exist`);
  // recover (and lock) first: a manifest a killed run left out must be back before the plan reads the folder
  const { journal, recovery } = RestartJournal.open(o.host, o.holdingDir, o.manifestsDir, o.now());
  const outcomes: RestartOutcome[] = [];
  const step = (s: RestartStep): void => o.onStep?.(s);
  try {
    const { plan, pods } = planRestart(names, o);
    for (const p of plan) {
      if (outcomes.some((x) => x.result === 'failed') || o.signal?.aborted) {
        outcomes.push({ component: p.component, result: 'not attempted' });
        continue;
      }
      outcomes.push(await restartOne(p, pods, o, journal, step));
    }
  } finally {
    journal.close();
  }
  return { recovered: recovery, outcomes, ok: outcomes.every((x) => x.result === 'restarted') };
}

async function restartOne(
  p: PlannedRestart,
  pods: Map<ComponentName, StaticPod>,
  o: RestartOptions,
  journal: RestartJournal,
  step: (s: RestartStep) => void,
): Promise<RestartOutcome> {
  const pod = pods.get(p.component) as StaticPod;
  const apiserver = pods.get('kube-apiserver');
  const client = p.component === 'etcd' ? etcdClientFiles(o.host, pod, apiserver) : {};
  const look = (): Promise<Observation> => observe(pod, o.host.processes(new Set<string>(COMPONENTS)), client, o.probeTimeoutMs);
  if (p.component === 'etcd') {
    step({ kind: 'quorum-check', component: p.component });
    const refused = await etcdQuorumCheck(pod, apiserver, o.host, o.probeTimeoutMs);
    if (refused) return { component: p.component, result: 'failed', step: 'check', error: refused };
  }
  const before = (await look()).processes;
  if (o.host.exists(p.held)) {
    return { component: p.component, result: 'failed', step: 'check', error: `"${p.held}" already exists; a manifest of a failed restart? inspect and remove it` };
  }
  const h = { manifest: p.manifest, held: p.held };
  journal.record([h]);
  step({ kind: 'move-out', component: p.component, manifest: p.manifest, held: p.held });
  try {
    journal.moveOut(h);
  } catch (err) {
    journal.record([]);
    return { component: p.component, result: 'failed', step: 'stop', error: `cannot move ${p.manifest} out: ${describeError(err)}` };
  }
  const putBack = (): void => journal.moveBack(h);
  step({ kind: 'wait-stopped', component: p.component });
  const stopped = await waitUntil(o, async () => (isStopped(await look(), before, o.host) ? undefined : 'still running'));
  step({ kind: 'move-back', component: p.component, manifest: p.manifest, held: p.held });
  putBack();
  if (!stopped.ok && o.signal?.aborted) {
    return { component: p.component, result: 'failed', step: 'stop', error: `interrupted while waiting for ${p.component} to stop; the manifest is back in place` };
  }
  if (!stopped.ok) {
    return { component: p.component, result: 'failed', step: 'stop', error: `${p.component} did not stop within ${timeFmt(o.timeoutMs)} after its manifest was moved out (is the kubelet running and watching ${o.manifestsDir}?); the manifest is back in place` };
  }
  step({ kind: 'wait-healthy', component: p.component });
  const back = await waitUntil(o, async () => {
    const why = notBackReason(o.host, pod, await look(), before);
    if (why || p.component !== 'etcd') return why;
    return etcdQuorumAfter(pod, apiserver, o);
  });
  if (!back.ok && o.signal?.aborted) {
    return { component: p.component, result: 'failed', step: 'start', error: `interrupted while waiting for ${p.component} to come back; the manifest is back in place` };
  }
  if (!back.ok) {
    return { component: p.component, result: 'failed', step: 'start', error: `${p.component} did not come back within ${timeFmt(o.timeoutMs)}: ${back.why}; the manifest is back in place` };
  }
  return { component: p.component, result: 'restarted', stoppedAfterMs: stopped.ms, healthyAfterMs: back.ms };
}

async function etcdQuorumAfter(etcd: StaticPod, apiserver: StaticPod | undefined, o: RestartOptions): Promise<string | undefined> {
  const tls = etcdClientFiles(o.host, etcd, apiserver);
  const local = etcd.endpoints.find((e) => e.name === 'etcd-client');
  if (!local) return undefined;
  const members = await etcdMembers([`https://${local.host}:${local.port}`], tls, o.probeTimeoutMs);
  if (typeof members === 'string') return `etcd member list: ${members}`;
  const healthy = await Promise.all(members.map((m) => memberHealthy(m, tls, o.probeTimeoutMs)));
  const up = healthy.filter(Boolean).length;
  return up >= Math.floor(members.length / 2) + 1 ? undefined : `only ${up} of ${members.length} etcd members are healthy`;
}

/** For `--dry-run` and callers that want the plan with the quorum verdict, without moving anything. */
export async function describeRestart(names: readonly string[], o: Pick<RestartOptions, 'host' | 'manifestsDir' | 'holdingDir' | 'probeTimeoutMs'>): Promise<{ plan: PlannedRestart[]; etcdQuorum?: string }> {
  const { plan, pods } = planRestart(names, o);
  const etcd = pods.get('etcd');
  if (!etcd || !plan.some((p) => p.component === 'etcd')) return { plan };
  const refused = await etcdQuorumCheck(etcd, pods.get('kube-apiserver'), o.host, o.probeTimeoutMs);
  return { plan, etcdQuorum: refused ?? 'ok: the other members keep quorum' };
}
