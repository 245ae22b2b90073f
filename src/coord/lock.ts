/**
 * The Lock port (`lib/lock.ts`) and its implementations: `noLock` (one node, `--lock none`), `fileLock` (the PKI
 * folder's pid file, one node; `store/file-lock.ts`, where the write session takes it) and the etcd election lock
 * across the control-plane nodes of a cluster (`coord/etcd-lock.ts`, loaded only when it is used).
 */
import { NO_HOLD, type Lock } from '../lib/lock.js';

export type { AcquireOptions, Lock, LockHold } from '../lib/lock.js';
export { LockError, type LockFailure } from '../errors.js';
export { fileLock } from '../store/file-lock.js';

/** `--lock none`: a single control-plane node needs no cluster lock (the file lock of renew still applies). */
export const noLock: Lock = {
  kind: 'none',
  acquire: async () => NO_HOLD,
  close: async () => undefined,
};
