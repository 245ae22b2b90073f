/**
 * The Lock port: one holder at a time, for a critical section (a write session, renew, restart, verify). A leaf so
 * that the store's write session can take one: the pid-file implementation lives in `store/file-lock.ts`, `noLock`
 * and the etcd election lock across the control-plane nodes in `coord/`.
 */

/** A held lock. `lost` is set when the backend says the hold ended (lease expired, connection gone). */
export interface LockHold {
  /** true once the backend reported that this hold is no longer valid */
  readonly lost: () => boolean;
  /** gives the lock up; never throws (a release that fails ends with the lease TTL) */
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** how long to wait for another holder to release, ms */
  readonly waitMs: number;
  /** aborting ends the wait (SIGTERM): acquire rejects with LockError reason "aborted" */
  readonly signal?: AbortSignal | undefined;
}

export interface Lock {
  /** "file", "etcd" or "none", for logs and metrics */
  readonly kind: string;
  /**
   * Waits up to `waitMs` for the lock. Rejects with LockError (errors.ts): "no-quorum" when the backend cannot serve
   * a consistent read (etcd without quorum), "busy" when another holder kept it for the whole wait, "aborted" on
   * the signal, "unreachable" for other backend failures. The pid-file lock rejects with its own LockedError instead
   * of "busy" (it names the pid holding it).
   */
  acquire(o: AcquireOptions): Promise<LockHold>;
  /** closes the backend connection */
  close(): Promise<void>;
}

/** A hold of nothing: what a dry run (which takes no lock) releases. */
export const NO_HOLD: LockHold = { lost: () => false, release: async () => undefined };
