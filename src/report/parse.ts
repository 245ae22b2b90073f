/**
 * Decodes one node's `certs check-expiration -o json` (kubeadm's output.kubeadm.k8s.io/v1alpha3
 * CertificateExpirationInfo, from kubeadm or kubecerts) with kubecerts' optional `kubecerts` object (node name,
 * hostname, check time; `--add-node-info`). Anything else comes back as a reason, never as an exception.
 */
import { basename } from 'node:path';
import type { FleetRow, NodeReport, RowOwner } from './schema.js';

/** Who the rows belong to and the fleet's clock: the row is built in one allocation (140,000 rows for 10,000 nodes). */
interface Owner {
  readonly row: RowOwner;
  readonly nowMs: number;
}
/** `make(text)` computed once per distinct text (at most a million kept, then forgotten and started again). */
function perText<V>(make: (text: string) => V): (text: string) => V {
  const known = new Map<string, V>();
  return (text) => {
    let v = known.get(text);
    if (v === undefined) {
      if (known.size >= 1_000_000) known.clear();
      known.set(text, (v = make(text)));
    }
    return v;
  };
}

/**
 * One string object per distinct name and CA name across all reports: the nodes of a fleet repeat the same
 * fourteen names, so 140,000 rows hold a few strings instead of 280,000 (less for the garbage collector to copy,
 * and each string's hash is computed once for the maps that format the output).
 */
const intern = perText((s) => s);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An expirationDate as written (interned) and in ms since the epoch (NaN when it is not an RFC 3339 time). */
interface Instant {
  readonly text: string;
  readonly ms: number;
}
/**
 * One Instant per distinct expirationDate text: a fleet repeats dates, and one lookup both interns the text and
 * saves parsing it again (Date.parse on each of 140,000 rows was a tenth of the per-row time).
 */
const instant = perText((text): Instant => ({ text, ms: Date.parse(text) }));

/** `list`[`i`] as a row, or why it is not one (the place in the message is built only then: 140,000 rows). */
function entry(v: unknown, kind: FleetRow['kind'], list: string, i: number, o: Owner): FleetRow | string {
  if (!isObj(v)) return `${list}[${i}]: not an object`;
  const { name, expirationDate, externallyManaged, caName, missing } = v;
  if (typeof name !== 'string' || name === '') return `${list}[${i}]: no name`;
  if (typeof missing !== 'boolean') return `${list}[${i}] (${name}): "missing" is not a boolean`;
  let at: Instant | null = null;
  if (expirationDate !== null && expirationDate !== undefined) {
    if (typeof expirationDate !== 'string' || Number.isNaN((at = instant(expirationDate)).ms)) return `${list}[${i}] (${name}): expirationDate is not an RFC 3339 time`;
  } else if (!missing) return `${list}[${i}] (${name}): no expirationDate but not missing`;
  if (externallyManaged !== undefined && typeof externallyManaged !== 'boolean') return `${list}[${i}] (${name}): externallyManaged is not a boolean`;
  if (caName !== undefined && typeof caName !== 'string') return `${list}[${i}] (${name}): caName is not a string`;
  const expiresAt = missing || at === null ? null : at.ms;
  return {
    owner: o.row, node: o.row.node, host: o.row.host, file: o.row.file, kind, name: intern(name), caName: caName === undefined ? '' : intern(caName), expiresAt,
    expirationDate: expiresAt === null ? null : (at as Instant).text,
    residualSeconds: expiresAt !== null ? Math.floor((expiresAt - o.nowMs) / 1000) : 0, externallyManaged: externallyManaged === true, missing,
  };
}

const LISTS = [['certificates', 'certificate'], ['certificateAuthorities', 'ca']] as const;

/**
 * `text` (the content of `file`) → the node's report with residual times at `nowMs` (the node's own residualTime was
 * taken on its clock at its check time), or a string saying why it is not one. The node name is
 * kubecerts.nodeName, else the file name without ".json"; the host is kubecerts.hostname, else "".
 */
export function parseNodeReport(file: string, text: string, nowMs: number): NodeReport | string {
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
  const k = isObj(doc['kubecerts']) ? doc['kubecerts'] : {};
  const nodeName = typeof k['nodeName'] === 'string' && k['nodeName'] !== '' ? k['nodeName'] : basename(file).replace(/\.json$/i, '');
  const checkMs = typeof k['checkTime'] === 'string' ? Date.parse(k['checkTime']) : NaN;
  const checkTime = Number.isNaN(checkMs) ? undefined : new Date(checkMs);
  const host = typeof k['hostname'] === 'string' ? k['hostname'] : '';
  const owner: Owner = { row: { node: nodeName, host, file }, nowMs };
  const rows: FleetRow[] = [];
  for (const [key, kind] of LISTS) {
    const list = doc[key] ?? [];
    if (!Array.isArray(list)) return `"${key}" is not a list`;
    // indexed loop: no iterator and entry pair per row (140,000 rows for 10,000 nodes)
    for (let i = 0; i < list.length; i++) {
      const e = entry(list[i], kind, key, i, owner);
      if (typeof e === 'string') return e;
      rows.push(e);
    }
  }
  return { file, node: nodeName, host, checkTime, rows };
}
