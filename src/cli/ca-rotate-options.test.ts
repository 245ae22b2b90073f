import { describe, expect, it, vi } from 'vitest';
import { UsageError } from '../errors.js';
import { run } from '../main.js';
import { caRotateOptions, locationFlags } from './ca-rotate-options.js';

// the command module is replaced: argv goes through the real commander program, and its options into the parser
const seen: { args: unknown[]; opts: Record<string, unknown> }[] = [];
vi.mock('./commands/ca-rotate.js', () => ({
  default: vi.fn(async (args: unknown[], opts: Record<string, unknown>) => void seen.push({ args, opts: { ...opts } })),
}));
const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, now: () => new Date(0) };

const H = 3_600_000;
const parse = (phase: string, opts: Record<string, unknown> = {}, env: Record<string, string | undefined> = {}): ReturnType<typeof caRotateOptions> => caRotateOptions([phase], opts, env);
const usage = (phase: string, opts: Record<string, unknown>): string => {
  try {
    parse(phase, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('no usage error');
};

describe('ca rotate flags → typed options', () => {
  it('gives kubeadm defaults when no flag is set', () => {
    expect(parse('status')).toEqual({
      phase: 'status',
      paths: { certDir: '/etc/kubernetes/pki', kubeconfigDir: '/etc/kubernetes', stateDir: '/var/lib/kubecerts', manifestsDir: '/etc/kubernetes/manifests', kubeletDir: '/var/lib/kubelet/pki' },
      dryRun: false, caValidityMs: 87600 * H, leafValidityMs: 8760 * H, cmdFlags: [], probeTimeoutMs: 3000, saGraceMs: 24 * H,
      restart: false, manifestsFlags: [], holdingFlags: [],
    });
  });

  it('maps every flag', () => {
    const o = parse('prepare', {
      certDir: '/p', kubeconfigDir: '/k', stateDir: '/s', manifestsDir: '/m x', kubeletDir: '/l', only: ['ca', 'sa'], caValidityPeriod: '20000h',
      crossSign: true, export: '/e.enc', archiveKey: 'ab', etcdEndpoints: ['https://a:2379', 'https://b:2379'], probeTimeout: '5s',
      apiserverEndpoint: 'https://1.2.3.4:6443', kubeletEndpoint: 'https://127.0.0.1:10250/', saGrace: '0s', force: true, restart: true,
      holdingDir: '/h', inCluster: 'apply', dryRun: true,
    }, { KUBECERTS_ARCHIVE_KEY: 'env' });
    expect(o).toMatchObject({
      phase: 'prepare', paths: { certDir: '/p', kubeconfigDir: '/k', stateDir: '/s', manifestsDir: '/m x', kubeletDir: '/l' }, only: ['ca', 'sa'],
      caValidityMs: 20000 * H, crossSign: true, exportArchive: '/e.enc', archiveKey: 'ab', etcdEndpoints: ['https://a:2379', 'https://b:2379'],
      probeTimeoutMs: 5000, apiserverEndpoint: 'https://1.2.3.4:6443', kubeletEndpoint: 'https://127.0.0.1:10250/', saGraceMs: 0, force: true,
      restart: true, inCluster: 'apply', dryRun: true, manifestsFlags: [['--manifests-dir', '/m x']], holdingFlags: [['--holding-dir', '/h']],
    });
    expect(o.cmdFlags).toEqual([
      ['--cert-dir', '/p'], ['--kubeconfig-dir', '/k'], ['--state-dir', '/s'], ['--manifests-dir', '/m x'], ['--kubelet-dir', '/l'],
      ['--apiserver-endpoint', 'https://1.2.3.4:6443'], ['--kubelet-endpoint', 'https://127.0.0.1:10250/'], ['--etcd-endpoints', 'https://a:2379,https://b:2379'],
    ]);
  });

  it('takes the archive key from the environment when --archive-key is absent', () => {
    expect(parse('prepare', { import: '/a.enc' }, { KUBECERTS_ARCHIVE_KEY: 'k' })).toMatchObject({ importArchive: '/a.enc', archiveKey: 'k' });
    expect(parse('prepare', { import: '/a.enc' })).not.toHaveProperty('archiveKey');
  });

  it('lists only the location flags that were given', () => {
    expect(locationFlags({ dryRun: true, only: ['ca'] })).toEqual([]);
    expect(locationFlags({ stateDir: '/s' })).toEqual([['--state-dir', '/s']]);
  });

  it.each([
    ['status', { caValidityPeriod: 'x' }, 'invalid --ca-validity-period "x"'],
    ['status', { caValidityPeriod: '0s' }, 'invalid --ca-validity-period "0s"'],
    ['plan', { only: ['ca', 'root'] }, 'invalid --only "root": use ca, front-proxy-ca, etcd-ca, sa'],
    ['plan', { only: [] }, 'invalid --only "": use ca, front-proxy-ca, etcd-ca, sa'],
    ['trust', { only: ['ca'] }, '--only is chosen at prepare; later phases follow the rotation plan'],
    ['trust', { export: '/x' }, '--export and --import go with prepare'],
    ['status', { import: '/x' }, '--export and --import go with prepare'],
    ['trust', { crossSign: true }, '--cross-sign goes with prepare (an imported archive brings its cross certificates)'],
    ['prepare', { crossSign: true, import: '/x' }, '--cross-sign goes with prepare (an imported archive brings its cross certificates)'],
    ['status', { probeTimeout: '0s' }, 'invalid --probe-timeout "0s": use a duration such as 90s or 2m'],
    ['finalize', { saGrace: '-1s' }, 'invalid --sa-grace "-1s"'],
    ['finalize', { saGrace: 'soon' }, 'invalid --sa-grace "soon"'],
    ['status', { apiserverEndpoint: 'http://a:6443' }, 'invalid --apiserver-endpoint "http://a:6443": give https://host:port'],
    ['status', { kubeletEndpoint: 'https://a:10250/healthz' }, 'invalid --kubelet-endpoint "https://a:10250/healthz": give https://host:port'],
    ['rotate', {}, 'unknown phase "rotate"'],
  ] as const)('%s %o is a usage error', (phase, opts, message) => {
    expect(usage(phase, opts)).toBe(message);
  });

  it('checks the flags in a fixed order (the first bad one is reported)', () => {
    expect(usage('trust', { caValidityPeriod: 'x', only: ['root'] })).toBe('invalid --ca-validity-period "x"');
    expect(usage('trust', { only: ['root'], export: '/x' })).toBe('invalid --only "root": use ca, front-proxy-ca, etcd-ca, sa');
    expect(usage('nope', { saGrace: 'x' })).toBe('invalid --sa-grace "x"');
  });

  it('does not read --timeout (a restart reads it when it runs)', () => {
    expect(() => parse('trust', { timeout: 'x' })).not.toThrow();
  });

  it('argv → typed options through the program (lists split on commas, --in-cluster checked by commander)', async () => {
    seen.length = 0;
    const argv = ['ca', 'rotate', 'prepare', '--cert-dir', '/p x', '--only', 'ca,etcd-ca', '--etcd-endpoints', 'https://a:2379,https://b:2379', '--export', '/e', '--in-cluster=print', '--restart'];
    expect(await run(argv, io)).toBe(0);
    expect(seen).toHaveLength(1);
    const o = caRotateOptions(seen[0]!.args, seen[0]!.opts, {});
    expect(o).toMatchObject({ phase: 'prepare', only: ['ca', 'etcd-ca'], etcdEndpoints: ['https://a:2379', 'https://b:2379'], exportArchive: '/e', inCluster: 'print', restart: true });
    expect(o.paths.certDir).toBe('/p x');
    expect(o.cmdFlags).toEqual([['--cert-dir', '/p x'], ['--etcd-endpoints', 'https://a:2379,https://b:2379']]);
    expect(await run(['ca', 'rotate', 'trust', '--in-cluster=everything'], io)).toBe(2);
    expect(await run(['ca', 'rotate', 'rotate'], io)).toBe(2);
    expect(seen).toHaveLength(1);
  });
});
