/** `control-plane restart`: restart static pods one at a time through the kubelet's manifests folder. */
import { ExitCode, ExitRequest } from '../../errors.js';
import { describeRestart } from '../../ops/control-plane-restart.js';
import { renderJson, renderRestartPlan, renderRestartText, renderYaml } from '../../output/control-plane-text.js';
import { realNodeHost } from '../../store/node-host.js';
import type { Io } from '../io.js';
import { holdingDirOf, manifestsDirOf, msFlag, recoverNode, restartWithFlags, stepLines, type Opts } from './node-common.js';

export default async function restart(args: unknown[], opts: Opts, io: Io): Promise<void> {
  const names = ((args[0] as string[] | undefined) ?? []).length > 0 ? (args[0] as string[]) : ['all'];
  const host = realNodeHost();
  const o = {
    host, manifestsDir: manifestsDirOf(opts), holdingDir: holdingDirOf(opts),
    timeoutMs: msFlag(opts, 'timeout', '--timeout', 90_000), probeTimeoutMs: msFlag(opts, 'probeTimeout', '--probe-timeout', 2000),
  };
  const format = String(opts['output'] ?? 'text');
  if (opts['dryRun'] === true) {
    recoverNode(host, opts, io);
    const d = await describeRestart(names, o);
    io.stdout.write(format === 'text' ? renderRestartPlan(d.plan, d.etcdQuorum, o.timeoutMs) : (format === 'json' ? renderJson : renderYaml)({ kind: 'ControlPlaneRestartPlan', ...d }));
    return;
  }
  // a signal ends the current wait; the manifest goes back before the process exits
  const report = await restartWithFlags(names, host, opts, io, format === 'text' ? stepLines(io) : undefined);
  io.stdout.write(format === 'text' ? renderRestartText(report) : (format === 'json' ? renderJson : renderYaml)({ kind: 'ControlPlaneRestart', ...report }));
  if (!report.ok) throw new ExitRequest(ExitCode.failed);
}
