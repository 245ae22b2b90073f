/**
 * One run of `ca rotate <phase>` on a node: status and plan (inventory, signers, the components' CA files, what is
 * in effect), or a phase (prepare with archive import/export, trust, reissue, finalize, rollback, purge), then the
 * restarts the phase asks for and its in-cluster steps (printed or applied with kubectl, with the record of steps
 * done). Returns data (`RotateRunReport`); output/rotate-ca-text.ts renders it.
 */
import { join } from 'node:path';
import { RotateError, UsageError } from '../../errors.js';
import { kubecertsCommand, type CommandFlag } from '../../lib/command-line.js';
import type { NodeHost } from '../../store/node-host.js';
import { readIfPresent } from '../../store/rotation-files.js';
import { readInClusterDone, readPlan, stagedFiles, textDigest, writeInClusterDone, type RotationPaths, type RotationPlan } from '../../store/rotation-state.js';
import { loadPods } from '../control-plane-observe.js';
import type { RestartReport } from '../control-plane-restart.js';
import { checkArchiveSecret, newArchiveSecret, openArchive, sealArchive } from './archive.js';
import type { ComponentEffect } from './barrier.js';
import { applyInCluster, type InClusterReport, type KubectlRunner } from './in-cluster.js';
import { componentsInEffect, etcdInEffect, finalize, nodeStatus, prepare, purge, recoverInterrupted, reissue, rollback, storePrepared, trust, type MemberEffect, type PhaseOptions, type PhaseResult } from './phases.js';
import { signerOf, type RotationStatus } from './plan.js';
import type { NodeFacts } from '../../store/rotation-files.js';

export const ROTATE_PHASES = ['plan', 'prepare', 'trust', 'reissue', 'finalize', 'status', 'rollback', 'purge'] as const;
export type RotatePhase = (typeof ROTATE_PHASES)[number];

/** The largest archive `prepare --import` reads, bytes. */
const MAX_ARCHIVE_BYTES = 64 << 20;

/** What a run takes (the phase's options without the clock and the notice callback, which come with the ports). */
export interface RotateRunOptions extends Omit<PhaseOptions, 'now' | 'notice'> {
  readonly phase: RotatePhase;
  /** prepare --import: the archive to take the new CA material from */
  readonly importArchive?: string;
  /** prepare --export: where to write the encrypted archive */
  readonly exportArchive?: string;
  /** --archive-key (or $KUBECERTS_ARCHIVE_KEY); --export makes one when absent, --import refuses */
  readonly archiveKey?: string;
  /** --restart: restart the static pods after a phase that changed live files */
  readonly restart: boolean;
  /** --in-cluster */
  readonly inCluster?: 'print' | 'apply';
  /** --manifests-dir and --holding-dir as given (empty when defaulted), for printed restart commands */
  readonly manifestsFlags: readonly CommandFlag[];
  readonly holdingFlags: readonly CommandFlag[];
}

/** A progress event, heard when it happens (the CLI prints it at once). */
export type RotateRunEvent =
  /** --export made a new archive key: shown once, before the archive is written */
  | { readonly kind: 'archive-key'; readonly key: string }
  | { readonly kind: 'archive-written'; readonly path: string }
  /** the phase committed (or planned, in a dry run), before any restart */
  | { readonly kind: 'phase-done'; readonly result: PhaseResult };

/** What a run reaches outside its files: the node, the clock's reading, restarts, kubectl, the archive files. */
export interface RotateRunPorts {
  readonly host: NodeHost;
  /** the run's time (one reading) */
  readonly now: Date;
  /** progress events of the phases (a recovered journal, a removed leftover ca-signer.crt) */
  readonly notice: PhaseOptions['notice'];
  readonly onEvent: (e: RotateRunEvent) => void;
  /** restarts the named components (`all`, or kube-apiserver, ...) as `control-plane restart` does */
  readonly restart: (names: readonly string[]) => Promise<RestartReport>;
  readonly kubectl: KubectlRunner;
  /** reads a regular file of at most `maxBytes` (throws when it cannot) */
  readonly readFile: (path: string, maxBytes: number) => Buffer;
  /** writes a secret file (0600) atomically */
  readonly writeSecretFile: (path: string, data: Uint8Array) => void;
  /** creates `path` empty before prepare commits (FileWriteError when it exists or cannot be made); returns the undo */
  readonly reserveFile: (path: string) => () => void;
}

