/** `kubelet serving-csr review --csrs FILE --nodes FILE`: verdicts and `kubectl certificate approve` lines. */
import { closeSync, openSync, readSync } from 'node:fs';
import { KubecertsError, UsageError, describe } from '../../errors.js';
import { isDns1123Subdomain, reviewServingCsrs } from '../../ops/kubelet-serving-csr.js';
import { renderColumns, renderJson, renderYaml } from '../../output/control-plane-text.js';
import type { Io } from '../io.js';

/**
 * Bound of each input (`kubectl get csr -o json` of a large cluster is tens of MiB): a device such as /dev/zero
 * ends in an error instead of exhausting memory. FIFOs are read (`--csrs <(kubectl get csr -o json)` is one).
 */
const MAX_INPUT_BYTES = 256 << 20;

/** All bytes of `fd` as UTF-8, at most MAX_INPUT_BYTES; throws an Error naming the bound past it. */
function readAllBounded(fd: number): string {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(1 << 20);
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    total += n;
    if (total > MAX_INPUT_BYTES) throw new Error(`larger than ${MAX_INPUT_BYTES >> 20} MiB`);
    chunks.push(buf.subarray(0, n));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function readPath(path: string): string {
  const fd = openSync(path, 'r');
  try {
    return readAllBounded(fd);
  } finally {
    closeSync(fd);
  }
}

function readJson(path: string, stdin: () => string): unknown {
  let text: string;
  try {
    text = path === '-' ? stdin() : readPath(path);
  } catch (err) {
    throw new KubecertsError('INPUT_READ', `cannot read "${path}": ${describe(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new KubecertsError('INPUT_INVALID', `${path === '-' ? 'stdin' : path} is not JSON: ${describe(err)}`);
  }
}

export default async function review(_args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const csrs = String(opts['csrs']);
  const nodes = String(opts['nodes']);
  if (csrs === '-' && nodes === '-') throw new UsageError('--csrs and --nodes cannot both read stdin');
  const stdin = (): string => readAllBounded(0);
  const r = await reviewServingCsrs(readJson(csrs, stdin), readJson(nodes, stdin), { csrs, nodes });
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
