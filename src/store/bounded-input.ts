/** JSON inputs of `kubelet serving-csr review` (files, FIFOs such as `<(kubectl get csr -o json)`, stdin), read with a size bound. */
import { closeSync, openSync, readSync } from 'node:fs';
import { KubecertsError, describe } from '../errors.js';

/**
 * Bound of each input (`kubectl get csr -o json` of a large cluster is tens of MiB): a device such as /dev/zero
 * ends in an error instead of exhausting memory. FIFOs are read (`--csrs <(kubectl get csr -o json)` is one).
 */
const MAX_INPUT_BYTES = 256 << 20;

/** All bytes of `fd` as UTF-8, at most MAX_INPUT_BYTES; throws an Error naming the bound past it. */
export function readAllBounded(fd: number): string {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(1 << 20);
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    total += n;
    if (total > MAX_INPUT_BYTES) throw new Error(`larger than ${MAX_INPUT_BYTES >> 20} MiB`);
    chunks.push(buf.subarray(0, n));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function readPath(path: string): string {
  const fd = openSync(path, 'r');
  try {
    return readAllBounded(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The JSON document at `path` ("-": what `stdin` returns), read with the bound above. Throws KubecertsError
 * INPUT_READ (cannot read) or INPUT_INVALID (not JSON), naming the path.
 */
export function readJsonInput(path: string, stdin: () => string): unknown {
  let text: string;
  try {
    text = path === '-' ? stdin() : readPath(path);
  } catch (err) {
    throw new KubecertsError('INPUT_READ', `cannot read "${path}": ${describe(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new KubecertsError('INPUT_INVALID', `${path === '-' ? 'stdin' : path} is not JSON: ${describe(err)}`);
  }
}
