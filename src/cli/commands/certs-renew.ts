/** `certs renew <name|all>`: kubeadm's messages, plus lock, backup, journaled all-or-nothing commit and dry run. */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../../store/fs-atomic.js';
import type { RunConfig } from '../../config/types.js';
import { certPath } from '../../pki/certificate.js';
import { ExitCode, ExitRequest, KubeconfigError, UsageError } from '../../errors.js';
import { componentsToRestart, restartComponents, type RestartReport } from '../../ops/control-plane-restart.js';
import { planKubeconfigRefresh } from '../../ops/kubeconfig-refresh.js';
import { renderJson, renderRestartText, renderYaml } from '../../output/control-plane-text.js';
import { realNodeHost } from '../../store/node-host.js';
import { hostPath } from '../../store/rootfs.js';
import { holdingDirOf, manifestsDirOf, msFlag, readTextFile, recoverNodeIfPresent, replaceFile, withSignalAbort } from './node-common.js';
import { textWarner } from '../../output/events-text.js';
import { DEFAULT_KEEP_BACKUPS } from '../../store/backup.js';
import { renewCertificates, type RenewOutcome } from '../../ops/renew.js';
import { CA_SPECS, RENEWABLE_SPECS } from '../../pki/specs.js';
import { durationFlag, positiveIntegerFlag, runConfigFrom } from '../config-flags.js';
import { dryRunLine, outcomeLine, RESTART_NOTICE } from '../../output/renew-text.js';
import { integrityWarnings } from '../../output/integrity-text.js';
import { line, clockOf, type Io } from '../io.js';
import { RENEW_NAMES } from '../../pki/spec-tree.js';
import { requiresFlag, unknownCommand } from '../usage-errors.js';

function selectSpecs(name: string) {
  if (name === 'all') return RENEWABLE_SPECS;
  const spec = RENEWABLE_SPECS.find((s) => s.name === name);
  if (spec) return [spec];
  if (CA_SPECS.some((c) => c.name === name)) {
    throw new UsageError(`"${name}" is a certificate authority; kubecerts, like kubeadm, does not renew CAs`, {
      hint: 'a CA change re-trusts the whole cluster: follow https://kubernetes.io/docs/tasks/tls/manual-rotation-of-ca-certificates/',
    });
  }
  if (name === 'kubelet.conf') {
    throw new UsageError('kubelet.conf is not renewed: the kubelet rotates its own client certificate (/var/lib/kubelet/pki/kubelet-client-current.pem)', {
      hint: 'if it has expired, see https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/#kubelet-client-cert',
    });
  }
  // kubeadm has one subcommand per certificate, so cobra reports an unknown name as an unknown command
  throw unknownCommand(name, 'kubecerts certs renew', RENEW_NAMES);
}

/**
 * --update-kubeconfig: which renewed kubeconfig (admin.conf, else super-admin.conf) FILE holds a copy of, decided
 * before anything is renewed with `kubeconfig refresh`'s identification; a KubeconfigError naming the identity FILE
 * holds when it is neither.
 */
function sourceFor(file: string, kubeconfigDir: string): string {
  const candidates = ['admin.conf', 'super-admin.conf'].map((n) => join(kubeconfigDir, n));
  let first: unknown;
  for (const from of candidates) {
    try {
      planKubeconfigRefresh(readTextFile(file), file, readTextFile(from), from);
      return from;
    } catch (err) {
      if (!(err instanceof KubeconfigError) || err.code !== 'KUBECONFIG_IDENTITY') throw err;
      first ??= err;
    }
  }
  throw first;
}

/** One renewal outcome for `-o json|yaml`. */
function summaryEntry(o: RenewOutcome, cfg: RunConfig): Record<string, unknown> {
  const base = { name: o.spec.name, path: o.spec.kind === 'kubeconfig' ? join(cfg.kubeconfigDir, o.spec.fileName) : certPath(cfg.certificatesDir, o.spec.baseName) };
  if (o.kind === 'renewed' || o.kind === 'csr') {
    return { ...base, files: o.files, oldNotAfter: o.oldNotAfter.toISOString(), newNotAfter: o.newNotAfter.toISOString(), keyKept: o.keyKept };
  }
  return { ...base, message: outcomeLine(o) };
}

