/** `control-plane status`: what each static-pod component runs and serves, and whether it needs a restart. */
import { ExitCode, ExitRequest } from '../../errors.js';
import { controlPlaneStatus } from '../../ops/control-plane-status.js';
import { renderJson, renderStatusText, renderYaml, statusDocument } from '../../output/control-plane-text.js';
import { realNodeHost } from '../../store/node-host.js';
import type { Io } from '../io.js';
import { manifestsDirOf, msFlag, pathOption, recoverNode, type Opts } from './node-common.js';

export default async function status(_args: unknown[], opts: Opts, io: Io): Promise<void> {
  const host = realNodeHost();
  const timeoutMs = msFlag(opts, 'probeTimeout', '--probe-timeout', 2000);
  recoverNode(host, opts, io);
  const report = await controlPlaneStatus({
    host, manifestsDir: manifestsDirOf(opts), now: io.now(), timeoutMs,
    kubeletDir: pathOption(opts, 'kubeletDir', '/var/lib/kubelet/pki'),
  });
  const format = String(opts['output'] ?? 'text');
  io.stdout.write(format === 'json' ? renderJson(statusDocument(report)) : format === 'yaml' ? renderYaml(statusDocument(report)) : renderStatusText(report));
  if (report.needsAction) throw new ExitRequest(ExitCode.attention);
}
