/**
 * `kubecerts control-plane status` against a simulated control-plane node: the kubelet-like static-pod loop of
 * test/helpers/kubelet.ts over kubeadm-shaped manifests, the real Debian etcd, and the stand-in kube-apiserver,
 * controller-manager and scheduler of test/helpers/fake-control-plane.mjs (no real kubelet or kube-apiserver can run
 * here); certificates from `kubecerts init` and `certs renew`, others made with openssl; kubectl is the real one.
 */
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlVersion } from '../helpers/apiserver.js';
import { BIN, runCli } from '../helpers/cli.js';
import { writeControlPlaneManifests } from '../helpers/manifests.js';
import { startNodes, stopNodes, until, waitNodeHealthy, type SimNode } from '../helpers/control-plane-node.js';
import { openssl } from '../helpers/openssl.js';
import { snapshotTree, tempDir } from '../helpers/tmp.js';

interface Status {
  kind: string;
  needsAction: boolean;
  extraManifests: { file: string; runs?: string }[];
  kubelet: { path: string; notAfter?: string; expired?: boolean }[];
  components: {
    component: string;
    verdict: string;
    reasons: string[];
    problems: string[];
    served: { endpoint: string; matches?: boolean; fileSha256?: string; servedSha256?: string }[];
    files: { path: string; flag: string; notAfter?: string }[];
    process?: { pid: number };
    health?: { ok: boolean };
    loopback?: { notAfter: string; subject: string };
  }[];
}

const status = async (n: SimNode, extra: string[] = []): Promise<{ code: number | null; s: Status; stderr: string }> => {
  const r = await runCli(['control-plane', 'status', '--manifests-dir', n.manifestsDir, '--kubelet-dir', n.kubeletDir, '-o', 'json', ...extra]);
  return { code: r.code, s: JSON.parse(r.stdout) as Status, stderr: r.stderr };
};
const verdicts = (s: Status): Record<string, string> => Object.fromEntries(s.components.map((c) => [c.component, c.verdict]));
const comp = (s: Status, name: string): Status['components'][number] => s.components.find((c) => c.component === name) as Status['components'][number];

