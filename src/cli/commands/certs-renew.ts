/** `certs renew <name|all>`: kubeadm's messages, plus lock, backup, journaled all-or-nothing commit and dry run. */
import { join } from 'node:path';
import { ExitCode, ExitRequest, UsageError } from '../../errors.js';
import { componentsToRestart } from '../../ops/control-plane-restart.js';
import { renewCertificates } from '../../ops/renew.js';
import { updateKubeconfigs, updateSourceFor } from '../../ops/renew-update-kubeconfig.js';
import { renderRestartText } from '../../output/control-plane-text.js';
import { textWarner } from '../../output/events-text.js';
import { kubeconfigUpdateLines, outcomeLine, renderRenewSummary, renewDryRunLines, RESTART_NOTICE } from '../../output/renew-text.js';
import { DEFAULT_KEEP_BACKUPS } from '../../store/backup.js';
import { realNodeHost } from '../../store/node-host.js';
import { hostPath } from '../../store/rootfs.js';
import { durationFlag, positiveIntegerFlag, runConfigFrom } from '../config-flags.js';
import { line, type Io } from '../io.js';
import { renewSelection } from '../renew-args.js';
import { requiresFlag } from '../usage-errors.js';
import { manifestsDirOf, msFlag, recoverNodeIfPresent, restartWithFlags } from './node-common.js';

export default async function renew(args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const name = String(args[0]);
  const selected = renewSelection(name);
  const expiringWithinMs = durationFlag(opts, 'expiringWithin', '--expiring-within', 0);
  if (opts['csrDir'] !== undefined && !opts['csrOnly']) throw requiresFlag('csr-dir', 'csr-only');
  const cfg = runConfigFrom(opts);
  const [format, csrOnly, dryRun, restart] = [String(opts['output'] ?? 'text'), opts['csrOnly'] === true, opts['dryRun'] === true, opts['restart'] === true];
  if (restart && csrOnly) throw new UsageError('--restart cannot be used with --csr-only: nothing is renewed until the CSRs are signed');
  msFlag(opts, 'timeout', '--timeout', 90_000); // a bad --timeout is refused before anything is renewed
  const updates = ((opts['updateKubeconfig'] as string[] | undefined) ?? []).map((f) => hostPath(f));
  if (updates.length > 0 && csrOnly) throw new UsageError('--update-kubeconfig cannot be used with --csr-only');
  const [host, manifestsDir] = [realNodeHost(), manifestsDirOf(opts)];
  // a manifest an interrupted control-plane restart left out goes back before anything else touches the node
  if (!dryRun) recoverNodeIfPresent(host, opts, io);
  // refuse a FILE that holds another identity before renewing anything
  const sources = new Map(updates.map((f) => [f, updateSourceFor(f, cfg.kubeconfigDir)]));
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
  const summary = { outcomes: r.outcomes, backupDir: r.backupDir, needRestart, kubeconfigs: [], restart: undefined };
  if (!r.written) {
    for (const l of renewDryRunLines(r, restart ? needRestart : [])) out(l);
    if (!text) io.stdout.write(renderRenewSummary(format === 'json' ? 'json' : 'yaml', { ...summary, dryRun: true }, cfg));
    return;
  }
  for (const o of r.outcomes) out(outcomeLine(o));
  if (r.backupDir) io.stderr.write(`backup of the replaced files: ${r.backupDir}\n`);
  const kubeconfigs = updateKubeconfigs(sources, changed, r.backupDir, (u) => kubeconfigUpdateLines(u).forEach(out));
  const onStep = (c: string, s: string): unknown => io.stderr.write(`[restart] ${c}: ${s}\n`);
  const report = restart && needRestart.length > 0 ? await restartWithFlags(needRestart, host, opts, io, onStep) : undefined;
  if (report && text) io.stdout.write(renderRestartText(report));
  else if (restart && !report && text) out('[restart] no running component uses a renewed file: nothing to restart');
  // kubeadm's reminder, only when something was renewed and nothing was restarted for it
  if (text && name === 'all' && !csrOnly && !restart && renewed.length > 0) out(`\n${RESTART_NOTICE}`);
  if (!text) io.stdout.write(renderRenewSummary(format === 'json' ? 'json' : 'yaml', { ...summary, kubeconfigs, restart: report, dryRun: false }, cfg));
  if (report && !report.ok) throw new ExitRequest(ExitCode.failed);
}
