/** `agent manifest`: a DaemonSet that runs the agent on every control-plane node. */
import type { Io } from '../io.js';
import { agentDeploy } from './agent-deploy.js';

export default (_args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> => agentDeploy('manifest', opts, io);
