/**
 * Decodes one node's `certs check-expiration -o json` (kubeadm's output.kubeadm.k8s.io/v1alpha3
 * CertificateExpirationInfo, from kubeadm or kubecerts) with kubecerts' optional `kubecerts` object (node name,
 * hostname, check time; `--add-node-info`). Anything else comes back as a reason, never as an exception.
 */
import { basename } from 'node:path';
import type { NodeReport } from './schema.js';

type Entry = NodeReport['entries'][number];
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function entry(v: unknown, kind: Entry['kind'], where: string): Entry | string {
  if (!isObj(v)) return `${where}: not an object`;
  const { name, expirationDate, externallyManaged, caName, missing } = v;
  if (typeof name !== 'string' || name === '') return `${where}: no name`;
  if (typeof missing !== 'boolean') return `${where} (${name}): "missing" is not a boolean`;
  let date: Date | null = null;
  if (expirationDate !== null && expirationDate !== undefined) {
    if (typeof expirationDate !== 'string' || Number.isNaN(Date.parse(expirationDate))) return `${where} (${name}): expirationDate is not an RFC 3339 time`;
    date = new Date(expirationDate);
  } else if (!missing) return `${where} (${name}): no expirationDate but not missing`;
  if (externallyManaged !== undefined && typeof externallyManaged !== 'boolean') return `${where} (${name}): externallyManaged is not a boolean`;
  if (caName !== undefined && typeof caName !== 'string') return `${where} (${name}): caName is not a string`;
  return { kind, name, caName: caName ?? '', expirationDate: missing ? null : date, externallyManaged: externallyManaged === true, missing };
}

/**
 * `text` (the content of `file`) → the node's report, or a string saying why it is not one. The node name is
 * kubecerts.nodeName, else the file name without ".json"; the host is kubecerts.hostname, else "".
 */
export function parseNodeReport(file: string, text: string): NodeReport | string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  if (!isObj(doc)) return 'not a JSON object';
  if (doc['kind'] !== 'CertificateExpirationInfo' || typeof doc['apiVersion'] !== 'string' || !doc['apiVersion'].startsWith('output.kubeadm.k8s.io/')) {
    return `not a check-expiration report (kind "${String(doc['kind'])}", apiVersion "${String(doc['apiVersion'])}"; expected CertificateExpirationInfo, output.kubeadm.k8s.io/v1alpha3)`;
  }
  const entries: Entry[] = [];
  for (const [key, kind] of [['certificates', 'certificate'], ['certificateAuthorities', 'ca']] as const) {
    const list = doc[key] ?? [];
    if (!Array.isArray(list)) return `"${key}" is not a list`;
    for (const [i, v] of list.entries()) {
      const e = entry(v, kind, `${key}[${i}]`);
      if (typeof e === 'string') return e;
      entries.push(e);
    }
  }
  const k = isObj(doc['kubecerts']) ? doc['kubecerts'] : {};
  const nodeName = typeof k['nodeName'] === 'string' && k['nodeName'] !== '' ? k['nodeName'] : basename(file).replace(/\.json$/i, '');
  const checkTime = typeof k['checkTime'] === 'string' && !Number.isNaN(Date.parse(k['checkTime'])) ? new Date(k['checkTime']) : undefined;
  return { file, node: nodeName, host: typeof k['hostname'] === 'string' ? k['hostname'] : '', checkTime, entries };
}
