/** Text of `ca rotate`: a phase's outcome, the derived status, the plan's inventory and the in-cluster steps. */
import type { RotationStatus } from '../ops/rotate-ca/plan.js';
import type { NodeFacts } from '../store/rotation-files.js';
import type { PhaseResult } from '../ops/rotate-ca/phases.js';
import type { InClusterReport } from '../ops/rotate-ca/in-cluster.js';
import type { ComponentEffect } from '../ops/rotate-ca/barrier.js';
import { escapeControls } from './control-plane-text.js';
import { shellWord } from '../lib/command-line.js';

/** Check lines that are not passed checks: an override past a barrier, a barrier kubecerts could not observe. */
const FORCED_PREFIX = 'FORCED past a barrier: ';
const NOT_OBSERVED_PREFIX = 'not observed: ';

const tag = (r: PhaseResult): string => (r.dryRun ? '[dryrun] ' : '');

/** The lines of a phase outcome (files, checks, backup, join hashes). */
export function renderPhase(r: PhaseResult): string {
  const out: string[] = [];
  if (r.nothingToDo) return `[rotate] ${r.phase}: nothing to do: ${r.nothingToDo}\n`;
  out.push(`${tag(r)}[rotate] ${r.phase}: ${r.from ?? '?'} -> ${r.to ?? '?'} (${r.targets.join(', ')})`);
  for (const c of r.checks) {
    if (c.startsWith(FORCED_PREFIX)) out.push(`${tag(r)}[rotate] ${c}`);
    else if (c.startsWith(NOT_OBSERVED_PREFIX)) out.push(`${tag(r)}[rotate] WARNING: ${c}`);
    else out.push(`${tag(r)}[rotate] check passed: ${c}`);
  }
  for (const w of r.written) out.push(`${tag(r)}[rotate] ${r.dryRun ? 'would write' : 'wrote'} ${w}`);
  for (const w of r.removed) out.push(`${tag(r)}[rotate] ${r.dryRun ? 'would remove' : 'removed'} ${w}`);
  if (r.backup) out.push(`[rotate] backup of the replaced files: ${r.backup}`);
  if (r.joinHashes?.old || r.joinHashes?.new) {
    const which = r.to === 'finalize' ? ['new'] : r.to === 'prepared' || r.to === 'none' ? ['old'] : ['old', 'new'];
    for (const k of which) {
      const h = r.joinHashes[k as 'old' | 'new'];
      if (h) out.push(`[rotate] join: --discovery-token-ca-cert-hash ${h} (${k} CA${which.length > 1 ? ', both accepted while both are trusted' : ''})`);
    }
  }
  if (r.dryRun) out.push('[dryrun] Nothing was written');
  return `${out.join('\n')}\n`;
}

/** The derived status. */
export function renderStatus(s: RotationStatus, written: readonly string[] = []): string {
  const out = [`phase: ${s.phase ?? 'contradiction'}`];
  for (const t of s.targets) out.push(`  ${t.target}: ${t.phase ?? 'contradiction'}${t.problem ? ` (${t.problem})` : ''}`);
  for (const p of s.problems) out.push(`PROBLEM: ${p}`);
  for (const w of s.warnings) out.push(`WARNING: ${w}`);
  for (const w of written) out.push(w);
  if (s.hint) out.push(`hint: ${s.hint}`);
  return `${out.join('\n')}\n`;
}

/** The read-only inventory of `plan`: CAs, trust points, and which CA signed each certificate. */
export function renderInventory(f: NodeFacts, signerOf: (name: string) => string): string {
  const out: string[] = ['CAs:'];
  for (const c of f.cas) out.push(`  ${c.target}: ${c.crtPath} (${c.certs.length} certificate(s), key ${c.key ? 'present' : 'MISSING: external CA'}) ${c.certs.map((x) => x.fingerprint.slice(0, 16)).join(' ')}`);
  if (f.sa) out.push(`  sa: ${f.sa.pubPath} (${f.sa.pubs.length} public key(s)), ${f.sa.keyPath}`);
  out.push('Trust points:');
  for (const k of f.kubeconfigs) out.push(`  ${k.path}: certificate-authority-data with ${k.caBundle.length} certificate(s)`);
  if (f.kcm) out.push(`  ${f.kcm.path}: --cluster-signing-cert-file=${f.kcm.signingFile ?? '(unset)'}`);
  if (f.signer) out.push(`  ${f.signerPath}: ${f.signer.length} certificate(s)`);
  out.push('Signed certificates (re-signed at reissue):');
  for (const s of f.signed) out.push(`  ${s.path}: ${s.name}, signed by ${signerOf(s.name)}`);
  return `${out.join('\n')}\n`;
}

/** One in-cluster step: the line printed, and for steps kubecerts can run itself, kubectl's arguments (no shell). */
export interface InClusterStep {
  readonly text: string;
  readonly kubectl?: readonly string[];
}

/**
 * What kubecerts cannot change from a node: the in-cluster steps of a phase. Steps with `kubectl` arguments are run
 * by `--in-cluster=apply` (with admin.conf); the others (workers, cluster-info, workloads) are printed for the operator.
 */
