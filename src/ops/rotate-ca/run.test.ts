import type { RotationNotice } from './phases.js';
import { reserveNewFile } from '../../store/fs-atomic.js';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunConfig } from '../../config/types.js';
import { RotateError, UsageError } from '../../errors.js';
import { currentEntries, dataField, parseKubeconfig } from '../../kubeconfig/codec.js';
import { renderRotateEvent, renderRotateReport } from '../../output/rotate-ca-run-text.js';
import { KUBECONFIG_SPECS, PKI_SPECS } from '../../pki/specs.js';
import { parseBundle } from '../../pki/trust-bundle.js';
import { MemoryFs } from '../../store/fs.js';
import { realNodeHost } from '../../store/node-host.js';
import { Warner } from '../events.js';
import { CertPhases } from '../init-certs.js';
import { KubeconfigPhases } from '../init-kubeconfig.js';
import type { RestartReport } from '../control-plane-restart.js';
import { openArchive } from './archive.js';
import { runRotation, type RotatePhase, type RotateRunEvent, type RotateRunOptions, type RotateRunPorts } from './run.js';

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T10:00:00Z');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A kubeadm PKI (ECDSA P-256) made by the init use case, written to a new temp folder; returns its kubernetes folder. */
async function pkiTree(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'kubecerts-rotate-run-'));
  dirs.push(root);
  const k8s = join(root, 'kubernetes');
  const cfg: RunConfig = {
    certificatesDir: join(k8s, 'pki'), kubeconfigDir: k8s, clusterName: 'kubernetes', controlPlaneEndpoint: '',
    advertiseAddress: '127.0.0.1', bindPort: 6443, nodeName: 'node1', serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local',
    apiServerCertSANs: [], etcdLocal: { serverCertSANs: [], peerCertSANs: [] }, encryptionAlgorithm: 'ECDSA-P256',
    encryptionAlgorithmSource: 'default', certificateValidityMs: 365 * DAY, caCertificateValidityMs: 3650 * DAY,
  };
  const fs = new MemoryFs();
  const ctx = { cfg, start: new Date(NOW.getTime() - DAY), ws: fs, emit: () => undefined, warner: new Warner(() => undefined) };
  const certs = new CertPhases(ctx);
  for (const spec of PKI_SPECS) await certs.run(spec);
  const kubeconfigs = new KubeconfigPhases(ctx);
  for (const spec of KUBECONFIG_SPECS) await kubeconfigs.run(spec);
  for (const [path, f] of fs.files) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.data, { mode: f.mode });
    chmodSync(path, f.mode);
  }
  return k8s;
}

const options = (k8s: string, phase: RotatePhase, extra: Partial<RotateRunOptions> = {}): RotateRunOptions => ({
  phase,
  paths: { certDir: join(k8s, 'pki'), kubeconfigDir: k8s, stateDir: join(k8s, '..', 'state'), manifestsDir: join(k8s, 'manifests'), kubeletDir: join(k8s, 'kubelet') },
  dryRun: false, caValidityMs: 87600 * 3_600_000, leafValidityMs: 8760 * 3_600_000, cmdFlags: [['--cert-dir', join(k8s, 'pki')]], probeTimeoutMs: 3000, saGraceMs: 0,
  restart: false, manifestsFlags: [], holdingFlags: [],
  ...extra,
});

/** Ports over the real node, with restarts and kubectl the test gives, and the events and secret files kept. */
function ports(over: Partial<RotateRunPorts> = {}): RotateRunPorts & { events: RotateRunEvent[]; notices: RotationNotice[]; secrets: Map<string, Uint8Array> } {
  const events: RotateRunEvent[] = [];
  const notices: RotationNotice[] = [];
  const secrets = new Map<string, Uint8Array>();
  return {
    events, notices, secrets,
    host: realNodeHost(), now: NOW, notice: (l) => notices.push(l), onEvent: (e) => events.push(e),
    restart: () => Promise.reject(new Error('no restart expected')),
    kubectl: () => ({ code: 1, stdout: '', stderr: 'no kubectl here' }),
    readFile: (p) => readFileSync(p),
    writeSecretFile: (p, d) => void secrets.set(p, d),
    reserveFile: reserveNewFile,
    ...over,
  };
}

const caDataOf = (path: string): string => dataField(currentEntries(parseKubeconfig(readFileSync(path, 'utf8'), path), path).cluster, 'certificate-authority-data') as string;

