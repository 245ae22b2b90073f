import type { Io } from '../io.js';
import { runInit } from './init-run.js';

export default async function init(_args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  await runInit({ certs: 'all', kubeconfig: 'all' }, opts, io);
}