export function inClusterSteps(phase: string, kubeconfig: string, newHash?: string, caFile = '/etc/kubernetes/pki/ca.crt'): InClusterStep[] {
  const k = ['--kubeconfig', kubeconfig];
  // printed to be pasted into a shell: every word quoted for it (a folder may hold a space, a quote or `$(...)`)
  const run = (...args: string[]): InClusterStep => ({ text: `kubectl ${[...k, ...args].map(shellWord).join(' ')}`, kubectl: [...k, ...args] });
  // a comment line: a newline in a path would end the comment and leave the rest to the shell
  const note = (text: string): InClusterStep => ({ text: `# ${escapeControls(text)}` });
  const clusterInfo = note(`cluster-info: set certificate-authority-data in the kube-public/cluster-info ConfigMap to ${caFile} (kubectl -n kube-public edit configmap cluster-info); the bootstrap signer re-signs it`);
  const restartSystem = run('-n', 'kube-system', 'rollout', 'restart', 'daemonset/kube-proxy', 'deployment/coredns');
  switch (phase) {
    case 'trust':
      return [
        note(`every worker: put the bundle ${caFile} into the node's ca.crt and kubelet.conf, restart the kubelet`),
        clusterInfo,
        note('before the restarts: every namespace\'s kube-root-ca.crt must hold the bundle; the controller-manager publishes it after its restart (kubecerts never writes it): kubectl get configmaps -A --field-selector metadata.name=kube-root-ca.crt'),
        restartSystem,
        note('restart every workload that mounts service-account tokens or kube-root-ca.crt (the controller-manager publishes the bundle after its restart)'),
        run('get', 'validatingwebhookconfigurations,mutatingwebhookconfigurations,apiservices', '-o', 'name'),
        note('each webhook and aggregated API listed carries its own caBundle: add the new CA where it names the cluster CA'),
      ];
    case 'reissue':
      return [
        note('every worker: the kubelet requests a client certificate signed by the new CA (kubelet client rotation), or join it again'),
        run('get', 'secrets', '-A', '--field-selector', 'type=kubernetes.io/service-account-token', '-o', 'name'),
        note('legacy token Secrets listed: clear data.token so the tokens controller re-mints it with the new key; wait 24 h (projected tokens refresh) before finalize'),
      ];
    case 'finalize':
      return [
        note('every worker: ca.crt and kubelet.conf with the new CA only, restart the kubelet'),
        clusterInfo,
        restartSystem,
        ...(newHash ? [note(`joins: kubeadm join ... --discovery-token-ca-cert-hash ${newHash}`)] : []),
      ];
    default:
      return [];
  }
}

/** The outcome of `--in-cluster=apply`: one block per step (ok, changed, unchanged, done before, failed, skipped). */
export function renderInCluster(phase: string, kubeconfig: string, r: InClusterReport): string {
  const out = [`In the cluster (${phase}, kubectl --kubeconfig ${escapeControls(kubeconfig)}):`];
  for (const o of r.outcomes) {
    out.push(`  [${o.result}] ${o.id}: ${o.title}`);
    // lines and errors carry names and output from the API server and kubectl: control characters are escaped
    for (const l of o.lines) out.push(`      ${escapeControls(l)}`);
    if (o.error) out.push(`      error: ${escapeControls(o.error)}`);
  }
  for (const h of r.joinHashes) out.push(`  join: kubeadm join ... --discovery-token-ca-cert-hash ${h} (a CA cluster-info holds)`);
  out.push('  not done here: every worker node (its ca.crt and kubelet.conf, then restart its kubelet); see --in-cluster=print');
  return `${out.join('\n')}\n`;
}

/**
 * Status lines of "in effect" on this node's kube-apiserver and kubelet (probes with a client of the new cluster
 * CA), and which CA signed kubelet-client-current.pem (written: the kubelet picks a replaced file up when it starts).
 */
export function renderComponentEffects(effects: readonly ComponentEffect[], facts: NodeFacts, fps: { old?: string | undefined; new?: string | undefined }): string[] {
  const out = effects.map((e) =>
    e.unreachable
      ? `in effect: ${e.component} ${e.url}: not observed (${e.detail})`
      : `in effect: ${e.component} ${e.url}: ${e.acceptsNew ? 'authenticates' : 'REJECTS'} a client of the new CA (${e.detail}), serves a certificate of ${e.serves === 'other' ? 'another CA (self-signed or foreign: not rotated)' : `the ${e.serves ?? '?'} CA`}`);
  const kc = facts.signed.find((s) => s.kind === 'kubelet-client');
  const ca = facts.cas.find((c) => c.target === 'ca');
  if (kc && ca) {
    const by = ca.certs.find((c) => kc.cert.checkIssued(c.cert) && kc.cert.verify(c.cert.publicKey));
    const name = !by ? 'neither CA of ca.crt' : by.fingerprint === fps.new ? 'the new CA' : by.fingerprint === fps.old ? 'the old CA' : 'a CA of ca.crt';
    out.push(`written: ${kc.path}: signed by ${name} (the kubelet uses a replaced file after its restart)`);
  }
  return out;
}
