import { describe, expect, it } from 'vitest';
import { renderSystemdUnits } from './deploy.js';
import { makeLogger } from './log.js';
import { jittered } from './loop.js';
import { AGENT_METRICS, renderAgentMetrics, type AgentState } from './metrics.js';

const state: AgentState = { node: 'cp "1"', lock: 'etcd', version: '0.1.0', lastRun: 100, lastSuccess: undefined, lastRunOk: false, lastError: 'no-quorum', lockHeld: false, lockUp: false, due: 3 };

describe('agent metrics', () => {
  it('writes HELP and TYPE for every sample, escapes labels, leaves out what is unknown', () => {
    const text = renderAgentMetrics(state);
    expect(text).toContain('kubecerts_agent_info{node="cp \\"1\\"",lock="etcd",version="0.1.0"} 1\n');
    expect(text).toContain('kubecerts_agent_last_error{reason="no-quorum"} 1\n');
    expect(text).toContain('kubecerts_agent_lock_up 0\n');
    expect(text).not.toContain('kubecerts_agent_last_success_timestamp_seconds');
    for (const name of text.matchAll(/^# TYPE (\S+) gauge$/gm)) expect(Object.keys(AGENT_METRICS)).toContain(name[1]);
    expect(renderAgentMetrics({ ...state, lastRunOk: true, lastError: undefined })).not.toContain('last_error');
  });
});

describe('agent log lines', () => {
  it('logfmt quotes values with spaces; json is one object per line', () => {
    const out: string[] = [];
    const t = () => new Date('2026-01-01T00:00:00Z');
    makeLogger('text', (l) => out.push(l), t)('info', 'lock acquired', { lock: 'etcd', at: 5, list: ['a', 'b'], none: undefined });
    makeLogger('json', (l) => out.push(l), t)('warn', 'x y', { n: 1 });
    expect(out[0]).toBe('time=2026-01-01T00:00:00.000Z level=info msg="lock acquired" lock=etcd at=5 list=\"a,b\"\n');
    expect(JSON.parse(out[1] as string)).toEqual({ time: '2026-01-01T00:00:00.000Z', level: 'warn', msg: 'x y', n: 1 });
  });
});

describe('jitter and units', () => {
  it('jittered period stays within [period, period × (1 + jitter)]', () => {
    expect(jittered(1000, 0.1, () => 0)).toBe(1000);
    expect(jittered(1000, 0.1, () => 0.999)).toBe(1100);
  });
  it('quotes ExecStart words that need it', () => {
    const [service] = renderSystemdUnits({ textfileDir: '/var/lib/node exporter', binary: '/usr/local/bin/kubecerts', periodSeconds: 3600 });
    expect(service?.text).toContain('ExecStart=/usr/local/bin/kubecerts agent --once --textfile-dir "/var/lib/node exporter"\n');
  });
});