describe('control-plane status on a healthy node, after renewal, and after restart', () => {
  let nodes: SimNode[] = [];
  beforeAll(async () => {
    nodes = await startNodes(tempDir(), ['cp1']);
  });
  afterAll(async () => {
    await stopNodes(nodes);
  });

  it('reports every component ok with served fingerprints equal to the files, exit 0, and a text table', async () => {
    const n = nodes[0] as SimNode;
    const { code, s } = await status(n);
    expect(verdicts(s)).toEqual({ etcd: 'ok', 'kube-apiserver': 'ok', 'kube-controller-manager': 'ok', 'kube-scheduler': 'ok' });
    expect(code).toBe(0);
    expect(s.needsAction).toBe(false);
    const etcd = comp(s, 'etcd');
    expect(etcd.served.map((x) => x.endpoint)).toEqual(['etcd-client', 'etcd-peer']);
    const serverCrt = readFileSync(join(n.certDir, 'etcd', 'server.crt'), 'utf8');
    const opensslFp = openssl(['x509', '-noout', '-fingerprint', '-sha256'], serverCrt).out.split('=')[1]?.trim().replace(/:/g, '').toLowerCase();
    expect(etcd.served[0]?.servedSha256).toBe(opensslFp);
    expect(comp(s, 'kube-apiserver').served[0]?.matches).toBe(true);
    expect(comp(s, 'kube-apiserver').process?.pid).toBe(n.kubelet.pid('kube-apiserver.yaml'));
    expect(comp(s, 'kube-scheduler').files.map((f) => f.flag)).toEqual(['kubeconfig']);
    const loop = comp(s, 'kube-apiserver').loopback;
    expect(loop?.subject).toMatch(/^CN=apiserver-loopback-client/);
    expect(new Date(loop?.notAfter ?? 0).getTime()).toBeGreaterThan(Date.now() + 300 * 86400_000);
    const text = await runCli(['control-plane', 'status', '--manifests-dir', n.manifestsDir, '--kubelet-dir', n.kubeletDir]);
    expect(text.stdout).toMatch(/^COMPONENT\s+VERDICT\s+HEALTH\s+SERVES FILES\s+PID\s+STARTED\n/);
    expect(text.stdout).toMatch(/\nkube-apiserver\s+ok\s+ok\s+yes\s+\d+/);
    expect(text.stdout).toContain('apiserver-loopback-client certificate expires');
    const y = await runCli(['control-plane', 'status', '--manifests-dir', n.manifestsDir, '-o', 'yaml']);
    expect(y.stdout).toMatch(/^kind: ControlPlaneStatus\n/);
  });

  it('after certs renew: restart needed where the running instance holds the old files; ok again after control-plane restart; kubectl works before and after', async () => {
    const n = nodes[0] as SimNode;
    expect((await kubectlVersion(join(n.dir, 'admin.conf'))).code).toBe(0);
    const renew = await runCli(['certs', 'renew', 'all', '--cert-dir', n.certDir, '--kubeconfig-dir', n.dir]);
    expect(renew.code, renew.stderr).toBe(0);
    const { code, s } = await status(n);
    expect(code).toBe(5);
    expect(s.needsAction).toBe(true);
    expect(comp(s, 'kube-apiserver').verdict).toBe('restart needed');
    expect(comp(s, 'kube-apiserver').reasons[0]).toMatch(/serves a certificate .* other than .*apiserver\.crt/);
    expect(comp(s, 'kube-controller-manager').verdict).toBe('restart needed');
    expect(comp(s, 'kube-controller-manager').reasons[0]).toMatch(/controller-manager\.conf changed at .* after the process started/);
    expect(comp(s, 'kube-scheduler').verdict).toBe('restart needed');
    // etcd reads its certificate files on every handshake: it serves the renewed ones without a restart
    expect(comp(s, 'etcd').verdict).toBe('ok');
    expect(comp(s, 'etcd').served.every((x) => x.matches === true)).toBe(true);

    const r = await runCli(['control-plane', 'restart', 'all', '--manifests-dir', n.manifestsDir, '--timeout', '30s']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.match(/: restarted/g)).toHaveLength(4);
    const after = await status(n);
    expect(verdicts(after.s)).toEqual({ etcd: 'ok', 'kube-apiserver': 'ok', 'kube-controller-manager': 'ok', 'kube-scheduler': 'ok' });
    expect(after.code).toBe(0);
    const v = await kubectlVersion(join(n.dir, 'admin.conf'));
    expect(v.code, v.out).toBe(0);
    for (const c of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      expect(n.kubelet.events.filter((e) => e.component === c && e.event === 'stop'), c).toHaveLength(1);
    }
  });

  it('warns about an extra file in the manifests folder that runs a second component, and exits 5', async () => {
    const n = nodes[0] as SimNode;
    copyFileSync(join(n.manifestsDir, 'kube-scheduler.yaml'), join(n.manifestsDir, 'kube-scheduler.yaml.bak'));
    writeFileSync(join(n.manifestsDir, '.hidden.swp'), 'x');
    try {
      const { code, s } = await status(n);
      expect(s.extraManifests).toEqual([{ file: 'kube-scheduler.yaml.bak', runs: 'kube-scheduler' }]);
      expect(code).toBe(5);
      const text = await runCli(['control-plane', 'status', '--manifests-dir', n.manifestsDir]);
      expect(text.stdout).toContain(`WARNING: ${n.manifestsDir}/kube-scheduler.yaml.bak is not a kubeadm manifest name, and the kubelet runs every file in that folder: it runs a second kube-scheduler`);
      // restart refuses while the stray copy would keep a second scheduler running, and moves nothing
      const before = snapshotTree(n.dir.replace(/\/cp1$/, ''));
      const r = await runCli(['control-plane', 'restart', 'kube-scheduler', '--manifests-dir', n.manifestsDir]);
      expect(r.stderr).toContain('kube-scheduler.yaml.bak" runs a second kube-scheduler');
      expect(r.code).toBe(1);
      const after = snapshotTree(n.dir.replace(/\/cp1$/, ''));
      for (const k of before.keys()) if (k.includes('manifests/')) expect(after.get(k), k).toBe(before.get(k));
    } finally {
      renameSync(join(n.manifestsDir, 'kube-scheduler.yaml.bak'), join(n.dir, 'stray.bak'));
    }
  });

  it('reports the expiry of the API server\'s in-memory loopback certificate, a problem once it has expired', async () => {
    const n = nodes[0] as SimNode;
    const later = new Date(Date.now() + 400 * 86400_000).toISOString().replace('T', ' ').slice(0, 19);
    const r = await runCli(['control-plane', 'status', '--manifests-dir', n.manifestsDir, '-o', 'json'], { faketime: later });
    const s = JSON.parse(r.stdout) as Status;
    const api = comp(s, 'kube-apiserver');
    expect(api.problems.join('\n')).toMatch(/the API server's in-memory apiserver-loopback-client certificate expired on \S+; only a restart renews it/);
    expect(api.problems.join('\n')).toMatch(/apiserver\.crt expired on /);
    expect(r.code).toBe(5);
  });

  it('reports kubelet.crt, the kubelet\'s self-signed serving certificate, and flags it when expired', async () => {
    const n = nodes[0] as SimNode;
    const make = (faketime?: string): void => {
      const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '365', '-subj', '/CN=cp1@1700000000', '-keyout', join(n.kubeletDir, 'kubelet.key'), '-out', join(n.kubeletDir, 'kubelet.crt')];
      const r = faketime ? spawnSync('faketime', [faketime, 'openssl', ...args], { encoding: 'utf8' }) : spawnSync('openssl', args, { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    };
    make();
    let { s } = await status(n);
    expect(s.kubelet).toHaveLength(1);
    expect(s.kubelet[0]?.path).toBe(join(n.kubeletDir, 'kubelet.crt'));
    expect(s.kubelet[0]?.expired).toBe(false);
    expect(s.needsAction).toBe(false);
    // one made in 2020 for a year, as the kubelet makes it, long expired
    make('2020-01-01 00:00:00');
    ({ s } = await status(n));
    expect(s.kubelet[0]).toMatchObject({ expired: true, notAfter: '2020-12-31T00:00:00Z' });
    const text = await runCli(['control-plane', 'status', '--manifests-dir', n.manifestsDir, '--kubelet-dir', n.kubeletDir]);
    expect(text.stdout).toContain(`${join(n.kubeletDir, 'kubelet.crt')}: expires 2020-12-31T00:00:00Z (expired)`);
    expect(text.stdout).toContain('`kubecerts kubelet serving enable` switches to rotating CA-signed serving certificates');
    expect(s.needsAction).toBe(true);
  });
});

describe('control-plane status on bad input: each a clear verdict, nothing moved', () => {
  let nodes: SimNode[] = [];
  beforeAll(async () => {
    nodes = await startNodes(tempDir(), ['cp1']);
  });
  afterAll(async () => {
    await stopNodes(nodes);
  });

  const withManifest = async (file: string, text: string, check: (s: Status) => void | Promise<void>): Promise<void> => {
    const n = nodes[0] as SimNode;
    const path = join(n.manifestsDir, file);
    const keep = readFileSync(path);
    // the kubelet would act on the broken manifest; the harness is stopped so the check sees the running processes
    writeFileSync(path, text);
    try {
      const before = snapshotTree(n.manifestsDir);
      const { code, s } = await status(n);
      expect(code).toBe(5);
      await check(s);
      expect(snapshotTree(n.manifestsDir)).toEqual(before);
    } finally {
      writeFileSync(path, keep);
    }
  };

  it('a manifest that does not parse is "unknown" with the parser\'s reason', async () => {
    await withManifest('kube-scheduler.yaml', 'apiVersion: v1\nkind: Pod\nspec: [unclosed\n', async (s) => {
      expect(comp(s, 'kube-scheduler').verdict).toBe('unknown');
      expect(comp(s, 'kube-scheduler').reasons[0]).toMatch(/^cannot parse manifest ".*kube-scheduler\.yaml": /);
      expect(comp(s, 'kube-apiserver').verdict).toBe('ok');
      // restart refuses it before moving anything (the caller checks the folder is unchanged)
      const r = await runCli(['control-plane', 'restart', 'all', '--manifests-dir', (nodes[0] as SimNode).manifestsDir]);
      expect(r.stderr).toMatch(/^error: cannot restart kube-scheduler: cannot parse manifest ".*kube-scheduler\.yaml": /);
      expect(r.code).toBe(1);
    });
  });

  it('a manifest without the expected flags is "unknown" naming the flags', async () => {
    const n = nodes[0] as SimNode;
    const text = readFileSync(join(n.manifestsDir, 'kube-apiserver.yaml'), 'utf8').replace(/^ +- --tls-cert-file=.*\n/m, '').replace(/^ +- --client-ca-file=.*\n/m, '');
    await withManifest('kube-apiserver.yaml', text, (s) => {
      expect(comp(s, 'kube-apiserver').verdict).toBe('unknown');
      expect(comp(s, 'kube-apiserver').reasons[0]).toMatch(/lacks --tls-cert-file, --client-ca-file: cannot tell which files kube-apiserver uses/);
    });
  });

  it('a manifest that is missing is "manifest missing"', async () => {
    const n = nodes[0] as SimNode;
    const held = join(n.dir, 'sched.held');
    renameSync(join(n.manifestsDir, 'kube-scheduler.yaml'), held);
    try {
      await until('scheduler stopped', () => n.kubelet.pid('kube-scheduler.yaml') === undefined);
      const { code, s } = await status(n);
      expect(comp(s, 'kube-scheduler').verdict).toBe('manifest missing');
      expect(code).toBe(5);
    } finally {
      renameSync(held, join(n.manifestsDir, 'kube-scheduler.yaml'));
    }
    await waitNodeHealthy(n);
  });

  it('a port where nothing listens is "down"', async () => {
    const n = nodes[0] as SimNode;
    const text = readFileSync(join(n.manifestsDir, 'kube-controller-manager.yaml'), 'utf8');
    const port = n.ports.controllerManager;
    // the stopped kubelet harness keeps the running process; point the manifest at a port where nothing listens
    await n.kubelet.stop();
    try {
      const path = join(n.manifestsDir, 'kube-controller-manager.yaml');
      writeFileSync(path, text.replace(`--secure-port=${port}`, '--secure-port=1'));
      const { code, s } = await status(n);
      expect(comp(s, 'kube-controller-manager').verdict).toBe('down');
      expect(comp(s, 'kube-controller-manager').reasons.join(' ')).toMatch(/no process runs the manifest's command and https:\/\/127\.0\.0\.1:1\/healthz does not answer/);
      expect(comp(s, 'kube-apiserver').verdict).toBe('down');
      expect(code).toBe(5);
      writeFileSync(path, text);
    } finally {
      n.kubelet.start();
    }
    await waitNodeHealthy(n);
  });

  it('a component serving a certificate from another CA is "restart needed" and says so; a file for another node is flagged', async () => {
    const n = nodes[0] as SimNode;
    const other = tempDir();
    const key = join(other, 'k.pem');
    expect(openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', '/CN=evil-ca', '-keyout', join(other, 'ca.key'), '-out', join(other, 'ca.crt')]).code).toBe(0);
    expect(openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=kube-apiserver', '-keyout', key, '-out', join(other, 'r.csr')]).code).toBe(0);
    writeFileSync(join(other, 'ext'), 'subjectAltName=DNS:cp9,IP:10.9.9.9\n');
    expect(openssl(['x509', '-req', '-in', join(other, 'r.csr'), '-CA', join(other, 'ca.crt'), '-CAkey', join(other, 'ca.key'), '-days', '30', '-extfile', join(other, 'ext'), '-out', join(other, 'foreign.crt')]).code).toBe(0);
    const crt = join(n.certDir, 'apiserver.crt');
    const keyPath = join(n.certDir, 'apiserver.key');
    const keep = [readFileSync(crt), readFileSync(keyPath)] as const;
    // the running apiserver read the foreign pair at start; then the files go back: it serves another CA's certificate
    copyFileSync(join(other, 'foreign.crt'), crt);
    copyFileSync(key, keyPath);
    mkdirSync(join(n.dir, 'hold'), { recursive: true });
    renameSync(join(n.manifestsDir, 'kube-apiserver.yaml'), join(n.dir, 'hold', 'a.yaml'));
    await until('apiserver stopped', () => n.kubelet.pid('kube-apiserver.yaml') === undefined);
    renameSync(join(n.dir, 'hold', 'a.yaml'), join(n.manifestsDir, 'kube-apiserver.yaml'));
    await until('apiserver on the foreign certificate', () => n.kubelet.pid('kube-apiserver.yaml') !== undefined);
    await new Promise((r) => setTimeout(r, 1000));
    // while the foreign files are in place: the file is not this node's
    const foreignFile = await status(n);
    const problems = comp(foreignFile.s, 'kube-apiserver').problems.join('\n');
    expect(problems).toContain(`${crt} is not signed by ${join(n.certDir, 'ca.crt')}`);
    expect(problems).toContain(`${crt} does not cover this node's address 127.0.0.1`);
    expect(problems).toContain(`${crt} does not cover this node's name cp1`);
    writeFileSync(crt, keep[0]);
    writeFileSync(keyPath, keep[1]);
    const { code, s } = await status(n);
    const api = comp(s, 'kube-apiserver');
    expect(api.verdict).toBe('restart needed');
    expect(api.reasons[0]).toMatch(/serves a certificate \(sha256 [0-9a-f]{16}…, from a CA other than .*ca\.crt\) other than .*apiserver\.crt/);
    expect(code).toBe(5);
    const r = await runCli(['control-plane', 'restart', 'kube-apiserver', '--manifests-dir', n.manifestsDir, '--timeout', '30s']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(comp((await status(n)).s, 'kube-apiserver').verdict).toBe('ok');
  });
});

describe('control-plane status and restart on a hostile node folder (no simulated node needed)', () => {
  const PORTS = { apiserver: 1, etcdClient: 2, etcdPeer: 3, etcdMetrics: 4, controllerManager: 5, scheduler: 6 };

  it('a journal planted by another user in a shared holding folder is refused; nothing lands in the manifests folder', () => {
    const d = tempDir();
    chmodSync(d, 0o755);
    mkdirSync(join(d, 'manifests'));
    mkdirSync(join(d, 'shared'), { mode: 0o1777 });
    chmodSync(join(d, 'shared'), 0o1777);
    const held = join(d, 'shared', 'held');
    const doc = JSON.stringify({ pid: 0, startTicks: 0, startedAt: '', held: [{ manifest: join(d, 'manifests', 'zz-evil.yaml'), held: join(held, 'evil.yaml') }] });
    const plant = spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', 'sh', '-c', `mkdir ${held} && echo 'kind: Pod' > ${held}/evil.yaml && printf '%s' '${doc}' > ${held}/restart.json`]);
    expect(plant.status, plant.stderr.toString()).toBe(0);
    for (const cmd of [['control-plane', 'status'], ['control-plane', 'restart', 'all', '--dry-run'], ['control-plane', 'restart', 'all']]) {
      const r = spawnSync(process.execPath, [BIN, ...cmd, '--manifests-dir', join(d, 'manifests'), '--holding-dir', held], { encoding: 'utf8', timeout: 20_000 });
      expect(r.stderr, cmd.join(' ')).toMatch(/holding folder ".*held" is owned by uid 65534, not by the running user \(uid 0\)/);
      expect(r.stderr).not.toContain('put back');
      expect(r.status).toBe(1);
      expect(readdirSync(join(d, 'manifests'))).toEqual([]);
    }
    // the same journal in a folder of ours is refused too: it names a file that is not <component>.yaml
    const ours = join(d, 'ours');
    mkdirSync(ours, { mode: 0o700 });
    copyFileSync(join(held, 'evil.yaml'), join(ours, 'evil.yaml'));
    writeFileSync(join(ours, 'restart.json'), doc.replaceAll(held, ours));
    const r = spawnSync(process.execPath, [BIN, 'control-plane', 'status', '--manifests-dir', join(d, 'manifests'), '--holding-dir', ours], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toMatch(/names a move other than .*<component>\.yaml.*refusing to recover from it/);
    expect(r.status).toBe(1);
    expect(readdirSync(join(d, 'manifests'))).toEqual([]);
    // a holding folder that is a link into the manifests folder is inside it
    mkdirSync(join(d, 'manifests', 'h'), { mode: 0o700 });
    symlinkSync(join(d, 'manifests', 'h'), join(d, 'link'));
    const l = spawnSync(process.execPath, [BIN, 'control-plane', 'restart', 'all', '--manifests-dir', join(d, 'manifests'), '--holding-dir', join(d, 'link')], { encoding: 'utf8', timeout: 20_000 });
    expect(l.stderr).toContain('is inside the manifests folder');
    expect(l.status).toBe(1);
  });

  it('a FIFO, a device or a huge file in the manifests folder or named by a manifest never hangs status or restart', async () => {
    const d = tempDir();
    const m = join(d, 'manifests');
    mkdirSync(m);
    execFileSync('mkfifo', [join(m, 'x')]);
    const st = spawnSync(process.execPath, [BIN, 'control-plane', 'status', '--manifests-dir', m, '-o', 'json'], { encoding: 'utf8', timeout: 10_000 });
    expect(st.signal, 'status hung on a FIFO').toBe(null);
    expect((JSON.parse(st.stdout) as Status).extraManifests).toEqual([]);
    const rs = spawnSync(process.execPath, [BIN, 'control-plane', 'restart', 'all', '--manifests-dir', m, '--timeout', '1s'], { encoding: 'utf8', timeout: 10_000 });
    expect(rs.signal, 'restart hung on a FIFO').toBe(null);
    expect(rs.stderr).toMatch(/no control-plane manifests/);
    expect(readdirSync(join(d, 'tmp', 'kubecerts-held-manifests'))).toEqual([]);
    // a component's manifest that is a FIFO; a manifest naming /dev/zero as --tls-cert-file; a 2 MiB manifest
    execFileSync('mkfifo', [join(m, 'kube-scheduler.yaml')]);
    writeControlPlaneManifests(join(d, 'real'), { name: 'cp1', dir: d, ports: PORTS });
    writeFileSync(join(m, 'kube-apiserver.yaml'), readFileSync(join(d, 'real', 'kube-apiserver.yaml'), 'utf8').replace(/--tls-cert-file=\S+/, '--tls-cert-file=/dev/zero'));
    writeFileSync(join(m, 'etcd.yaml'), `${readFileSync(join(d, 'real', 'etcd.yaml'), 'utf8')}#${'x'.repeat(2 << 20)}\n`);
    const s2 = spawnSync(process.execPath, [BIN, 'control-plane', 'status', '--manifests-dir', m, '-o', 'json', '--probe-timeout', '200ms'], { encoding: 'utf8', timeout: 20_000 });
    expect(s2.signal, 'status hung on /dev/zero or a FIFO manifest').toBe(null);
    const s = JSON.parse(s2.stdout) as Status;
    expect(comp(s, 'kube-scheduler').reasons.join(' ')).toMatch(/is a FIFO, not a regular file/);
    expect(comp(s, 'etcd').reasons.join(' ')).toMatch(/is larger than 1 MiB/);
    expect(JSON.stringify(comp(s, 'kube-apiserver'))).toMatch(/\/dev\/zero.*is a device, not a regular file/);
  });

  it('restart ends promptly on SIGTERM while it waits, with the manifest back in place', async () => {
    const d = tempDir();
    const m = join(d, 'manifests');
    writeControlPlaneManifests(m, { name: 'cp1', dir: d, ports: PORTS });
    const before = readdirSync(m).sort();
    // nothing runs the manifest, so the restart waits for a new kube-scheduler until SIGTERM
    const child = spawn(process.execPath, [BIN, 'control-plane', 'restart', 'kube-scheduler', '--manifests-dir', m, '--timeout', '60s', '--probe-timeout', '200ms'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await until('waiting for a new process', () => out.includes('waiting until it is healthy'), 20_000);
    const t0 = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(out).toMatch(/interrupted while waiting for kube-scheduler to come back; the manifest is back in place/);
    expect(readdirSync(m).sort()).toEqual(before);
  });
});
