/**
 * Kubeconfig YAML as client-go writes it: keys sorted at every level, lists unindented, byte fields base64 on one
 * line, `preferences: {}` always present. Unknown fields survive a round trip. Pure.
 */
import * as yaml from 'js-yaml';
import { KubeconfigError } from '../errors.js';
import { loadYaml } from './yaml-load.js';

export type Obj = Record<string, unknown>;
export interface NamedEntry {
  name: string;
  [key: string]: unknown;
}
export interface Kubeconfig {
  apiVersion: string;
  kind: string;
  clusters: NamedEntry[];
  contexts: NamedEntry[];
  users: NamedEntry[];
  'current-context': string;
  preferences: Obj;
  [key: string]: unknown;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface KubeconfigIdentity {
  readonly clusterName: string;
  readonly server: string;
  /** PEM of the CA; omitted from the file when empty */
  readonly caPem: string;
  readonly userName: string;
  readonly clientCertPem?: string;
  readonly clientKeyPem?: string;
  readonly token?: string;
}

const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');

/** A fresh single-cluster, single-user kubeconfig (spec §2.3). */
export function buildKubeconfig(id: KubeconfigIdentity): Kubeconfig {
  const cluster: Obj = { server: id.server };
  if (id.caPem) cluster['certificate-authority-data'] = b64(id.caPem);
  const user: Obj = {};
  if (id.token !== undefined) user['token'] = id.token;
  else {
    if (id.clientCertPem) user['client-certificate-data'] = b64(id.clientCertPem);
    if (id.clientKeyPem) user['client-key-data'] = b64(id.clientKeyPem);
  }
  const contextName = `${id.userName}@${id.clusterName}`;
  return {
    apiVersion: 'v1',
    clusters: [{ cluster, name: id.clusterName }],
    contexts: [{ context: { cluster: id.clusterName, user: id.userName }, name: contextName }],
    'current-context': contextName,
    kind: 'Config',
    preferences: {},
    users: [{ name: id.userName, user }],
  };
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (isObj(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v).sort()) {
      const val = v[k];
      if (val !== undefined) out[k] = sortDeep(val);
    }
    return out;
  }
  return v;
}

/**
 * The kubeconfig as client-go's clientcmd.WriteToFile writes it: keys sorted, and the named lists (clusters,
 * contexts, users) sorted by name, since client-go holds them in maps.
 */
export function serializeKubeconfig(kc: Kubeconfig): string {
  const byName = (a: NamedEntry, b: NamedEntry): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const sorted = { ...kc, clusters: [...kc.clusters].sort(byName), contexts: [...kc.contexts].sort(byName), users: [...kc.users].sort(byName) };
  return yaml.dump(sortDeep(sorted), { noArrayIndent: true, lineWidth: -1, noRefs: true, quotingType: '"' });
}

/** Parses a kubeconfig file's text; `path` names it in errors. Aliases are refused (no expansion bombs). */
export function parseKubeconfig(text: string, path: string): Kubeconfig {
  let doc: unknown;
  try {
    doc = loadYaml(text);
  } catch (err) {
    const reason = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
    throw new KubeconfigError('KUBECONFIG_PARSE', `failed to load kubeConfig file ${path}: ${reason}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (hasSharedNodes(doc)) {
    throw new KubeconfigError('KUBECONFIG_PARSE', `failed to load kubeConfig file ${path}: YAML aliases of mappings or lists are not supported`);
  }
  if (!isObj(doc)) throw new KubeconfigError('KUBECONFIG_PARSE', `failed to load kubeConfig file ${path}: not a mapping`);
  const kc: Obj = { ...doc };
  for (const list of ['clusters', 'contexts', 'users'] as const) {
    const v = kc[list] ?? [];
    if (!Array.isArray(v) || v.some((e) => !isObj(e) || typeof e['name'] !== 'string')) {
      throw new KubeconfigError('KUBECONFIG_PARSE', `failed to load kubeConfig file ${path}: ${list} must be a list of named entries`);
    }
    kc[list] = v;
  }
  for (const key of ['apiVersion', 'kind', 'current-context'] as const) {
    const v = kc[key];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      throw new KubeconfigError('KUBECONFIG_PARSE', `failed to load kubeConfig file ${path}: ${key} must be a string`);
    }
  }
  kc['apiVersion'] = (kc['apiVersion'] as string | undefined) ?? 'v1';
  kc['kind'] = (kc['kind'] as string | undefined) ?? 'Config';
  kc['current-context'] = (kc['current-context'] as string | undefined) ?? '';
  kc['preferences'] = isObj(kc['preferences']) ? kc['preferences'] : {};
  return kc as Kubeconfig;
}

/** True when a mapping or list is reached twice: an alias, which could expand exponentially on output. */
function hasSharedNodes(root: unknown): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (seen.has(v)) return true;
    seen.add(v);
    // a loop, not push(...children): a flow sequence of 100,000+ items would overflow the stack as arguments
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push(child);
  }
  return false;
}

export interface CurrentEntries {
  readonly contextName: string;
  readonly cluster: Obj;
  readonly clusterName: string;
  readonly user: Obj;
  readonly userName: string;
}

function body(entry: NamedEntry, key: string): Obj {
  const v = entry[key];
  if (v === undefined || v === null) {
    const fresh: Obj = {};
    entry[key] = fresh;
    return fresh;
  }
  if (!isObj(v)) throw new KubeconfigError('KUBECONFIG_PARSE', `entry "${entry.name}" has a malformed ${key}`);
  return v;
}

/** The current context's cluster and user, with client-go's / kubeadm's error wording. */
export function currentEntries(kc: Kubeconfig, path: string): CurrentEntries {
  const ctxName = kc['current-context'];
  const ctxEntry = kc.contexts.find((c) => c.name === ctxName);
  if (!ctxEntry) throw new KubeconfigError('KUBECONFIG_INVALID', `invalid kubeConfig file ${path}: missing context ${ctxName}`);
  const ctx = body(ctxEntry, 'context');
  const clusterName = typeof ctx['cluster'] === 'string' ? ctx['cluster'] : '';
  const userName = typeof ctx['user'] === 'string' ? ctx['user'] : '';
  const clusterEntry = kc.clusters.find((c) => c.name === clusterName);
  if (!clusterEntry) throw new KubeconfigError('KUBECONFIG_INVALID', `invalid kubeConfig file ${path}: missing cluster ${clusterName}`);
  const userEntry = kc.users.find((u) => u.name === userName);
  if (!userEntry) throw new KubeconfigError('KUBECONFIG_INVALID', `invalid kubeConfig file ${path}: missing authInfo ${userName}`);
  return { contextName: ctxName, cluster: body(clusterEntry, 'cluster'), clusterName, user: body(userEntry, 'user'), userName };
}

/** Decodes a base64 byte field; undefined when absent or empty. */
export function dataField(entry: Obj, key: string): string | undefined {
  const v = entry[key];
  if (typeof v !== 'string' || v === '') return undefined;
  if (!/^[A-Za-z0-9+/=\s]*$/.test(v)) return '';
  return Buffer.from(v, 'base64').toString('latin1');
}

export function setDataField(entry: Obj, key: string, pem: string): void {
  entry[key] = b64(pem);
}
