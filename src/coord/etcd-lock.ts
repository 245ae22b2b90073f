/**
 * The cluster lock of the agent: an etcd v3 election (npm `etcd3`, the same key layout as etcd's Go
 * `concurrency.Election`), so the holder is the oldest live campaigner under `election/<name>/` and waiters are
 * served first in, first out. The campaign key is bound to a lease with a TTL that the client keeps alive: a holder
 * that dies frees the lock when its lease expires. `etcdctl lock election/<name>` uses the same prefix, so an
 * operator's `etcdctl lock election/kubecerts-renew -- sleep 3600` pauses every agent, and an agent's hold pauses it.
 *
 * This module is imported only by `kubecerts agent --lock etcd`, so etcd3 (and gRPC, dist/etcd3.cjs) load only then.
 */
import { Etcd3 } from 'etcd3';
import { describe } from '../errors.js';
import { LockError, type AcquireOptions, type Lock, type LockHold } from './lock.js';

export interface EtcdLockOptions {
  /** client URLs, https://host:port */
  readonly endpoints: readonly string[];
  /** PEM: the etcd CA, and a client certificate and key it signed (kubeadm's etcd/healthcheck-client) */
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** election name: the keys are election/<name>/<lease id> */
  readonly name: string;
  /** lease TTL, seconds (etcd's minimum is about 5) */
  readonly ttlSeconds: number;
  /** the value this campaigner announces (who holds the lock), e.g. "node=cp-1 pid=123" */
  readonly identity: string;
  /** bound of the quorum probe and of each unary call, ms */
  readonly callTimeoutMs: number;
}

/** Rejects with `onTimeout()` when `p` takes longer than `ms`. */
function within<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(onTimeout()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Connects an etcd3 client for the election lock. Nothing is sent until `acquire`, which first adds the client URLs
 * of every member (etcd's member list) to the endpoints: the local member alone would not do, since the agent
 * restarts it while holding the lock, and the lease must be kept alive through another member meanwhile.
 */
export function etcdLock(o: EtcdLockOptions): Lock {
  const connect = (hosts: readonly string[]): Etcd3 =>
    new Etcd3({
      hosts: [...hosts],
      credentials: { rootCertificate: o.ca, certChain: o.cert, privateKey: o.key },
      dialTimeout: o.callTimeoutMs,
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + o.callTimeoutMs }),
    });
  let client = connect(o.endpoints);
  let where = o.endpoints.join(',');

  /** Reconnects with every member's client URLs added; keeps the given endpoints when the list cannot be read. */
  const addMembers = async (): Promise<void> => {
    try {
      const list = await within(client.cluster.memberList({}), o.callTimeoutMs, () => new Error('timeout'));
      const urls = [...new Set([...o.endpoints, ...list.members.flatMap((m) => m.clientURLs ?? [])])];
      if (urls.length === o.endpoints.length) return;
      client.close();
      client = connect(urls);
      where = urls.join(',');
    } catch {
      // the quorum probe passed through the given endpoints; the lock works with them
    }
  };

  /** A linearizable read needs a quorum: the cheapest proof that etcd can also serve the election. */
  const probeQuorum = async (): Promise<void> => {
    try {
      await within(client.get(`kubecerts/quorum-probe`).string(), o.callTimeoutMs * 2, () => new Error(`no answer within ${o.callTimeoutMs * 2} ms`));
    } catch (err) {
      throw new LockError('no-quorum', `etcd at ${where} cannot serve a consistent read (no quorum or unreachable): ${describe(err)}`, {
        cause: err,
        hint: 'nothing was renewed; with the cluster down on purpose, a single node can use --lock none',
      });
    }
  };

  const acquire = async ({ waitMs, signal }: AcquireOptions): Promise<LockHold> => {
    if (signal?.aborted) throw new LockError('aborted', 'stopping: the lock was not requested');
    await probeQuorum();
    await addMembers();
    const election = client.election(o.name, o.ttlSeconds);
    const campaign = election.campaign(o.identity);
    let lost = false;
    let failure: unknown;
    campaign.on('error', (err) => {
      lost = true;
      failure = err;
    });
    const resign = async (): Promise<void> => {
      try {
        await within(campaign.resign(), o.callTimeoutMs, () => new Error('resign timed out'));
      } catch {
        // the lease TTL frees the lock anyway
      }
    };
    let onAbort: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        campaign.wait(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new LockError('busy', '')), waitMs);
        }),
        new Promise<never>((_, reject) => {
          onAbort = () => reject(new LockError('aborted', 'stopping: gave up waiting for the lock'));
          signal?.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } catch (err) {
      await resign();
      if (err instanceof LockError && err.reason === 'busy') {
        let holder = 'unknown';
        try {
          const v = await within(election.leader(), o.callTimeoutMs, () => new Error('timeout'));
          holder = v === undefined ? 'nobody visible' : v === '' ? 'an etcdctl lock (an operator pause?)' : v;
        } catch {
          // the holder's name is only for the message
        }
        throw new LockError('busy', `the cluster lock election/${o.name} stayed held for ${Math.round(waitMs / 1000)} s, by ${holder}`, {
          hint: `an operator pause looks like: etcdctl lock election/${o.name} -- sleep 3600`,
        });
      }
      if (err instanceof LockError) throw err;
      throw new LockError('unreachable', `cannot take the cluster lock election/${o.name} at ${where}: ${describe(failure ?? err)}`, { cause: err });
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
    return { lost: () => lost, release: resign };
  };

  return { kind: 'etcd', acquire, close: async () => client.close() };
}
