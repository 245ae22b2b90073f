/**
 * The Lock port: one holder at a time, for a critical section (renew, restart, verify). Implementations: `noLock`
 * (one node, `--lock none`), `fileLock` (the PKI folder's pid file, one node) and the etcd election lock across the
 * control-plane nodes of a cluster (`coord/etcd-lock.ts`, loaded only when it is used).
 */
import type { LockCode } from '../errors.js';
import { LockedError } from '../errors.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { acquireLock } from '../store/file-lock.js';
import { ExitCode, KubecertsError, type ExitCodeValue } from '../errors.js';

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
  /** "etcd" or "none", for logs and metrics */
  readonly kind: string;
  /**
   * Waits up to `waitMs` for the lock. Rejects with LockError: "no-quorum" when the backend cannot serve a
   * consistent read (etcd without quorum), "busy" when another holder kept it for the whole wait, "aborted" on
   * the signal, "unreachable" for other backend failures.
   */
  acquire(o: AcquireOptions): Promise<LockHold>;
  /** closes the backend connection */
  close(): Promise<void>;
}

export type LockFailure = 'no-quorum' | 'busy' | 'aborted' | 'unreachable';

/** Why the cluster lock could not be taken; exit code 4 (locked), as a busy `certs renew` lock. */
export class LockError extends KubecertsError {
  override readonly exitCode: ExitCodeValue = ExitCode.locked;
  constructor(readonly reason: LockFailure, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(`LOCK_${reason.toUpperCase().replace('-', '_')}` as LockCode, message, options);
  }
}

/** `--lock none`: a single control-plane node needs no cluster lock (the file lock of renew still applies). */
export const noLock: Lock = {
  kind: 'none',
  acquire: async () => ({ lost: () => false, release: async () => undefined }),
  close: async () => undefined,
};

/** How often `fileLock` looks again while another process holds the pid file, ms. */
const FILE_LOCK_POLL_MS = 100;

/**
 * The pid-file lock of a folder (`store/file-lock.ts`, what every writing command takes) as a Lock: waits up to
 * `waitMs`, looking again every 100 ms on `clock`. Unlike the etcd lock it rejects with the file lock's own
 * LockedError (exit 4, as LockError "busy"), which names the pid holding it; LockError "aborted" on the signal.
 */
export function fileLock(path: string, clock: Clock = systemClock): Lock {
  return {
    kind: 'file',
    async acquire(o) {
      const deadline = clock.now().getTime() + o.waitMs;
      for (;;) {
        try {
          const release = acquireLock(path);
          let held = true;
          return {
            lost: () => false,
            release: async () => {
              if (held) release();
              held = false;
            },
          };
        } catch (err) {
          if (!(err instanceof LockedError) || clock.now().getTime() >= deadline) throw err;
        }
        if (o.signal?.aborted) throw new LockError('aborted', `waiting for the lock "${path}" was interrupted`);
        await clock.sleep(FILE_LOCK_POLL_MS);
      }
    },
    close: async () => undefined,
  };
}
