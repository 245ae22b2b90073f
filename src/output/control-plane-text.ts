/** Text, JSON and YAML of the control-plane reports (status, restart plan and outcomes). Pure: report → string. */
import * as yaml from 'js-yaml';
import type { PlannedRestart, RestartReport, RestartStep } from '../ops/control-plane-restart.js';
import type { ControlPlaneStatus } from '../ops/control-plane-status.js';
import type { Recovery } from '../store/restart-journal.js';

/**
 * `s` with every control character (C0, DEL, C1; a newline, an escape sequence) written as a Go-style escape
 * (`\n`, `\x1b`, `\u009b`, `\u202e`), so a field taken from the node or from the API (a CSR name, a file name, a user
 * name) can neither forge a line nor drive the terminal. Every other character is kept.
 */
export function escapeControls(s: string): string {
  // eslint-disable-next-line no-control-regex
  // also the Unicode line separators and bidirectional overrides, which reorder or break what a terminal shows
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    const code = c.charCodeAt(0);
    return named[c] ?? (code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/** A template tag: the literal text as written, every interpolated value through escapeControls. */
export const safeText = (strings: TemplateStringsArray, ...values: unknown[]): string =>
  strings.reduce((acc, lit, i) => acc + lit + (i < values.length ? escapeControls(String(values[i])) : ''), '');

/** Left-aligned columns separated by three spaces (kubectl's table look); control characters in cells are escaped. */
export function renderColumns(rawRows: readonly (readonly string[])[]): string {
  const rows = rawRows.map((r) => r.map(escapeControls));
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('   ').trimEnd()).join('\n') + '\n';
}

const short = (h: string | undefined): string => (h ? `${h.slice(0, 12)}…` : '-');

/** The status report as a table per component followed by the findings. */
export function renderStatusText(s: ControlPlaneStatus): string {
  const rows: string[][] = [['COMPONENT', 'VERDICT', 'HEALTH', 'SERVES FILES', 'PID', 'STARTED']];
  for (const c of s.components) {
    const serves = c.served.length === 0 ? (c.process ? 'n/a (start time)' : '-') : c.served.every((x) => x.matches === true) ? 'yes' : c.served.some((x) => x.matches === false) ? 'no' : '?';
    rows.push([c.component, c.verdict, c.health ? (c.health.ok ? 'ok' : 'failing') : '-', serves, c.process ? String(c.process.pid) : '-', c.process?.startedAt ?? '-']);
  }
  let out = renderColumns(rows);
  for (const c of s.components) {
    out += safeText`\n${c.component} (${c.manifest}): ${c.verdict}\n`;
    for (const r of c.reasons) out += safeText`  reason: ${r}\n`;
    for (const p of c.problems) out += safeText`  problem: ${p}\n`;
    if (c.files.length > 0) {
      const fr: string[][] = [['  FILE', 'FLAG', 'EXPIRES', 'SHA-256']];
      for (const f of c.files) fr.push([`  ${f.path}`, `--${f.flag}`, f.error ? `error: ${f.error}` : f.notAfter ? `${f.notAfter}${f.expired ? ' (expired)' : ''}` : '-', short(f.sha256)]);
      out += renderColumns(fr);
    }
    for (const x of c.served) {
      out += x.servedSha256
        ? safeText`  serves on ${x.address}: ${short(x.servedSha256)} ${x.matches === true ? '= ' : x.matches === false ? '≠ ' : '? '}${x.file}\n`
        : safeText`  serves on ${x.address}: ${x.error ?? 'no answer'}\n`;
    }
    if (c.health) out += safeText`  health: ${c.health.url}: ${c.health.ok ? 'ok' : c.health.detail}\n`;
    if (c.loopback) out += safeText`  apiserver-loopback-client certificate expires ${c.loopback.notAfter}${c.loopback.expired ? ' (expired)' : ''}\n`;
  }
  if (s.kubelet.length > 0) {
    out += '\nkubelet:\n';
    for (const k of s.kubelet) out += safeText`  ${k.path}: ${k.error ? `error: ${k.error}` : `expires ${k.notAfter}${k.expired ? ' (expired)' : ''}`}\n`;
    if (s.kubelet.some((k) => k.flag === 'kubelet-serving' && k.expired === true)) {
      out += '  hint: the self-signed kubelet.crt is not renewed by the kubelet and breaks metrics-server when it expires; `kubecerts kubelet serving enable` switches to rotating CA-signed serving certificates\n';
    }
  }
  for (const e of s.extraManifests) {
    out += safeText`\nWARNING: ${s.manifestsDir}/${e.file} is not a kubeadm manifest name, and the kubelet runs every file in that folder${e.runs ? `: it runs a second ${e.runs}` : ''}; move it out\n`;
  }
  return out;
}

export const renderJson = (v: unknown): string => `${JSON.stringify(v, null, 4)}\n`;
export const renderYaml = (v: unknown): string => yaml.dump(v, { noRefs: true, lineWidth: -1 });

/** The report object of -o json|yaml, with a kind so readers can tell it from other kubecerts output. */
export const statusDocument = (s: ControlPlaneStatus): Record<string, unknown> => ({ kind: 'ControlPlaneStatus', apiVersion: 'kubecerts.io/v1alpha1', ...s });

/** The `--dry-run` plan. */
export function renderRestartPlan(plan: readonly PlannedRestart[], etcdQuorum: string | undefined, timeoutMs: number): string {
  let out = '';
  plan.forEach((p, i) => {
    out += safeText`${i + 1}. ${p.component}\n`;
    if (p.component === 'etcd') out += safeText`   check etcd quorum without this member: ${etcdQuorum ?? 'not checked'}\n`;
    out += safeText`   move ${p.manifest} to ${p.held}\n   wait until ${p.waitFor.split('; back: ')[0]} (at most ${timeoutMs / 1000}s)\n`;
    out += safeText`   move ${p.held} back to ${p.manifest}\n   wait until ${p.waitFor.split('; back: ')[1] ?? 'healthy'} (at most ${timeoutMs / 1000}s)\n`;
  });
  if (plan.length === 0) out += 'nothing to restart\n';
  return out;
}

/**
 * What the start-up recovery of a node did (stderr; '' when nothing): the manifests an interrupted control-plane
 * restart left out and that were put back, and the warnings.
 */
export function nodeRecoveryText(r: Recovery): string {
  let out = '';
  for (const m of r.restored) out += `[restart] put back ${m}, left out by an interrupted control-plane restart\n`;
  for (const w of r.warnings) out += `WARNING: ${w}\n`;
  return out;
}

/** A restart step in words, as the progress line and the agent's `step` log field say it. */
export function restartStepText(s: RestartStep): string {
  switch (s.kind) {
    case 'quorum-check':
      return 'checking that the other etcd members keep quorum';
    case 'move-out':
      return `moving ${s.manifest} to ${s.held}`;
    case 'wait-stopped':
      return 'waiting until it has stopped';
    case 'move-back':
      return `moving ${s.held} back to ${s.manifest}`;
    case 'wait-healthy':
      return 'waiting until it is healthy and serves the current certificate';
  }
}

/** The progress line of a restart step (stderr), no newline: `[restart] <component>: <step>`. */
export const restartStepLine = (s: RestartStep): string => `[restart] ${s.component}: ${restartStepText(s)}`;

/** One line per restart outcome. */
export function renderRestartText(r: RestartReport): string {
  let out = '';
  for (const m of r.recovered.restored) out += safeText`[restart] put back ${m}, left out by an interrupted restart\n`;
  for (const w of r.recovered.warnings) out += safeText`WARNING: ${w}\n`;
  for (const o of r.outcomes) {
    if (o.result === 'restarted') out += safeText`[restart] ${o.component}: restarted (stopped after ${(o.stoppedAfterMs / 1000).toFixed(1)}s, healthy and serving the current certificate after ${(o.healthyAfterMs / 1000).toFixed(1)}s)\n`;
    else if (o.result === 'failed') out += safeText`[restart] ${o.component}: FAILED at ${o.step}: ${o.error}\n`;
    else out += safeText`[restart] ${o.component}: not attempted\n`;
  }
  return out;
}
