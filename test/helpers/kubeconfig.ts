import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';

interface Kc {
  'current-context': string;
  clusters: { name: string; cluster: Record<string, string> }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  users: { name: string; user: Record<string, string> }[];
}

export function readKubeconfig(path: string): Kc {
  return yaml.load(readFileSync(path, 'utf8')) as Kc;
}

/** The current user's client certificate, key and the cluster's CA, decoded. */
export function kubeconfigCredentials(path: string): { cert: string; key: string; ca: string; server: string } {
  const kc = readKubeconfig(path);
  const ctx = kc.contexts.find((c) => c.name === kc['current-context']);
  const cluster = kc.clusters.find((c) => c.name === ctx?.context.cluster)?.cluster ?? {};
  const user = kc.users.find((u) => u.name === ctx?.context.user)?.user ?? {};
  const d = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString('utf8');
  return { cert: d(user['client-certificate-data']), key: d(user['client-key-data']), ca: d(cluster['certificate-authority-data']), server: cluster['server'] ?? '' };
}
