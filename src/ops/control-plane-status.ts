/**
 * `control-plane status`: for each static-pod component of this node, the files it uses and their expiry, whether
 * the running instance uses the current files, its health and a verdict. Returns a report object; output/ renders it.
 *
 * "Uses the current files" is decided from what is served wherever a handshake can tell (the API server's port,
 * etcd's client and peer ports): the SHA-256 fingerprint of the served certificate against the file's. Components
 * that only hold client certificates (controller-manager, scheduler) are judged by their process start time (from
 * /proc) against the change time of the kubeconfigs they read at start. etcd re-reads its certificate files on
 * every handshake, so it can be "ok" right after a renewal without a restart: the handshake says so.
 */
import type { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { describe as describeError } from '../errors.js';
import { COMPONENTS, componentOfText, manifestFileName, type ComponentName, type FileRole, type StaticPod } from '../node/manifests.js';
import type { NodeHost, ProcessInfo } from '../store/node-host.js';
import { etcdClientFiles, fingerprint, loadPods, observe, readCert, readKubeconfigClient, type LoadedPod, type Observation } from './control-plane-observe.js';

export type Verdict = 'ok' | 'restart needed' | 'down' | 'manifest missing' | 'unknown';

export interface FileFacts {
  readonly path: string;
  readonly flag: string;
  readonly role: FileRole;
  readonly subject?: string;
  readonly issuer?: string;
  /** RFC 3339 */
  readonly notAfter?: string;
  readonly expired?: boolean;
  readonly sha256?: string;
  readonly error?: string;
}

export interface ServedFacts {
  readonly endpoint: 'server' | 'etcd-client' | 'etcd-peer';
  readonly address: string;
  readonly file: string;
  readonly fileSha256?: string;
  readonly servedSha256?: string;
  readonly matches?: boolean;
  readonly servedNotAfter?: string;
  readonly error?: string;
}

export interface ComponentStatus {
  readonly component: ComponentName;
  readonly manifest: string;
  readonly verdict: Verdict;
  /** why the verdict is what it is, one sentence each */
  readonly reasons: readonly string[];
  /** findings that need action whatever the verdict (expired file, a certificate for another node...) */
  readonly problems: readonly string[];
  readonly files: readonly FileFacts[];
  readonly served: readonly ServedFacts[];
  readonly process?: { readonly pid: number; readonly startedAt: string; readonly count: number };
  readonly health?: { readonly url: string; readonly ok: boolean; readonly detail: string };
  readonly loopback?: { readonly subject: string; readonly notAfter: string; readonly expired: boolean };
}

export interface ExtraManifest {
  readonly file: string;
  /** the component the kubelet would run a second copy of, when the file is a pod of one */
  readonly runs?: string;
}

export interface ControlPlaneStatus {
  readonly manifestsDir: string;
  readonly node: string | undefined;
  readonly components: readonly ComponentStatus[];
  readonly extraManifests: readonly ExtraManifest[];
  readonly kubelet: readonly FileFacts[];
  readonly needsAction: boolean;
}

export interface StatusOptions {
  readonly host: NodeHost;
  readonly manifestsDir: string;
  readonly kubeletDir: string;
  readonly now: Date;
  /** per handshake or health request, ms */
  readonly timeoutMs: number;
}

const iso = (d: string): string => new Date(d).toISOString().replace(/\.000Z$/, 'Z');

function certFacts(cert: X509Certificate, now: Date): Pick<FileFacts, 'subject' | 'issuer' | 'notAfter' | 'expired' | 'sha256'> {
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    notAfter: iso(cert.validTo),
    expired: new Date(cert.validTo).getTime() <= now.getTime(),
    sha256: fingerprint(cert),
  };
}

/**
 * Files a manifest names in the extra-file check: hidden files and anything but regular files (folders, FIFOs,
 * devices, sockets) are skipped by the kubelet, as here.
 */
export function extraManifests(host: NodeHost, manifestsDir: string): ExtraManifest[] {
  const known = new Set<string>(COMPONENTS.map(manifestFileName));
  return host
    .regularFiles(manifestsDir)
    .filter((n) => !known.has(n))
    .sort()
    .map((file) => {
      try {
        const runs = componentOfText(host.read(join(manifestsDir, file)).toString('utf8'));
        return runs ? { file, runs } : { file };
      } catch {
        return { file };
      }
    });
}

interface Judged {
  verdict: Verdict;
  reasons: string[];
  problems: string[];
  served: ServedFacts[];
  files: FileFacts[];
}

