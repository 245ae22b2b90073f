/** `certs renew <name|all>`: kubeadm's messages, plus lock, backup, journaled all-or-nothing commit and dry run. */
import { ExitCode, ExitRequest } from '../../errors.js';
import { componentsToRestart } from '../../ops/control-plane-restart.js';
import { changedFiles, renewCertificates } from '../../ops/renew.js';
import { updateKubeconfigs, updateSourceFor } from '../../ops/renew-update-kubeconfig.js';
import { textWarner } from '../../output/events-text.js';
import { kubeconfigUpdateLines, outcomeLine, renderRenewSummary, renewClosing, renewDryRunLines } from '../../output/renew-text.js';
import { textNotice } from '../../output/write-text.js';
import { realNodeHost } from '../../store/node-host.js';
import { line, type Io } from '../io.js';
import { renewFlags, renewRunOptions } from '../renew-args.js';
import { manifestsDirOf, recoverNodeIfPresent, restartWithFlags, stepLines } from './node-common.js';

export default async function renew(args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const f = renewFlags(String(args[0]), opts);
  const [host, manifestsDir] = [realNodeHost(), manifestsDirOf(opts)];
  // a manifest an interrupted control-plane restart left out goes back before anything else touches the node
  if (!f.dryRun) recoverNodeIfPresent(host, opts, io);
  // refuse a FILE that holds another identity before renewing anything
  const sources = new Map(f.updates.map((u) => [u, updateSourceFor(u, f.cfg.kubeconfigDir)]));
  const text = f.format === 'text';
  const out = line(text ? io.stdout : io.stderr);
  const r = await renewCertificates({ ...renewRunOptions(f, opts, io.now()), warner: textWarner(line(io.stderr)), notice: textNotice(line(io.stderr)) });
  const changed = changedFiles(r.outcomes);
  const needRestart = changed.length > 0 ? componentsToRestart(host, manifestsDir, changed) : [];
  const summary = { outcomes: r.outcomes, backupDir: r.backupDir, needRestart, kubeconfigs: [], restart: undefined };
  if (!r.written) {
    for (const l of renewDryRunLines(r, f.restart ? needRestart : [])) out(l);
    if (!text) io.stdout.write(renderRenewSummary(f.format === 'json' ? 'json' : 'yaml', { ...summary, dryRun: true }, f.cfg));
    return;
  }
  for (const o of r.outcomes) out(outcomeLine(o));
  if (r.backupDir) io.stderr.write(`backup of the replaced files: ${r.backupDir}\n`);
  const kubeconfigs = updateKubeconfigs(sources, changed, r.backupDir, (u) => kubeconfigUpdateLines(u).forEach(out));
  const report = f.restart && needRestart.length > 0 ? await restartWithFlags(needRestart, host, opts, io, stepLines(io)) : undefined;
  const closing = renewClosing(f.format, { all: f.name === 'all', csrOnly: f.csrOnly, restart: f.restart }, { ...summary, kubeconfigs, restart: report, dryRun: false }, f.cfg);
  if (closing) io.stdout.write(closing);
  if (report && !report.ok) throw new ExitRequest(ExitCode.failed);
}