/** A command to suggest: `kubecerts <words> <flags>` (rendered with lib/command-line.ts). */
export interface SuggestedCommand {
  readonly words: readonly string[];
  readonly flags: readonly CommandFlag[];
}

/** Who signed a certificate of the inventory: its CA target and old, new or another CA. */
export interface SignerLabel {
  readonly ca: string;
  readonly by: 'old' | 'new' | 'other';
}

/** A CA file a control-plane component uses, from its static-pod manifest. */
export interface ComponentCaFile {
  readonly component: string;
  readonly flag: string;
  readonly path: string;
  readonly role: string;
}

/** status and plan: the node's state; `failed` when it has problems (exit 1). */
export interface RotateStatusReport {
  readonly kind: 'status';
  readonly phase: 'status' | 'plan';
  readonly facts: NodeFacts;
  readonly plan: RotationPlan | undefined;
  readonly status: RotationStatus;
  /** plan: the signer of each signed certificate by name (absent names print "?") */
  readonly signers?: ReadonlyMap<string, SignerLabel>;
  /** plan: the CA files of the components, and the manifests folder they come from */
  readonly components?: { readonly manifestsDir: string; readonly files: readonly ComponentCaFile[] };
  /** status: etcd members and this node's kube-apiserver and kubelet, probed */
  readonly etcd?: readonly MemberEffect[];
  readonly effects?: readonly ComponentEffect[];
  readonly failed: boolean;
}

/** The in-cluster part of a phase: the steps to print, or the outcome of applying them. */
export type InClusterPart =
  | { readonly mode: 'print'; readonly phase: string; readonly kubeconfig: string; readonly newHash: string | undefined; readonly caFile: string }
  | { readonly mode: 'apply'; readonly phase: string; readonly kubeconfig: string; readonly report: InClusterReport; readonly failed: readonly string[]; readonly retry: SuggestedCommand };

/** A phase run: its result, the restart suggestion or the restarts done, the in-cluster part. */
export interface RotatePhaseReport {
  readonly kind: 'phase';
  readonly result: PhaseResult;
  /** rollback without --restart: the restored files take effect after this restart */
  readonly restartHint?: SuggestedCommand;
  /** --restart: the restarts, and the command to run once a failed one is fixed */
  readonly restart?: { readonly report: RestartReport; readonly retry: SuggestedCommand };
  readonly inCluster?: InClusterPart;
  /** exit 1: a restart or an in-cluster step failed */
  readonly failed: boolean;
}

export type RotateRunReport = RotateStatusReport | RotatePhaseReport;

/** Bound of one kubectl run of --in-cluster=apply (its own --request-timeout is 20 s per request), ms. */
export const KUBECTL_TIMEOUT_MS = 60_000;

/**
 * Runs `o.phase`. Throws what the phases throw (RotateError, LockedError), RotateError ROTATE_ARCHIVE for an
 * unreadable archive, ROTATE_INPUT when plan finds nothing to rotate, ROTATE_STATE when there is nothing prepared
 * to export, UsageError when --import has no archive key. A failed restart or in-cluster step is data (`failed`).
 */