/** Judges one running component from its observation and files. Pure apart from reading the files. */
function judge(host: NodeHost, pod: StaticPod, obs: Observation, now: Date): Judged {
  const reasons: string[] = [];
  const problems: string[] = [];
  const files: FileFacts[] = [];
  const certs = new Map<string, X509Certificate>();
  let newestClientChange = 0;
  let newestClientFile = '';
  for (const f of pod.files) {
    if (f.role === 'key') {
      const t = safeTimes(host, f.path);
      files.push(t.error ? { path: f.path, flag: f.flag, role: f.role, error: t.error } : { path: f.path, flag: f.flag, role: f.role });
      if (t.error) problems.push(`${f.path}: ${t.error}`);
      continue;
    }
    if (f.role === 'kubeconfig') {
      const kc = readKubeconfigClient(host, f.path);
      if (!kc.cert) {
        files.push({ path: f.path, flag: f.flag, role: f.role, error: kc.error ?? 'no client certificate' });
        problems.push(kc.error ?? `${f.path}: no client certificate`);
        continue;
      }
      const facts = certFacts(kc.cert, now);
      files.push({ path: f.path, flag: f.flag, role: f.role, ...facts });
      if (facts.expired) problems.push(`the client certificate in ${f.path} expired on ${facts.notAfter}`);
      for (const p of kc.paths) {
        const t = safeTimes(host, p);
        if (t.ctimeMs !== undefined && t.ctimeMs > newestClientChange) {
          newestClientChange = t.ctimeMs;
          newestClientFile = p;
        }
      }
      continue;
    }
    const r = readCert(host, f.path);
    if (!r.ok) {
      files.push({ path: f.path, flag: f.flag, role: f.role, error: r.error });
      problems.push(`${f.path}: ${r.error}`);
      continue;
    }
    certs.set(f.path, r.cert);
    const facts = certFacts(r.cert, now);
    files.push({ path: f.path, flag: f.flag, role: f.role, ...facts });
    if (facts.expired) problems.push(`${f.path} expired on ${facts.notAfter}`);
  }

  // the node's own names and addresses must be in the serving certificates (copies from another node carry its names)
  for (const e of pod.endpoints) {
    const cert = certs.get(e.certFile);
    if (!cert) continue;
    const caCert = e.caFile ? certs.get(e.caFile) : undefined;
    if (caCert && !cert.verify(caCert.publicKey)) problems.push(`${e.certFile} is not signed by ${e.caFile}`);
    const addr =
      e.name === 'etcd-peer' ? hostOfUrl(pod.flags.get('initial-advertise-peer-urls')) : e.name === 'etcd-client' ? pod.advertiseAddress : pod.advertiseAddress;
    if (addr && !cert.checkIP(addr)) problems.push(`${e.certFile} does not cover this node's address ${addr}`);
    if (pod.nodeName && (pod.component === 'etcd' || pod.component === 'kube-apiserver') && cert.checkHost(pod.nodeName, { subject: 'never' }) === undefined) {
      problems.push(`${e.certFile} does not cover this node's name ${pod.nodeName}`);
    }
  }

  const served: ServedFacts[] = pod.endpoints.map((e) => {
    const o = obs.served.find((s) => s.endpoint === e.name);
    const file = certs.get(e.certFile);
    const base = { endpoint: e.name, address: o?.address ?? `${e.host}:${e.port}`, file: e.certFile, ...(file ? { fileSha256: fingerprint(file) } : {}) };
    if (!o?.cert) return { ...base, error: o?.error ?? 'not probed' };
    const servedSha256 = fingerprint(o.cert);
    return { ...base, servedSha256, servedNotAfter: iso(o.cert.validTo), ...(file ? { matches: servedSha256 === base.fileSha256 } : {}) };
  });

  let verdict: Verdict = 'ok';
  const procs = obs.processes;
  const mismatched = served.filter((s) => s.matches === false);
  const unanswered = served.filter((s) => s.servedSha256 === undefined);
  const allRefused = pod.endpoints.length > 0 && obs.served.every((s) => s.refused);
  if (mismatched.length > 0) {
    verdict = 'restart needed';
    for (const m of mismatched) {
      const o = obs.served.find((s) => s.endpoint === m.endpoint)?.cert;
      const ca = pod.endpoints.find((e) => e.name === m.endpoint)?.caFile;
      const caCert = ca ? certs.get(ca) : undefined;
      const foreign = o && caCert && !o.verify(caCert.publicKey) ? `, from a CA other than ${ca}` : '';
      reasons.push(`${m.address} serves a certificate (sha256 ${m.servedSha256?.slice(0, 16)}…${foreign}) other than ${m.file} (sha256 ${m.fileSha256?.slice(0, 16)}…)`);
    }
  } else if (allRefused && procs.length === 0) {
    verdict = 'down';
    reasons.push(`nothing listens on ${served.map((s) => s.address).join(', ')} and no process runs the manifest's command`);
  } else if (pod.endpoints.length === 0 && procs.length === 0) {
    verdict = obs.health.status === 0 ? 'down' : 'unknown';
    reasons.push(obs.health.status === 0 ? `no process runs the manifest's command and ${obs.health.url} does not answer` : `no process runs the manifest's command, yet ${obs.health.url} answers`);
  } else if (unanswered.length > 0) {
    verdict = allRefused ? 'down' : 'unknown';
    for (const u of unanswered) reasons.push(`${u.address}: ${u.error}`);
  }
  if (verdict === 'ok' || verdict === 'restart needed') {
    if (newestClientChange > 0 && procs.length > 0) {
      // a loop, not Math.min(...spread): a spread of 100,000+ arguments overflows the stack
      let oldest = Infinity;
      for (const p of procs) if (p.startedAt < oldest) oldest = p.startedAt;
      if (newestClientChange > oldest) {
        verdict = 'restart needed';
        reasons.push(`${newestClientFile} changed at ${new Date(newestClientChange).toISOString()}, after the process started at ${new Date(oldest).toISOString()}`);
      }
    }
  }
  if (verdict === 'ok' && !obs.health.ok) {
    verdict = 'down';
    reasons.push(`${obs.health.url} answered ${obs.health.detail}`);
  }
  if (procs.length > 1) problems.push(`${procs.length} processes run this manifest's command (pids ${procs.map((p) => p.pid).join(', ')})`);
  return { verdict, reasons, problems, served, files };
}

