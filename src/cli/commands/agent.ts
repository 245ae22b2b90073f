/** `kubecerts agent`: the per-node loop (or one run with --once) described in src/agent/loop.ts. */
import { join } from 'node:path';
import { ExitRequest } from '../../errors.js';
import { runLoop, runOnce } from '../../agent/loop.js';
import { agentRun } from '../agent-options.js';
import type { Io } from '../io.js';

export default async function agent(_args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const abort = new AbortController();
  const { o, once, periodMs, jitter, log, lock, lockKind, endpoints } = await agentRun(opts, io, abort.signal);
  const textfileDir = o.textfileDir;
  const node = o.state.node;
  const renewBefore = o.renewBefore;
  const onSignal = (): void => {
    if (!abort.signal.aborted) log('info', 'signal received: finishing the current step, starting no new one');
    abort.abort();
  };
  const signals = ['SIGTERM', 'SIGINT'] as const;
  for (const s of signals) process.on(s, onSignal);
  log('info', 'agent starting', { node, lock: lockKind, endpoints, once, renewBefore: renewBefore.text, textfile: textfileDir ? join(textfileDir, 'kubecerts.prom') : undefined });
  let code;
  try {
    code = once ? await runOnce(o) : await runLoop(o, periodMs, jitter);
  } finally {
    for (const s of signals) process.off(s, onSignal);
    await lock.close();
  }
  if (code !== 0) throw new ExitRequest(code);
}
