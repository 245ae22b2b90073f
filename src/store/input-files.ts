/** Input files the node commands read whole, and files they replace in place. */
import { KubecertsError, describe } from '../errors.js';
import { writeFileAtomic } from './fs-atomic.js';
import { readRegularFile } from './node-host.js';
import { inRoot, realPath } from './rootfs.js';

/**
 * The text of an input file: a regular file of at most 1 MiB, never blocking on a FIFO or device (readRegularFile).
 * An unreadable file is a KubecertsError (`code`, FILE_READ by default) naming it, never taken for a missing one.
 */
export function readTextFile(path: string, code = 'FILE_READ'): string {
  return readFileBytes(path, code).toString('utf8');
}

/** The bytes of an input file, with readTextFile's checks and errors. */
export function readFileBytes(path: string, code = 'FILE_READ'): Buffer {
  try {
    return readRegularFile(inRoot(path));
  } catch (err) {
    throw new KubecertsError(code, `cannot read "${path}": ${describe(err)}`);
  }
}

/**
 * Replaces an existing file atomically at its real path, so a symlink (e.g. ~/.kube/config pointing elsewhere)
 * survives. A file that holds a private key (`secret`: a kubeconfig with client-key-data) ends owned by the running
 * user with its mode narrowed to 0600 at most, as every key-bearing file kubecerts writes; any other file keeps its
 * mode and owner. Throws FileWriteError.
 */
export function replaceFile(path: string, text: string, secret: boolean): void {
  writeFileAtomic(realPath(path), text, { mode: secret ? 0o600 : 0o644, secret });
}