export default async function renew(args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const name = String(args[0]);
  const selected = selectSpecs(name);
  const expiringWithinMs = durationFlag(opts, 'expiringWithin', '--expiring-within', 0);
  if (opts['csrDir'] !== undefined && !opts['csrOnly']) throw requiresFlag('csr-dir', 'csr-only');
  const cfg = runConfigFrom(opts);
  const format = String(opts['output'] ?? 'text');
  const csrOnly = opts['csrOnly'] === true;
  const dryRun = opts['dryRun'] === true;
  const restart = opts['restart'] === true;
  if (restart && csrOnly) throw new UsageError('--restart cannot be used with --csr-only: nothing is renewed until the CSRs are signed');
  const timeoutMs = msFlag(opts, 'timeout', '--timeout', 90_000);
  const updates = ((opts['updateKubeconfig'] as string[] | undefined) ?? []).map((f) => hostPath(f));
  if (updates.length > 0 && csrOnly) throw new UsageError('--update-kubeconfig cannot be used with --csr-only');
  const host = realNodeHost();
  const manifestsDir = manifestsDirOf(opts);
  // a manifest an interrupted control-plane restart left out goes back before anything else touches the node
  if (!dryRun) recoverNodeIfPresent(host, opts, io);
  // refuse a FILE that holds another identity before renewing anything
  const sources = new Map(updates.map((f) => [f, sourceFor(f, cfg.kubeconfigDir)]));
  const text = format === 'text';
  const out = line(text ? io.stdout : io.stderr);
  const r = await renewCertificates({
    cfg, start: io.now(), csrOnly, reuseKey: opts['reuseKey'] === true, expiringWithinMs, dryRun,
    // kubeadm's renewal manager has no etcd certificates when etcd is external: `all` does not list them
    specs: name === 'all' && !cfg.etcdLocal ? selected.filter((s) => !s.etcd) : selected,
    csrDir: typeof opts['csrDir'] === 'string' ? opts['csrDir'] : undefined,
    backup: opts['backup'] !== false,
    backupRoot: typeof opts['backupDir'] === 'string' ? opts['backupDir'] : join(cfg.kubeconfigDir, 'tmp'),
    keepBackups: positiveIntegerFlag(opts, 'keepBackups', 'keep-backups', DEFAULT_KEEP_BACKUPS), warner: textWarner(line(io.stderr)), notice: line(io.stderr),
  });
  const renewed = r.outcomes.filter((o) => o.kind === 'renewed');
  const changed = renewed.flatMap((o) => (o.kind === 'renewed' ? o.files : []));
  const needRestart = changed.length > 0 ? componentsToRestart(host, manifestsDir, changed) : [];
  if (!r.written) {
    for (const w of r.integrity ? integrityWarnings(r.integrity) : []) out(`[dryrun] ${w}`);
    for (const o of r.outcomes) out(dryRunLine(o, r.backupDir));
    if (restart && needRestart.length > 0) out(`[dryrun] would restart ${needRestart.join(', ')}`);
    out('[dryrun] Nothing was written');
    if (!text) io.stdout.write(renderSummary(format, cfg, r.outcomes, r.backupDir, needRestart, [], undefined, true));
    return;
  }
  for (const o of r.outcomes) out(outcomeLine(o));
  if (r.backupDir) io.stderr.write(`backup of the replaced files: ${r.backupDir}\n`);
  const updated: { file: string; from: string; users: string[] }[] = [];
  for (const [file, from] of sources) {
    if (!changed.includes(from)) {
      out(`[kubeconfig] ${file}: ${from} was not renewed, nothing to update`);
      continue;
    }
    const p = planKubeconfigRefresh(readTextFile(file), file, readTextFile(from), from);
    if (p.refreshed.length > 0) {
      // FILE holds the old private key: its copy goes into this run's backup folder (0600), as the replaced files do
      if (r.backupDir) writeFileAtomic(join(r.backupDir, `update-kubeconfig-${updated.length + 1}-${basename(file)}`), readFileSync(file), { mode: 0o600, secret: true });
      replaceFile(file, p.text, true);
    }
    for (const u of p.refreshed) out(`[kubeconfig] replaced the credentials of user "${u.name}" in ${file} with the renewed ones of ${from} (expiring ${u.newNotAfter})`);
    updated.push({ file, from, users: p.refreshed.map((u) => u.name) });
  }
  let report: RestartReport | undefined;
  if (restart && needRestart.length > 0) {
    report = await withSignalAbort((signal) => restartComponents(needRestart, {
      host, manifestsDir, holdingDir: holdingDirOf(opts), timeoutMs, probeTimeoutMs: msFlag(opts, 'probeTimeout', '--probe-timeout', 2000),
      now: () => io.now(), sleep: (ms) => clockOf(io).sleep(ms), signal, onStep: (c, s) => io.stderr.write(`[restart] ${c}: ${s}\n`),
    }));
    if (text) io.stdout.write(renderRestartText(report));
  } else if (restart && text) {
    out('[restart] no running component uses a renewed file: nothing to restart');
  }
  // kubeadm's reminder, only when something was renewed and nothing was restarted for it
  if (text && name === 'all' && !csrOnly && !restart && renewed.length > 0) out(`\n${RESTART_NOTICE}`);
  if (!text) io.stdout.write(renderSummary(format, cfg, r.outcomes, r.backupDir, needRestart, updated, report, false));
  if (report && !report.ok) throw new ExitRequest(ExitCode.failed);
}

/**
 * `certs renew -o json|yaml`: the machine-readable summary (schema in the README, "certs renew -o json"), so a cron
 * job can act on it.
 */
function renderSummary(
  format: string,
  cfg: RunConfig,
  outcomes: readonly RenewOutcome[],
  backupDir: string | undefined,
  needRestart: readonly string[],
  kubeconfigs: readonly { file: string; from: string; users: string[] }[],
  restart: RestartReport | undefined,
  dryRun: boolean,
): string {
  const of = (k: RenewOutcome['kind']): Record<string, unknown>[] => outcomes.filter((o) => o.kind === k).map((o) => summaryEntry(o, cfg));
  const doc = {
    kind: 'CertificateRenewal',
    dryRun,
    renewed: of('renewed'),
    csr: of('csr'),
    skipped: of('skipped'),
    missing: of('missing'),
    external: of('external'),
    backupDir: backupDir ?? null,
    restartNeeded: restart ? restart.outcomes.filter((o) => o.result !== 'restarted').map((o) => o.component) : needRestart,
    restart: restart ? restart.outcomes : null,
    kubeconfigsUpdated: kubeconfigs,
  };
  return format === 'json' ? renderJson(doc) : renderYaml(doc);
}
