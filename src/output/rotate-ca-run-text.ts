/** Text of one `ca rotate` run (ops/rotate-ca/run.ts): its progress events and its report, as stdout and stderr. */
import { kubecertsCommand } from '../lib/command-line.js';
import { escapeControls } from './control-plane-text.js';
import type { RotatePhaseReport, RotateRunEvent, RotateRunReport, RotateStatusReport, SuggestedCommand } from '../ops/rotate-ca/run.js';
import { inClusterSteps, renderComponentEffects, renderInCluster, renderInventory, renderPhase, renderStatus } from './rotate-ca-text.js';

/** Text for the two streams. */
export interface StreamText {
  readonly stdout: string;
  readonly stderr: string;
}

const suggested = (c: SuggestedCommand): string => kubecertsCommand(c.words, c.flags);

/** A progress event of the run: the archive key made by --export and the archive written (stderr), a phase's outcome (stdout). */
export function renderRotateEvent(e: RotateRunEvent): StreamText {
  switch (e.kind) {
    case 'archive-key':
      return { stdout: '', stderr: `[rotate] archive key (pass it to prepare --import on the other nodes; keep it secret): ${e.key}\n` };
    case 'archive-written':
      return { stdout: '', stderr: `[rotate] wrote the encrypted archive ${e.path}\n` };
    case 'phase-done':
      return { stdout: renderPhase(e.result), stderr: '' };
  }
}

/** The rest of a run after its events: status/plan, or a phase's restarts and in-cluster steps (and what failed, on stderr). */
export function renderRotateReport(r: RotateRunReport): StreamText {
  return r.kind === 'status' ? { stdout: statusText(r), stderr: '' } : phaseText(r);
}

function statusText(r: RotateStatusReport): string {
  let out = '';
  if (r.signers) {
    const signers = r.signers;
    out += renderInventory(r.facts, (name) => {
      const s = signers.get(name);
      return s ? `${s.ca} (${s.by === 'other' ? 'another CA' : s.by})` : '?';
    });
  }
  if (r.components) {
    const rows = r.components.files.map((f) => `  ${f.component} --${f.flag}=${f.path} (${f.role})`);
    out += `Components (${r.components.manifestsDir}):\n${rows.length > 0 ? rows.join('\n') : '  no control-plane manifests'}\n`;
  }
  return out + renderStatus(r.status, [
    ...(r.etcd?.map((e) => (e.unreachable !== undefined
      ? `in effect: etcd ${e.url}: unreachable (${escapeControls(e.unreachable)}): cannot tell`
      : `in effect: etcd ${e.url}: ${e.acceptsNew ? 'accepts' : 'REJECTS'} a client of the new etcd CA, serves a certificate of the ${e.servesNew ? 'new' : 'old'} CA`)) ?? []),
    ...(r.effects ? renderComponentEffects(r.effects, r.facts, { old: r.plan?.old.ca, new: r.plan?.new.ca }) : []),
  ]);
}

function phaseText(r: RotatePhaseReport): StreamText {
  let stdout = '';
  let stderr = '';
  if (r.restartHint) {
    // the components read their CA files only at start: written or restored files are not in effect until they
    // restart; the phase itself is not to be run again (a second rollback would go one phase further back)
    stdout += `[rotate] restart the control-plane components (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) and the kubelet, which read these files only at start: ${suggested(r.restartHint)}, systemctl restart kubelet (a phase given --restart does the static pods itself)\n`;
  }
  if (r.restart) {
    for (const x of r.restart.report.outcomes) stdout += `[rotate] restart ${x.component}: ${x.result}${x.result === 'failed' ? ` (${x.step}: ${x.error})` : ''}\n`;
    if (!r.restart.report.ok) stderr += `[rotate] a restart failed: the files are committed; fix the component, then run \`${suggested(r.restart.retry)}\` before the next phase\n`;
  }
  const c = r.inCluster;
  if (c?.mode === 'print') {
    const steps = inClusterSteps(c.phase, c.kubeconfig, c.newHash, c.caFile);
    stdout += `In the cluster (to run):\n${steps.map((s) => `  ${s.text}`).join('\n')}\n`;
  } else if (c?.mode === 'apply') {
    stdout += renderInCluster(c.phase, c.kubeconfig, c.report);
    if (c.failed.length > 0) {
      stderr += `[rotate] ${c.failed.length} in-cluster step(s) failed (${c.failed.join(', ')}); the node's files are committed. Fix the cause and run "${suggested(c.retry)}" again: steps done are not repeated\n`;
    }
  }
  return { stdout, stderr };
}