describe('runRotation (ca rotate) over a real PKI folder', () => {
  it('plan returns the inventory as data: each signed certificate\'s CA and signer, the components\' CA files', async () => {
    const k8s = await pkiTree();
    const r = await runRotation(options(k8s, 'plan'), ports());
    if (r.kind !== 'status') throw new Error('not a status report');
    expect(r.failed).toBe(false);
    expect(r.status.phase).toBe('none');
    expect(r.signers?.get('apiserver')).toEqual({ ca: 'ca', by: 'old' });
    expect(r.signers?.get('front-proxy-client')).toEqual({ ca: 'front-proxy-ca', by: 'old' });
    expect(r.signers?.get('admin.conf')).toEqual({ ca: 'ca', by: 'old' });
    expect(r.components).toEqual({ manifestsDir: join(k8s, 'manifests'), files: [] });
    expect(r.etcd).toBeUndefined();
    const text = renderRotateReport(r);
    expect(text.stdout).toContain(`  ${join(k8s, 'pki', 'apiserver.crt')}: apiserver, signed by ca (old)\n`);
    expect(text.stdout).toContain(`Components (${join(k8s, 'manifests')}):\n  no control-plane manifests\n`);
  });

  it('plan refuses a folder with nothing to rotate', async () => {
    const k8s = join(mkdtempSync(join(tmpdir(), 'kubecerts-rotate-run-')), 'kubernetes');
    dirs.push(dirname(k8s));
    await expect(runRotation(options(k8s, 'plan'), ports())).rejects.toMatchObject({ code: 'ROTATE_INPUT' });
  });

  it('prepare --export without a key makes one, tells it before the archive is written, and the archive opens with it', async () => {
    const k8s = await pkiTree();
    const p = ports();
    const archive = join(k8s, 'out', 'a.enc');
    const r = await runRotation(options(k8s, 'prepare', { exportArchive: archive }), p);
    expect(r).toMatchObject({ kind: 'phase', failed: false, result: { phase: 'prepare', to: 'prepared' } });
    expect(p.events.map((e) => e.kind)).toEqual(['archive-key', 'archive-written', 'phase-done']);
    const key = (p.events[0] as { key: string }).key;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const m = openArchive(Buffer.from(p.secrets.get(archive) as Uint8Array), key);
    expect(m.plan.targets).toEqual(['ca', 'front-proxy-ca', 'etcd-ca', 'sa']);
    expect(renderRotateEvent(p.events[1] as RotateRunEvent)).toEqual({ stdout: '', stderr: `[rotate] wrote the encrypted archive ${archive}\n` });
  });

  it('prepare --export to an existing file (the live ca.key), a folder, a link, a place no file can be made, or with a malformed key is refused before prepare commits anything', async () => {
    const k8s = await pkiTree();
    mkdirSync(join(k8s, 'a-folder'));
    symlinkSync(join(k8s, 'victim'), join(k8s, 'a-link'));
    const caKey = readFileSync(join(k8s, 'pki', 'ca.key'), 'utf8');
    for (const [exportArchive, archiveKey, error] of [
      [join(k8s, 'pki', 'ca.key'), undefined, /cannot write ".*ca\.key": file exists/],
      [join(k8s, 'a-folder'), undefined, /file exists/],
      [join(k8s, 'a-link'), undefined, /file exists/],
      ['/proc/self/kubecerts-archive', undefined, /cannot write "\/proc\/self\/kubecerts-archive"/],
      [join(k8s, 'ok.enc'), 'not-hex', /64 hex digits/],
    ] as const) {
      await expect(runRotation(options(k8s, 'prepare', { exportArchive, ...(archiveKey ? { archiveKey } : {}) }), ports())).rejects.toThrow(error);
      expect(existsSync(join(k8s, '..', 'state', 'rotation', 'plan.json'))).toBe(false);
    }
    expect(readFileSync(join(k8s, 'pki', 'ca.key'), 'utf8')).toBe(caKey);
    expect(existsSync(join(k8s, 'victim'))).toBe(false);
    await runRotation(options(k8s, 'prepare', { exportArchive: join(k8s, 'ok.enc') }), ports());
    expect(existsSync(join(k8s, '..', 'state', 'rotation', 'plan.json'))).toBe(true);
  });

  it('prepare --import --export to an existing file is refused before the imported material is stored', async () => {
    const k8s = await pkiTree();
    const key = 'cd'.repeat(32);
    const archive = join(k8s, 'a.enc');
    const first = ports({ writeSecretFile: (f, d) => writeFileSync(f, d) });
    await runRotation(options(k8s, 'prepare', { exportArchive: archive, archiveKey: key }), first);
    // a second node of the same cluster: the same PKI, no rotation state of its own
    const root2 = mkdtempSync(join(tmpdir(), 'kubecerts-rotate-run-'));
    dirs.push(root2);
    const k2 = join(root2, 'kubernetes');
    cpSync(k8s, k2, { recursive: true });
    writeFileSync(join(k2, 'keep.txt'), 'keep');
    await expect(runRotation(options(k2, 'prepare', { importArchive: archive, archiveKey: key, exportArchive: join(k2, 'keep.txt') }), ports())).rejects.toThrow(/file exists/);
    expect(readFileSync(join(k2, 'keep.txt'), 'utf8')).toBe('keep');
    expect(existsSync(join(root2, 'state', 'rotation', 'plan.json'))).toBe(false);
    expect((await runRotation(options(k2, 'prepare', { importArchive: archive, archiveKey: key }), ports())).kind).toBe('phase');
    expect(existsSync(join(root2, 'state', 'rotation', 'plan.json'))).toBe(true);
  });

  it('prepare --import: an unreadable archive is ROTATE_ARCHIVE, a missing key a usage error', async () => {
    const k8s = await pkiTree();
    await expect(runRotation(options(k8s, 'prepare', { importArchive: join(k8s, 'none.enc'), archiveKey: 'k' }), ports())).rejects.toBeInstanceOf(RotateError);
    writeFileSync(join(k8s, 'a.enc'), 'x');
    await expect(runRotation(options(k8s, 'prepare', { importArchive: join(k8s, 'a.enc') }), ports())).rejects.toThrow(UsageError);
  });

  it('trust with a failed restart returns failed with the restart command to run; no in-cluster part follows', async () => {
    const k8s = await pkiTree();
    await runRotation(options(k8s, 'prepare'), ports());
    const asked: (readonly string[])[] = [];
    const report: RestartReport = { recovered: { restored: [], warnings: [] }, ok: false, outcomes: [{ component: 'etcd', result: 'failed', step: 'check', error: 'boom' }] };
    const r = await runRotation(options(k8s, 'trust', { restart: true, inCluster: 'print', manifestsFlags: [['--manifests-dir', '/m d']], holdingFlags: [['--holding-dir', '/h']] }), ports({ restart: (n) => (asked.push(n), Promise.resolve(report)) }));
    expect(asked).toEqual([['all']]);
    if (r.kind !== 'phase') throw new Error('not a phase report');
    expect(r.failed).toBe(true);
    expect(r.inCluster).toBeUndefined();
    expect(renderRotateReport(r)).toEqual({
      stdout: '[rotate] restart etcd: failed (check: boom)\n',
      stderr: "[rotate] a restart failed: the files are committed; fix the component, then run `kubecerts control-plane restart all --manifests-dir '/m d' --holding-dir /h` before the next phase\n",
    });
    // the kubeconfigs' CA data holds the whole bundle [old, new] (the location layer keeps it whole)
    expect(parseBundle(caDataOf(join(k8s, 'admin.conf'))).length).toBe(2);
  });

  it('trust --in-cluster=print returns the steps\' inputs; rollback without --restart suggests the restart', async () => {
    const k8s = await pkiTree();
    await runRotation(options(k8s, 'prepare'), ports());
    const t = await runRotation(options(k8s, 'trust', { inCluster: 'print' }), ports());
    if (t.kind !== 'phase') throw new Error('not a phase report');
    expect(t.inCluster).toEqual({ mode: 'print', phase: 'trust', kubeconfig: join(k8s, 'admin.conf'), newHash: t.result.joinHashes?.new, caFile: join(k8s, 'pki', 'ca.crt') });
    // trust changed the CA files the components read at start: without --restart it says to restart them
    expect(t.restartHint).toEqual({ words: ['control-plane', 'restart', 'all'], flags: [] });
    // the restart comes first: kube-root-ca.crt is published by the restarted controller-manager
    expect(renderRotateReport(t).stdout).toMatch(/^\[rotate\] restart the control-plane components .*\nIn the cluster \(to run\):\n {2}/);
    const b = await runRotation(options(k8s, 'rollback', { manifestsFlags: [['--manifests-dir', "/it's"]], holdingFlags: [['--holding-dir', '/h']] }), ports());
    if (b.kind !== 'phase') throw new Error('not a phase report');
    expect(b.restartHint).toEqual({ words: ['control-plane', 'restart', 'all'], flags: [['--manifests-dir', "/it's"], ['--holding-dir', '/h']] });
    expect(renderRotateReport(b).stdout).toContain(`: kubecerts control-plane restart all --manifests-dir '/it'\\''s' --holding-dir /h, systemctl restart kubelet (a phase given --restart does the static pods itself)\n`);
    expect(renderRotateReport(b).stdout).not.toContain('rerun');
    expect(parseBundle(caDataOf(join(k8s, 'admin.conf'))).length).toBe(1);
    // back at prepared: rolling back again drops the staging and suggests no restart
    const again = await runRotation(options(k8s, 'rollback'), ports());
    expect(again).toMatchObject({ kind: 'phase', result: { to: 'none' } });
    expect((again as { restartHint?: unknown }).restartHint).toBeUndefined();
  });

  it('a phase out of order is refused with the status command of this run\'s flags', async () => {
    const k8s = await pkiTree();
    await expect(runRotation(options(k8s, 'reissue'), ports())).rejects.toMatchObject({ hint: `the next phase here is "prepare" (see kubecerts ca rotate status --cert-dir ${join(k8s, 'pki')})` });
  });
});
