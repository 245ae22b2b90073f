import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunConfig } from '../config/types.js';
import { LockError } from '../errors.js';
import type { AcquireOptions, Lock, LockHold } from '../lib/lock.js';
import { Warner } from './events.js';
import { runInit } from './init.js';
import { renewCertificates } from './renew.js';
import { prepare, rollback } from './rotate-ca/phases.js';
import { RENEWABLE_SPECS } from '../pki/specs.js';

const DAY = 86_400_000;
const root = mkdtempSync(join(tmpdir(), 'kubecerts-oplock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cfgIn = (name: string): RunConfig => ({
  certificatesDir: join(root, name, 'pki'), kubeconfigDir: join(root, name), clusterName: 'kubernetes', controlPlaneEndpoint: '',
  advertiseAddress: '192.168.1.10', bindPort: 6443, nodeName: 'cp-1', serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local',
  apiServerCertSANs: [], etcdLocal: { serverCertSANs: [], peerCertSANs: [] }, encryptionAlgorithm: 'ECDSA-P256',
  encryptionAlgorithmSource: 'default', certificateValidityMs: 365 * DAY, caCertificateValidityMs: 3650 * DAY,
});

/** A Lock that counts its holds; `refuse` makes acquire reject with it. */
class CountingLock implements Lock {
  readonly kind = 'test';
  held = 0;
  taken = 0;
  constructor(private readonly refuse?: Error) {}
  async acquire(_o: AcquireOptions): Promise<LockHold> {
    if (this.refuse) throw this.refuse;
    this.held++;
    this.taken++;
    return { lost: () => false, release: async () => void this.held-- };
  }
  async close(): Promise<void> {}
}

const quiet = { emit: () => undefined, warner: new Warner(() => undefined), notice: () => undefined };
const start = new Date('2026-03-01T12:00:00Z');

describe('writing use cases take the Lock they are given', () => {
  it('init and renew hold the given lock for their write and release it, with no pid file', async () => {
    const cfg = cfgIn('given');
    const lock = new CountingLock();
    const init = await runInit({ cfg, start, certs: 'all', kubeconfig: 'all', reissue: false, dryRun: false, lock, ...quiet });
    expect(init.written).toBe(true);
    const renew = await renewCertificates({
      cfg, start: new Date(start.getTime() + DAY), specs: RENEWABLE_SPECS, dryRun: false, csrOnly: false, csrDir: undefined, reuseKey: false,
      expiringWithinMs: undefined, backup: false, backupRoot: join(cfg.kubeconfigDir, 'tmp'), keepBackups: 1, lock, ...quiet,
    });
    expect(renew.outcomes.every((o) => o.kind === 'renewed')).toBe(true);
    expect([lock.taken, lock.held]).toEqual([2, 0]);
    expect(existsSync(join(cfg.certificatesDir, '.kubecerts.lock'))).toBe(false);
  });

  it('a lock held elsewhere stops init before it writes anything, with the lock\'s error', async () => {
    const cfg = cfgIn('busy');
    const busy = new LockError('busy', 'held by node=cp-2');
    const err = await runInit({ cfg, start, certs: 'all', kubeconfig: undefined, reissue: false, dryRun: false, lock: new CountingLock(busy), ...quiet }).catch((e: unknown) => e);
    expect(err).toBe(busy);
    expect(readdirSync(cfg.certificatesDir)).toEqual([]);
  });
});

describe('CA rotation takes the Lock it is given', () => {
  it('prepare and rollback hold the given lock and release it, with no pid file; a busy lock stops prepare', async () => {
    const cfg = cfgIn('rotate');
    await runInit({ cfg, start, certs: 'all', kubeconfig: 'all', reissue: false, dryRun: false, ...quiet });
    const paths = { certDir: cfg.certificatesDir, kubeconfigDir: cfg.kubeconfigDir, stateDir: join(root, 'rotate', 'state'), manifestsDir: join(root, 'rotate', 'manifests'), kubeletDir: join(root, 'rotate', 'kubelet') };
    rmSync(join(cfg.certificatesDir, '.kubecerts.lock'), { force: true });
    const o = { paths, now: start, dryRun: false, caValidityMs: 3650 * DAY, leafValidityMs: 365 * DAY, notice: () => undefined };
    const busy = new LockError('busy', 'held by node=cp-2');
    expect(await prepare({ ...o, lock: new CountingLock(busy) }).catch((e: unknown) => e)).toBe(busy);
    expect(existsSync(join(paths.stateDir, 'rotation', 'plan.json'))).toBe(false);
    const lock = new CountingLock();
    expect((await prepare({ ...o, lock })).to).toBe('prepared');
    expect((await rollback({ ...o, lock })).to).toBe('none');
    expect(lock.taken).toBeGreaterThanOrEqual(2);
    expect(lock.held).toBe(0);
    expect(existsSync(join(cfg.certificatesDir, '.kubecerts.lock'))).toBe(false);
  });
});
