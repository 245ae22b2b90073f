/** Shared body of `init`, `init phase certs` and `init phase kubeconfig`. */
import { runInit as runInitPhases } from '../../ops/init.js';
import { textWarner } from '../../output/events-text.js';
import { initDryRunLines, initLine } from '../../output/init-text.js';
import { textNotice } from '../../output/write-text.js';
import { runConfigFrom } from '../config-flags.js';
import { validateMixedArguments } from '../mixed-arguments.js';
import { line, type Io } from '../io.js';
import { realNodeHost } from '../../store/node-host.js';
import { recoverNodeIfPresent } from './node-common.js';

export interface InitSelection {
  readonly certs?: string;
  readonly kubeconfig?: string;
}

export async function runInit(selection: InitSelection, opts: Record<string, unknown>, io: Io): Promise<void> {
  validateMixedArguments(opts);
  const cfg = runConfigFrom(opts);
  const dryRun = opts['dryRun'] === true;
  // a manifest an interrupted control-plane restart left out (default manifests folder) goes back first
  if (!dryRun) recoverNodeIfPresent(realNodeHost(), opts, io);
  const out = line(io.stdout);
  const err = line(io.stderr);
  const r = await runInitPhases({
    cfg, start: io.now(), certs: selection.certs, kubeconfig: selection.kubeconfig, reissue: opts['reissue'] === true, dryRun,
    emit: (e) => (e.kind === 'backup' ? err : out)(initLine(e)), warner: textWarner(err), notice: textNotice(err),
  });
  if (!r.written) for (const l of initDryRunLines(r.planned)) out(l);
}
