/** `agent systemd`: a service + timer pair that runs `kubecerts agent --once`. */
import type { Io } from '../io.js';
import { agentDeploy } from './agent-deploy.js';

export default (_args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> => agentDeploy('systemd', opts, io);
