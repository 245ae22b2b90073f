/** `certs generate-csr`: keys and CSRs for every leaf and kubeconfig, for an external CA (spec §6). */
import { generateCsrs } from '../../ops/generate-csr.js';
import { textWarner } from '../../output/events-text.js';
import { textNotice } from '../../output/write-text.js';
import { runConfigFrom } from '../config-flags.js';
import { line, type Io } from '../io.js';

export default async function generateCsr(_args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const cfg = runConfigFrom(opts);
  const out = line(io.stdout);
  const r = await generateCsrs(cfg, { warner: textWarner(line(io.stderr)), notice: textNotice(line(io.stderr)) });
  out(`generating keys and CSRs in ${cfg.certificatesDir}`);
  for (const n of [...r.leaves].sort()) out(`  ${n}`);
  out(`generating keys and CSRs in ${cfg.kubeconfigDir}`);
  for (const n of [...r.kubeconfigs].sort()) out(`  ${n}`);
}
