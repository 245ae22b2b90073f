/** `ca rotate <phase>`: read options, run the phase (ops/rotate-ca), render, optionally restart and print in-cluster steps. */
import { spawnSync } from 'node:child_process';
import { readRegularFile } from '../../store/node-host.js';
import { join } from 'node:path';
import { ExitCode, ExitRequest, RotateError, UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../store/fs-atomic.js';
import { restartComponents } from '../../ops/control-plane-restart.js';
import { newArchiveSecret, openArchive, sealArchive } from '../../ops/rotate-ca/archive.js';
import { signerOf } from '../../ops/rotate-ca/plan.js';
import { componentsInEffect, etcdInEffect, finalize, nodeStatus, recoverInterrupted, prepare, purge, reissue, rollback, storePrepared, trust, type PhaseOptions, type PhaseResult } from '../../ops/rotate-ca/phases.js';
import { readInClusterDone, readPlan, stagedFiles, TARGETS, textDigest, writeInClusterDone, type RotationPaths, type Target } from '../../store/rotation-state.js';
import { inClusterSteps, renderComponentEffects, renderInCluster, renderInventory, renderPhase, renderStatus } from '../../output/rotate-ca-text.js';
import { applyInCluster } from '../../ops/rotate-ca/in-cluster.js';
import { runGroupSync } from '../../store/process-group.js';
import { readIfPresent } from '../../store/rotation-files.js';
import { parseDuration } from '../../lib/duration.js';
import { realNodeHost } from '../../store/node-host.js';
import { loadPods } from '../../ops/control-plane-observe.js';
import { restartStepLine } from '../../output/control-plane-text.js';
import { rotationNoticeLine } from '../../output/write-text.js';
import { clockOf, type Io } from '../io.js';
import { holdingDirOf, msFlag, pathOption, type Opts } from './node-common.js';

export const ROTATE_PHASES = ['plan', 'prepare', 'trust', 'reissue', 'finalize', 'status', 'rollback', 'purge'] as const;

function onlyOf(opts: Opts): Target[] | undefined {
  const v = opts['only'] as string[] | undefined;
  if (!v) return undefined;
  const bad = v.find((t) => !(TARGETS as readonly string[]).includes(t));
  if (bad) throw new UsageError(`invalid --only "${bad}": use ${TARGETS.join(', ')}`);
  return v as Target[];
}

function archiveSecret(opts: Opts, io: Io, generate: boolean): string {
  const v = typeof opts['archiveKey'] === 'string' ? opts['archiveKey'] : process.env['KUBECERTS_ARCHIVE_KEY'];
  if (v) return v;
  if (!generate) throw new UsageError('--import needs the archive key: --archive-key or KUBECERTS_ARCHIVE_KEY');
  const s = newArchiveSecret();
  io.stderr.write(`[rotate] archive key (pass it to prepare --import on the other nodes; keep it secret): ${s}\n`);
  return s;
}

/** --sa-grace in ms (default 24 h); 0 is allowed and says so explicitly. */
function saGraceOf(opts: Opts): number {
  if (opts['saGrace'] === undefined) return 86_400_000;
  const ms = parseDuration(String(opts['saGrace']));
  if (ms === undefined || ms < 0) throw new UsageError(`invalid --sa-grace "${String(opts['saGrace'])}"`);
  return ms;
}

/** An https:// URL given to a probe flag. */
function endpointOf(v: string, flag: string): string {
  if (!/^https:\/\/[^/\s]+\/?$/.test(v)) throw new UsageError(`invalid ${flag} "${v}": give https://host:port`);
  return v;
}

/** A path as printed inside a suggested command: single-quoted when it holds anything a shell would read. */
const shellWord = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * The location flags of this run that differ from the defaults (--cert-dir, --kubeconfig-dir, --state-dir,
 * --manifests-dir, --kubelet-dir, --etcd-endpoints, --apiserver-endpoint, --kubelet-endpoint), as they go on a
 * printed command line, with a leading space (empty when every location is the default).
 */
export function runFlags(opts: Opts): string {
  const out: string[] = [];
  for (const [key, flag] of [['certDir', '--cert-dir'], ['kubeconfigDir', '--kubeconfig-dir'], ['stateDir', '--state-dir'], ['manifestsDir', '--manifests-dir'], ['kubeletDir', '--kubelet-dir'], ['apiserverEndpoint', '--apiserver-endpoint'], ['kubeletEndpoint', '--kubelet-endpoint']] as const) {
    if (typeof opts[key] === 'string') out.push(flag, shellWord(opts[key] as string));
  }
  if (Array.isArray(opts['etcdEndpoints'])) out.push('--etcd-endpoints', shellWord((opts['etcdEndpoints'] as string[]).join(',')));
  return out.length > 0 ? ` ${out.join(' ')}` : '';
}

export default async function caRotate(args: unknown[], opts: Opts, io: Io): Promise<void> {
  const phase = String(args[0]);
  const paths = {
    certDir: pathOption(opts, 'certDir', '/etc/kubernetes/pki'),
    kubeconfigDir: pathOption(opts, 'kubeconfigDir', '/etc/kubernetes'),
    stateDir: pathOption(opts, 'stateDir', '/var/lib/kubecerts'),
    manifestsDir: pathOption(opts, 'manifestsDir', '/etc/kubernetes/manifests'),
    kubeletDir: pathOption(opts, 'kubeletDir', '/var/lib/kubelet/pki'),
  };
  const caValidity = opts['caValidityPeriod'] === undefined ? 87600 * 3_600_000 : parseDuration(String(opts['caValidityPeriod']));
  if (caValidity === undefined || caValidity <= 0) throw new UsageError(`invalid --ca-validity-period "${String(opts['caValidityPeriod'])}"`);
  const only = onlyOf(opts);
  if (only && !['plan', 'prepare', 'status'].includes(phase)) throw new UsageError('--only is chosen at prepare; later phases follow the rotation plan');
  if ((opts['export'] || opts['import']) && phase !== 'prepare') throw new UsageError('--export and --import go with prepare');
  if (opts['crossSign'] === true && (phase !== 'prepare' || opts['import'])) throw new UsageError('--cross-sign goes with prepare (an imported archive brings its cross certificates)');
  const o: PhaseOptions = {
    paths, now: io.now(), dryRun: opts['dryRun'] === true, ...(only ? { only } : {}), caValidityMs: caValidity, leafValidityMs: 8760 * 3_600_000,
    notice: (e) => io.stderr.write(`${rotationNoticeLine(e)}\n`),
    cmdFlags: runFlags(opts),
    ...(Array.isArray(opts['etcdEndpoints']) ? { etcdEndpoints: opts['etcdEndpoints'] as string[] } : {}),
    probeTimeoutMs: msFlag(opts, 'probeTimeout', '--probe-timeout', 3000),
    saGraceMs: saGraceOf(opts),
    ...(opts['crossSign'] === true ? { crossSign: true } : {}),
    ...(opts['force'] === true ? { force: true } : {}),
    ...(typeof opts['apiserverEndpoint'] === 'string' ? { apiserverEndpoint: endpointOf(opts['apiserverEndpoint'], '--apiserver-endpoint') } : {}),
    ...(typeof opts['kubeletEndpoint'] === 'string' ? { kubeletEndpoint: endpointOf(opts['kubeletEndpoint'], '--kubelet-endpoint') } : {}),
  };
  const out = (s: string): void => void io.stdout.write(s);
  if (phase === 'status' || phase === 'plan') {
    if (!o.dryRun) await recoverInterrupted(o);
    const { facts, plan, status } = nodeStatus(paths, only);
    if (phase === 'plan') {
      // as prepare: a folder without any CA or service-account key is refused, not shown as an empty plan
      if (status.targets.length === 0 && status.problems.length === 0) throw new RotateError('ROTATE_INPUT', `nothing to rotate in ${paths.certDir}`, { hint: 'check --cert-dir (default /etc/kubernetes/pki)' });
      const ca = facts.cas.find((c) => c.target === 'ca');
      const byName = new Map(facts.signed.map((s) => [s.name, s]));
      out(renderInventory(facts, (n) => {
        const s = byName.get(n);
        const cas = facts.cas.find((c) => c.target === s?.ca);
        const oldFp = plan?.old[s?.ca ?? 'ca'];
        const old = cas?.certs.find((c) => c.fingerprint === oldFp)?.cert ?? cas?.certs[0]?.cert;
        const neu = cas?.certs.find((c) => c.fingerprint === plan?.new[s?.ca ?? 'ca'])?.cert;
        return s ? `${s.ca} (${signerOf(s, old, plan ? neu : undefined) === 'other' ? 'another CA' : signerOf(s, old, neu)})` : '?';
      }));
      void ca;
      // which component trusts or signs with which CA file, from the static-pod manifests
      const pods = loadPods(realNodeHost(), paths.manifestsDir);
      const rows = pods.flatMap((p) => (p.state === 'ok' ? p.pod.files.filter((f) => f.role === 'ca' || f.role === 'signing-ca' || f.flag === 'service-account-key-file').map((f) => `  ${p.component} --${f.flag}=${f.path} (${f.role})`) : []));
      out(`Components (${paths.manifestsDir}):\n${rows.length > 0 ? rows.join('\n') : '  no control-plane manifests'}\n`);
    }
    const effect = phase === 'status' ? await etcdInEffect(o) : undefined;
    const components = phase === 'status' ? await componentsInEffect(o) : undefined;
    out(renderStatus(status, [
      ...(effect?.map((e) => `in effect: etcd ${e.url}: ${e.acceptsNew ? 'accepts' : 'REJECTS'} a client of the new etcd CA, serves a certificate of the ${e.servesNew ? 'new' : 'old'} CA`) ?? []),
      ...(components ? renderComponentEffects(components, facts, { old: plan?.old.ca, new: plan?.new.ca }) : []),
    ]));
    if (status.problems.length > 0) throw new ExitRequest(ExitCode.failed);
    return;
  }
  let result: PhaseResult;
  switch (phase) {
    case 'prepare':
      if (typeof opts['import'] === 'string') {
        let data: Buffer;
        try {
          data = readRegularFile(opts['import'], 64 << 20);
        } catch (err) {
          throw new RotateError('ROTATE_ARCHIVE', `cannot read the archive "${opts['import']}": ${(err as Error).message}`);
        }
        result = await storePrepared(o, openArchive(data, archiveSecret(opts, io, false)));
      } else {
        result = await prepare(o);
      }
      if (typeof opts['export'] === 'string' && !o.dryRun) {
        const plan = readPlan(paths);
        if (!plan) throw new RotateError('ROTATE_STATE', 'nothing prepared to export');
        writeFileAtomic(opts['export'], sealArchive({ plan, files: stagedFiles(paths) }, archiveSecret(opts, io, true)), { mode: 0o600, secret: true });
        io.stderr.write(`[rotate] wrote the encrypted archive ${opts['export']}\n`);
      }
      break;
    case 'trust':
      result = await trust(o);
      break;
    case 'reissue':
      result = await reissue(o);
      break;
    case 'finalize':
      result = await finalize(o);
      break;
    case 'rollback':
      result = await rollback(o);
      break;
    case 'purge':
      result = await purge(o);
      break;
    default:
      throw new UsageError(`unknown phase "${phase}"`);
  }
  out(renderPhase(result));
  if (result.phase === 'rollback' && !result.dryRun && !result.nothingToDo && result.to !== 'none' && opts['restart'] !== true && (result.written.length > 0 || result.removed.length > 0)) {
    // the components read their CA files only at start: restored files are not in effect until they restart
    out(`[rotate] restart the control-plane components (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) and the kubelet, which read these files only at start: kubecerts control-plane restart all${typeof opts['manifestsDir'] === 'string' ? ` --manifests-dir ${shellWord(paths.manifestsDir)}` : ''} (or rerun with --restart), systemctl restart kubelet\n`);
  }
  const changedLive = !result.dryRun && !result.nothingToDo && ['trust', 'reissue', 'finalize', 'rollback'].includes(result.phase) && result.written.length > 0;
  if (opts['restart'] === true && changedLive) {
    const names = result.targets.includes('etcd-ca') ? ['all'] : ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
    const report = await restartComponents(names, {
      host: realNodeHost(), manifestsDir: paths.manifestsDir, holdingDir: holdingDirOf(opts),
      timeoutMs: msFlag(opts, 'timeout', '--timeout', 90_000), probeTimeoutMs: 2000, now: () => io.now(), sleep: (ms) => clockOf(io).sleep(ms),
      onStep: (s) => io.stderr.write(`${restartStepLine(s)}\n`),
    });
    for (const x of report.outcomes) out(`[rotate] restart ${x.component}: ${x.result}${x.result === 'failed' ? ` (${x.step}: ${x.error})` : ''}\n`);
    if (!report.ok) {
      const cp = [typeof opts['manifestsDir'] === 'string' ? ` --manifests-dir ${shellWord(paths.manifestsDir)}` : '', typeof opts['holdingDir'] === 'string' ? ` --holding-dir ${shellWord(opts['holdingDir'])}` : ''].join('');
      io.stderr.write(`[rotate] a restart failed: the files are committed; fix the component, then run \`kubecerts control-plane restart all${cp}\` before the next phase\n`);
      throw new ExitRequest(ExitCode.failed);
    }
  }
  const inCluster = opts['inCluster'] as string | undefined;
  if (inCluster !== undefined && ['trust', 'reissue', 'finalize'].includes(result.phase)) {
    // after the restarts: kube-root-ca.crt is published by the restarted controller-manager
    const kubeconfig = join(paths.kubeconfigDir, 'admin.conf');
    if (inCluster === 'apply' && !result.dryRun) {
      runInCluster(result.phase as 'trust' | 'reissue' | 'finalize', paths, kubeconfig, o.now, out, io, runFlags(opts));
    } else {
      const steps = inClusterSteps(result.phase, kubeconfig, result.joinHashes?.new, join(paths.certDir, 'ca.crt'));
      out(`In the cluster (to run):\n${steps.map((s) => `  ${s.text}`).join('\n')}\n`);
    }
  }
}

/** Bound of one kubectl run of --in-cluster=apply (its own --request-timeout is 20 s per request), ms. */
const KUBECTL_TIMEOUT_MS = 60_000;

/**
 * `--in-cluster=apply`: the in-cluster steps of the phase through kubectl with admin.conf (ops/rotate-ca/in-cluster.ts),
 * each reported; restarts already done for this phase and CA file (recorded in the state folder) are not repeated.
 * Exits 1 (ExitRequest) when a step failed, after reporting which steps ran.
 */
function runInCluster(phase: 'trust' | 'reissue' | 'finalize', paths: RotationPaths, kubeconfig: string, now: Date, out: (s: string) => void, io: Io, flags: string): void {
  const plan = readPlan(paths) ?? nodeStatus(paths).plan;
  const rotatesCa = plan?.targets.includes('ca') ?? true;
  const caText = rotatesCa ? readIfPresent(join(paths.certDir, 'ca.crt')) : undefined;
  const caFile = textDigest(caText ?? '');
  const doneBefore = readInClusterDone(paths, phase, caFile);
  const report = applyInCluster({
    phase, kubeconfig, caBundle: caText, oldCa: plan?.old.ca, newCa: plan?.new.ca, doneBefore,
    restartKcm: `kubecerts control-plane restart kube-controller-manager${/ --manifests-dir (?:'[^']*'|\S+)/.exec(flags)?.[0] ?? ''}`,
    kubectl: (args) => runGroupSync('kubectl', args, KUBECTL_TIMEOUT_MS),
  });
  if (report.done.length > doneBefore.length) writeInClusterDone(paths, { phase, caFile, done: report.done, at: now.toISOString() });
  out(renderInCluster(phase, kubeconfig, report));
  const failed = report.outcomes.filter((x) => x.result === 'failed');
  if (failed.length > 0) {
    io.stderr.write(`[rotate] ${failed.length} in-cluster step(s) failed (${failed.map((x) => x.id).join(', ')}); the node's files are committed. Fix the cause and run "kubecerts ca rotate ${phase}${flags} --in-cluster=apply" again: steps done are not repeated\n`);
    throw new ExitRequest(ExitCode.failed);
  }
}