function hostOfUrl(urls: string | undefined): string | undefined {
  const first = (urls ?? '').split(',')[0];
  if (!first) return undefined;
  try {
    return new URL(first).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

function safeTimes(host: NodeHost, path: string): { ctimeMs?: number; error?: string } {
  try {
    const t = host.times(path);
    return t ? { ctimeMs: t.ctimeMs } : { error: 'no such file or directory' };
  } catch (err) {
    return { error: describeError(err) };
  }
}

/** The kubelet's certificates in `kubeletDir` that status reports: its self-signed serving certificate above all. */
function kubeletFacts(host: NodeHost, kubeletDir: string, now: Date): FileFacts[] {
  const out: FileFacts[] = [];
  for (const [name, flag] of [['kubelet.crt', 'kubelet-serving'], ['kubelet-server-current.pem', 'kubelet-serving-rotated'], ['kubelet-client-current.pem', 'kubelet-client']] as const) {
    const path = join(kubeletDir, name);
    if (!host.exists(path)) continue;
    const r = readCert(host, path);
    out.push(r.ok ? { path, flag, role: flag === 'kubelet-client' ? 'client' : 'serving', ...certFacts(r.cert, now) } : { path, flag, role: 'serving', error: r.error });
  }
  return out;
}

/**
 * Builds the status report: reads the manifests, the files they name and /proc, then probes every component at once
 * (each probe bounded by `timeoutMs`). Never throws for a component's state; throws only when the manifests folder
 * cannot be listed.
 */
export async function controlPlaneStatus(o: StatusOptions): Promise<ControlPlaneStatus> {
  const pods = loadPods(o.host, o.manifestsDir);
  const processes: ProcessInfo[] = o.host.processes(new Set<string>(COMPONENTS));
  const apiserver = pods.find((p) => p.component === 'kube-apiserver' && p.state === 'ok');
  const apiPod = apiserver?.state === 'ok' ? apiserver.pod : undefined;
  const components = await Promise.all(pods.map((p) => componentStatus(o, p, processes, apiPod)));
  const extra = extraManifests(o.host, o.manifestsDir);
  const kubelet = kubeletFacts(o.host, o.kubeletDir, o.now);
  const node = pods.map((p) => (p.state === 'ok' ? p.pod.nodeName : undefined)).find((n) => n !== undefined);
  const needsAction =
    components.some((c) => c.verdict !== 'ok' || c.problems.length > 0) || extra.length > 0 || kubelet.some((k) => k.expired === true || k.error !== undefined);
  return { manifestsDir: o.manifestsDir, node, components, extraManifests: extra, kubelet, needsAction };
}

async function componentStatus(o: StatusOptions, p: LoadedPod, processes: readonly ProcessInfo[], apiPod: StaticPod | undefined): Promise<ComponentStatus> {
  const base = { component: p.component, manifest: p.path };
  if (p.state === 'missing') return { ...base, verdict: 'manifest missing', reasons: [`${p.path} does not exist`], problems: [], files: [], served: [] };
  if (p.state === 'invalid') return { ...base, verdict: 'unknown', reasons: [p.error], problems: [], files: [], served: [] };
  const client = p.component === 'etcd' ? etcdClientFiles(o.host, p.pod, apiPod) : {};
  const obs = await observe(p.pod, processes, client, o.timeoutMs);
  const j = judge(o.host, p.pod, obs, o.now);
  const procs = obs.processes;
  const problems = [...j.problems];
  if (obs.loopback && new Date(obs.loopback.validTo).getTime() <= o.now.getTime()) {
    problems.push(`the API server's in-memory apiserver-loopback-client certificate expired on ${iso(obs.loopback.validTo)}; only a restart renews it`);
  }
  const oldest = procs.length > 0 ? procs.reduce((a, b) => (a.startedAt <= b.startedAt ? a : b)) : undefined;
  return {
    ...base,
    verdict: j.verdict,
    reasons: j.reasons,
    problems,
    files: j.files,
    served: j.served,
    ...(oldest ? { process: { pid: oldest.pid, startedAt: new Date(oldest.startedAt).toISOString(), count: procs.length } } : {}),
    health: { url: obs.health.url, ok: obs.health.ok, detail: obs.health.detail },
    ...(obs.loopback
      ? { loopback: { subject: obs.loopback.subject.replace(/\n/g, ', '), notAfter: iso(obs.loopback.validTo), expired: new Date(obs.loopback.validTo).getTime() <= o.now.getTime() } }
      : {}),
  };
}