export async function runRotation(o: RotateRunOptions, ports: RotateRunPorts): Promise<RotateRunReport> {
  const po: PhaseOptions = { ...o, now: ports.now, notice: ports.notice };
  if (o.phase === 'status' || o.phase === 'plan') return statusOf(o.phase, po, ports.host);
  const result = await runPhase(o, po, ports);
  ports.onEvent({ kind: 'phase-done', result });
  const live = !result.dryRun && !result.nothingToDo && (result.written.length > 0 || result.removed.length > 0);
  // trust, reissue, finalize and a rollback to one of them change files the components read only at start (a
  // rollback to "none" only drops the staging folder)
  const changesComponents = (['trust', 'reissue', 'finalize'].includes(result.phase) || (result.phase === 'rollback' && result.to !== 'none')) && live;
  const restartHint = changesComponents && !o.restart ? { words: ['control-plane', 'restart', 'all'], flags: [...o.manifestsFlags, ...o.holdingFlags] } : undefined;
  const changedLive = !result.dryRun && !result.nothingToDo && ['trust', 'reissue', 'finalize', 'rollback'].includes(result.phase) && result.written.length > 0;
  let restart: RotatePhaseReport['restart'];
  if (o.restart && changedLive) {
    const report = await ports.restart(result.targets.includes('etcd-ca') ? ['all'] : ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);
    restart = { report, retry: { words: ['control-plane', 'restart', 'all'], flags: [...o.manifestsFlags, ...o.holdingFlags] } };
    if (!report.ok) return { kind: 'phase', result, ...(restartHint ? { restartHint } : {}), restart, failed: true };
  }
  let inCluster: InClusterPart | undefined;
  if (o.inCluster !== undefined && (result.phase === 'trust' || result.phase === 'reissue' || result.phase === 'finalize')) {
    // after the restarts: kube-root-ca.crt is published by the restarted controller-manager
    const kubeconfig = join(o.paths.kubeconfigDir, 'admin.conf');
    inCluster = o.inCluster === 'apply' && !result.dryRun
      ? runInCluster(result.phase, o, kubeconfig, ports)
      : { mode: 'print', phase: result.phase, kubeconfig, newHash: result.joinHashes?.new, caFile: join(o.paths.certDir, 'ca.crt') };
  }
  return {
    kind: 'phase', result, ...(restartHint ? { restartHint } : {}), ...(restart ? { restart } : {}), ...(inCluster ? { inCluster } : {}),
    failed: inCluster?.mode === 'apply' && inCluster.failed.length > 0,
  };
}

/** status and plan (read-only, after completing an interrupted commit unless --dry-run). */
async function statusOf(phase: 'status' | 'plan', o: PhaseOptions, host: NodeHost): Promise<RotateStatusReport> {
  if (!o.dryRun) await recoverInterrupted(o);
  const { facts, plan, status } = nodeStatus(o.paths, o.only);
  let signers: Map<string, SignerLabel> | undefined;
  let components: RotateStatusReport['components'];
  if (phase === 'plan') {
    // as prepare: a folder without any CA or service-account key is refused, not shown as an empty plan
    if (status.targets.length === 0 && status.problems.length === 0) throw new RotateError('ROTATE_INPUT', `nothing to rotate in ${o.paths.certDir}`, { hint: 'check --cert-dir (default /etc/kubernetes/pki)' });
    signers = new Map();
    for (const s of facts.signed) {
      const cas = facts.cas.find((c) => c.target === s.ca);
      const old = cas?.certs.find((c) => c.fingerprint === plan?.old[s.ca])?.cert ?? cas?.certs[0]?.cert;
      const neu = cas?.certs.find((c) => c.fingerprint === plan?.new[s.ca])?.cert;
      // one label per name; a later certificate of the same name replaces an earlier one
      signers.set(s.name, { ca: s.ca, by: signerOf(s, old, plan ? neu : undefined) });
    }
    // which component trusts or signs with which CA file, from the static-pod manifests
    const files = loadPods(host, o.paths.manifestsDir).flatMap((p) =>
      p.state === 'ok' ? p.pod.files.filter((f) => f.role === 'ca' || f.role === 'signing-ca' || f.flag === 'service-account-key-file').map((f) => ({ component: p.component, flag: f.flag, path: f.path, role: f.role })) : []);
    components = { manifestsDir: o.paths.manifestsDir, files };
  }
  const etcd = phase === 'status' ? await etcdInEffect(o) : undefined;
  const effects = phase === 'status' ? await componentsInEffect(o) : undefined;
  return {
    kind: 'status', phase, facts, plan, status, ...(signers ? { signers } : {}), ...(components ? { components } : {}), ...(etcd ? { etcd } : {}), ...(effects ? { effects } : {}),
    failed: status.problems.length > 0,
  };
}

