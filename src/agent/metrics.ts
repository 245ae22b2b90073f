/**
 * The agent's Prometheus textfile (`<textfile-dir>/kubecerts.prom`): check-expiration's metrics of this node and the
 * agent's metrics about itself. The file is replaced atomically (temp file in the same folder, fsync, rename), so
 * node_exporter's textfile collector never reads half of it; the temp name does not end in .prom.
 */
import { realNodeHost } from '../store/node-host.js';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/fs-atomic.js';
import { renderExpirationPrometheus } from '../output/expiration-prometheus.js';
import type { ExpirationReport } from '../pki/expiration.js';

/** What the agent knows about itself, for the metrics. Times are Unix seconds. */
export interface AgentState {
  node: string;
  lock: string;
  version: string;
  lastRun: number | undefined;
  lastSuccess: number | undefined;
  lastRunOk: boolean | undefined;
  /** why the last run failed: check, no-quorum, busy, unreachable, aborted, renew, restart */
  lastError: string | undefined;
  lockHeld: boolean;
  /** the lock backend answered (with quorum) on the last attempt; true for --lock none */
  lockUp: boolean;
  due: number;
}

/** Every metric name the agent's textfile can hold, with its help text; the dashboard and alert tests use it. */
export const AGENT_METRICS = {
  kubecerts_agent_info: 'Constant 1, labelled with the node, the lock kind and the kubecerts version of the agent.',
  kubecerts_agent_last_run_timestamp_seconds: 'When the agent last started a run, as Unix time in seconds.',
  kubecerts_agent_last_success_timestamp_seconds: 'When a run of the agent last ended without error, as Unix time in seconds.',
  kubecerts_agent_last_run_success: '1 when the last run ended without error, else 0.',
  kubecerts_agent_last_error: '1, labelled with the reason the last run failed (check, no-quorum, busy, unreachable, aborted, renew, restart); absent after a good run.',
  kubecerts_agent_lock_held: '1 while this agent holds the cluster lock.',
  kubecerts_agent_lock_up: '1 when the cluster lock backend answered with quorum on the last attempt (always 1 with --lock none).',
  kubecerts_agent_certificates_due: 'Certificates of this node within --renew-before at the last check.',
} as const;

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The agent's own metrics in the text exposition format. Pure. */
export function renderAgentMetrics(s: AgentState): string {
  const out: string[] = [];
  const gauge = (name: keyof typeof AGENT_METRICS, samples: readonly [string, number][]): void => {
    if (samples.length === 0) return;
    out.push(`# HELP ${name} ${AGENT_METRICS[name]}`, `# TYPE ${name} gauge`);
    for (const [labels, v] of samples) out.push(`${name}${labels} ${v}`);
  };
  gauge('kubecerts_agent_info', [[`{node="${esc(s.node)}",lock="${esc(s.lock)}",version="${esc(s.version)}"}`, 1]]);
  gauge('kubecerts_agent_last_run_timestamp_seconds', s.lastRun === undefined ? [] : [['', s.lastRun]]);
  gauge('kubecerts_agent_last_success_timestamp_seconds', s.lastSuccess === undefined ? [] : [['', s.lastSuccess]]);
  gauge('kubecerts_agent_last_run_success', s.lastRunOk === undefined ? [] : [['', s.lastRunOk ? 1 : 0]]);
  gauge('kubecerts_agent_last_error', s.lastError === undefined ? [] : [[`{reason="${esc(s.lastError)}"}`, 1]]);
  gauge('kubecerts_agent_lock_held', [['', s.lockHeld ? 1 : 0]]);
  gauge('kubecerts_agent_lock_up', [['', s.lockUp ? 1 : 0]]);
  gauge('kubecerts_agent_certificates_due', [['', s.due]]);
  return `${out.join('\n')}\n`;
}

export const TEXTFILE_NAME = 'kubecerts.prom';

/** Replaces `<dir>/kubecerts.prom` atomically with the node's certificate metrics (when known) and the agent's. */
export function writeTextfile(dir: string, report: ExpirationReport | undefined, s: AgentState): void {
  const text = `${report ? renderExpirationPrometheus(report) : ''}${renderAgentMetrics(s)}`;
  writeFileAtomic(join(dir, TEXTFILE_NAME), text, { mode: 0o644 });
}

/** The last success time a previous agent process left in `<dir>/kubecerts.prom` (so `--once` runs keep it). */
export function previousLastSuccess(dir: string): number | undefined {
  try {
    const m = /^kubecerts_agent_last_success_timestamp_seconds (\d+)$/m.exec(realNodeHost().read(join(dir, TEXTFILE_NAME)).toString('utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
