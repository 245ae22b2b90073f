import type { Io } from '../io.js';
import { runInit } from './init-run.js';

export default async function initPhaseKubeconfig(args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  await runInit({ kubeconfig: String(args[0]) }, opts, io);
}
