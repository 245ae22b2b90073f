/** `kubelet serving-csr review --csrs FILE --nodes FILE`: verdicts and `kubectl certificate approve` lines. */
import { UsageError } from '../../errors.js';
import { isDns1123Subdomain, reviewServingCsrs } from '../../ops/kubelet-serving-csr.js';
import { renderColumns, renderJson, renderYaml } from '../../output/control-plane-text.js';
import { readAllBounded, readJsonInput } from '../../store/bounded-input.js';
import type { Io } from '../io.js';

export default async function review(_args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const csrs = String(opts['csrs']);
  const nodes = String(opts['nodes']);
  if (csrs === '-' && nodes === '-') throw new UsageError('--csrs and --nodes cannot both read stdin');
  const stdin = (): string => readAllBounded(0);
  const r = await reviewServingCsrs(readJsonInput(csrs, stdin), readJsonInput(nodes, stdin), { csrs, nodes });
  const format = String(opts['output'] ?? 'text');
  if (format !== 'text') {
    io.stdout.write((format === 'json' ? renderJson : renderYaml)({ kind: 'ServingCsrReview', ...r }));
    return;
  }
  const rows = [['NAME', 'NODE', 'VERDICT', 'REASON']];
  for (const v of r.verdicts) rows.push([v.name, v.node, v.approve ? 'approve' : 'reject', v.reasons.join('; ') || '-']);
  let out = r.verdicts.length > 0 ? renderColumns(rows) : 'no pending kubernetes.io/kubelet-serving CSRs\n';
  // approve only names that are DNS-1123 subdomains (the review rejects others): one shell word, nothing to escape
  const ok = r.verdicts.filter((v) => v.approve && isDns1123Subdomain(v.name)).map((v) => v.name);
  if (ok.length > 0) out += `\n${ok.map((n) => `kubectl certificate approve ${n}`).join('\n')}\n`;
  io.stdout.write(out);
}
