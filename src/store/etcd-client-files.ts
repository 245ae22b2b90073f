/** What the agent's etcd lock needs from the node: the local member's client URL and client credentials. */
import { join } from 'node:path';
import { describe, UsageError } from '../errors.js';
import { parseStaticPod } from '../node/manifests.js';
import { readRegularFile } from './node-host.js';

/**
 * The local etcd member's client URL (https://host:port) from the static-pod manifest `<manifestsDir>/etcd.yaml`;
 * undefined when there is no manifest or it names no client URL. Throws UsageError when it cannot be read.
 */
export function localEtcdClientUrl(manifestsDir: string): string | undefined {
  const path = join(manifestsDir, 'etcd.yaml');
  let text: string;
  try {
    text = readRegularFile(path).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read the etcd manifest ${path}: ${describe(err)}`);
  }
  const local = parseStaticPod(text, path, 'etcd').endpoints.find((e) => e.name === 'etcd-client');
  return local ? `https://${local.host.includes(':') ? `[${local.host}]` : local.host}:${local.port}` : undefined;
}

/**
 * Reads the client credentials for etcd under `certDir`: the etcd CA, and the healthcheck client (else the API
 * server's etcd client certificate) with its key. Throws UsageError naming what is missing.
 */
export function readEtcdClientCredentials(certDir: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  const read = (n: string): Buffer => readRegularFile(join(certDir, n));
  let ca: Buffer;
  try {
    ca = read('etcd/ca.crt');
  } catch (err) {
    throw new UsageError(`--lock etcd needs the etcd CA: ${describe(err)}`, { hint: 'on a node without a local etcd use --lock none' });
  }
  const errors: string[] = [];
  for (const base of ['etcd/healthcheck-client', 'apiserver-etcd-client']) {
    try {
      return { ca, cert: read(`${base}.crt`), key: read(`${base}.key`) };
    } catch (err) {
      errors.push(describe(err));
    }
  }
  throw new UsageError(`--lock etcd needs a client certificate signed by the etcd CA: ${errors.join('; ')}`);
}