/** Dispatches a writing phase; prepare takes an archive (--import) or makes the material, then may --export it. */
async function runPhase(o: RotateRunOptions, po: PhaseOptions, ports: RotateRunPorts): Promise<PhaseResult> {
  switch (o.phase) {
    case 'prepare': {
      // what would make the export fail is refused before prepare commits (a prepared node without its archive
      // would need a second prepare --export): a malformed key, and a target that exists (never overwritten: it
      // could be a live key) or cannot be created, which the reservation finds out
      let undo: (() => void) | undefined;
      if (o.exportArchive !== undefined && !po.dryRun) {
        if (o.archiveKey) checkArchiveSecret(o.archiveKey);
        undo = ports.reserveFile(o.exportArchive);
      }
      let result: PhaseResult;
      try {
        result = await (o.importArchive !== undefined ? importPrepared(o, po, o.importArchive, ports) : prepare(po));
      } catch (err) {
        undo?.();
        throw err;
      }
      if (o.exportArchive !== undefined && !po.dryRun) exportArchive(o, o.exportArchive, ports);
      return result;
    }
    case 'trust':
      return trust(po);
    case 'reissue':
      return reissue(po);
    case 'finalize':
      return finalize(po);
    case 'rollback':
      return rollback(po);
    case 'purge':
      return purge(po);
    default:
      throw new UsageError(`unknown phase "${o.phase}"`);
  }
}

/** prepare --import: the archive read (bounded) and opened with the key, then stored as this node's prepared material. */
async function importPrepared(o: RotateRunOptions, po: PhaseOptions, archive: string, ports: RotateRunPorts): Promise<PhaseResult> {
  let data: Buffer;
  try {
    data = ports.readFile(archive, MAX_ARCHIVE_BYTES);
  } catch (err) {
    throw new RotateError('ROTATE_ARCHIVE', `cannot read the archive "${archive}": ${(err as Error).message}`);
  }
  if (!o.archiveKey) throw new UsageError('--import needs the archive key: --archive-key or KUBECERTS_ARCHIVE_KEY');
  return storePrepared(po, openArchive(data, o.archiveKey));
}

/** Writes the prepared material as an encrypted archive (0600); a new key is made (and heard) when none was given. */
function exportArchive(o: RotateRunOptions, path: string, ports: RotateRunPorts): void {
  const plan = readPlan(o.paths);
  if (!plan) throw new RotateError('ROTATE_STATE', 'nothing prepared to export');
  const files = stagedFiles(o.paths);
  let key = o.archiveKey;
  if (!key) {
    key = newArchiveSecret();
    ports.onEvent({ kind: 'archive-key', key });
  }
  ports.writeSecretFile(path, sealArchive({ plan, files }, key));
  ports.onEvent({ kind: 'archive-written', path });
}

/**
 * `--in-cluster=apply`: the in-cluster steps of the phase through kubectl with admin.conf (in-cluster.ts); restarts
 * already done for this phase and CA file (recorded in the state folder) are not repeated, new ones are recorded.
 */
function runInCluster(phase: 'trust' | 'reissue' | 'finalize', o: RotateRunOptions, kubeconfig: string, ports: RotateRunPorts): InClusterPart {
  const paths: RotationPaths = o.paths;
  const plan = readPlan(paths) ?? nodeStatus(paths).plan;
  const rotatesCa = plan?.targets.includes('ca') ?? true;
  const caText = rotatesCa ? readIfPresent(join(paths.certDir, 'ca.crt')) : undefined;
  const caFile = textDigest(caText ?? '');
  const doneBefore = readInClusterDone(paths, phase, caFile);
  const report = applyInCluster({
    phase, kubeconfig, caBundle: caText, oldCa: plan?.old.ca, newCa: plan?.new.ca, doneBefore,
    restartKcm: kubecertsCommand(['control-plane', 'restart', 'kube-controller-manager'], o.manifestsFlags),
    kubectl: ports.kubectl,
  });
  if (report.done.length > doneBefore.length) writeInClusterDone(paths, { phase, caFile, done: report.done, at: ports.now.toISOString() });
  const failed = report.outcomes.filter((x) => x.result === 'failed').map((x) => x.id);
  return { mode: 'apply', phase, kubeconfig, report, failed, retry: { words: ['ca', 'rotate', phase], flags: [...(o.cmdFlags ?? []), ['--in-cluster=apply']] } };
}
