/** `agent systemd` and `agent manifest`: print (or write) the ways to run the agent (src/agent/deploy.ts). */
import { join } from 'node:path';
import { parseDuration } from '../../lib/duration.js';
import { UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../store/fs-atomic.js';
import { renderDaemonSet, renderSystemdUnits, type AgentRunFlags } from '../../agent/deploy.js';
import { parseRenewBefore } from '../../agent/policy.js';
import { VERSION } from '../../lib/version.js';
import type { Io } from '../io.js';

type Opts = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Prints or writes the systemd units (`kind` "systemd") or the DaemonSet ("manifest"). Throws UsageError on bad flags. */
export async function agentDeploy(kind: 'systemd' | 'manifest', opts: Opts, io: Io): Promise<void> {
  const renewBefore = str(opts['renewBefore']);
  if (renewBefore) parseRenewBefore(renewBefore);
  const period = str(opts['period']) ?? '1h';
  const periodMs = parseDuration(period);
  if (periodMs === undefined || periodMs < 60_000) throw new UsageError(`invalid --period "${period}": a duration of at least 1m, e.g. 1h`);
  const textfileDir = str(opts['textfileDir']) ?? '/var/lib/prometheus/node-exporter';
  if (!textfileDir.startsWith('/')) throw new UsageError(`--textfile-dir "${textfileDir}" must be an absolute path on the node`);
  const flags: AgentRunFlags = {
    textfileDir, renewBefore, lock: str(opts['lock']), etcdEndpoints: str(opts['etcdEndpoints']), period: str(opts['period']), logFormat: str(opts['logFormat']),
  };
  if (kind === 'manifest') {
    io.stdout.write(renderDaemonSet({ ...flags, image: str(opts['image']) ?? `ghcr.io/kubecerts/kubecerts:${VERSION}`, namespace: str(opts['namespace']) ?? 'kubecerts' }));
    return;
  }
  const units = renderSystemdUnits({ ...flags, binary: str(opts['binary']) ?? '/usr/local/bin/kubecerts', periodSeconds: Math.round(periodMs / 1000) });
  const outDir = str(opts['outDir']);
  if (outDir) {
    for (const u of units) writeFileAtomic(join(outDir, u.name), u.text, { mode: 0o644 });
    io.stderr.write(`wrote ${units.map((u) => join(outDir, u.name)).join(' and ')}\n`);
    return;
  }
  io.stdout.write(units.map((u) => `# ---- ${u.name}\n${u.text}`).join('\n'));
}
