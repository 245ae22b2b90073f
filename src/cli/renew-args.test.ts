import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { RENEWABLE_SPECS } from '../pki/specs.js';
import { renewFlags, renewRunOptions } from './renew-args.js';

const refusal = (name: string, opts: Record<string, unknown>): string => {
  try {
    renewFlags(name, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('not refused');
};

describe('certs renew flags', () => {
  it('refuses the combinations that renew nothing, in the order the command always checked them', () => {
    expect(refusal('all', { csrDir: '/tmp/x' })).toMatch(/csr-dir/);
    expect(refusal('all', { csrOnly: true, restart: true })).toBe('--restart cannot be used with --csr-only: nothing is renewed until the CSRs are signed');
    expect(refusal('all', { timeout: 'soon' })).toBe('invalid --timeout "soon": use a duration such as 90s or 2m');
    expect(refusal('all', { csrOnly: true, updateKubeconfig: ['/root/.kube/config'] })).toBe('--update-kubeconfig cannot be used with --csr-only');
    // the name is checked first, then --csr-dir, then --restart with --csr-only
    expect(refusal('ca', { csrDir: '/tmp/x', csrOnly: true, restart: true })).toMatch(/certificate authority/);
    expect(refusal('all', { csrDir: '/tmp/x', restart: true })).toMatch(/csr-dir/);
  });

  it('leaves the etcd certificates out of `all` with an external etcd, and keeps them when named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubecerts-renew-args-'));
    try {
      const config = join(dir, 'kubeadm.yaml');
      writeFileSync(config, 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\netcd:\n  external:\n    endpoints: ["https://10.0.0.1:2379"]\n');
      const all = renewFlags('all', {});
      expect(all.specs).toBe(RENEWABLE_SPECS);
      expect(all).toMatchObject({ name: 'all', format: 'text', csrOnly: false, dryRun: false, restart: false, expiringWithinMs: undefined, updates: [] });
      const external = renewFlags('all', { config }).specs.map((s) => s.name);
      expect(external.length).toBeLessThan(RENEWABLE_SPECS.length);
      expect(external.filter((n) => n.includes('etcd'))).toEqual([]);
      expect(renewFlags('etcd-server', { config }).specs.map((s) => s.name)).toEqual(['etcd-server']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('maps the backup flags onto the op options and refuses a bad --keep-backups', () => {
    const f = renewFlags('apiserver', { kubeconfigDir: '/k', certDir: '/k/pki' });
    const start = new Date('2026-01-01T00:00:00Z');
    expect(renewRunOptions(f, { kubeconfigDir: '/k' }, start)).toMatchObject({ start, backup: true, backupRoot: '/k/tmp', keepBackups: 5, csrDir: undefined, reuseKey: false });
    expect(renewRunOptions(f, { backup: false, backupDir: '/b', keepBackups: '2', reuseKey: true }, start)).toMatchObject({ backup: false, backupRoot: '/b', keepBackups: 2, reuseKey: true });
    expect(() => renewRunOptions(f, { keepBackups: '0' }, start)).toThrow(UsageError);
  });
});
