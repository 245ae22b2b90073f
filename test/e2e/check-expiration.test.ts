/** `certs check-expiration` end to end on real trees, under a fixed clock (faketime). */
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { initPki, runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { copyFixture, snapshotTree, tempDir, chownTreeToNobody } from '../helpers/tmp.js';

const HEAD1 = ['CERTIFICATE', 'EXPIRES', 'RESIDUAL TIME', 'CERTIFICATE AUTHORITY'];
const HEAD2 = ['CERTIFICATE AUTHORITY', 'EXPIRES', 'RESIDUAL TIME'];
/** A tabwriter row written out by hand: each cell padded to the given width, then the last cell verbatim. */
const row = (cells: readonly string[], widths: readonly number[], last: string): string =>
  cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('') + last;

function expectedTable(
  certs: readonly (readonly [string, string, string, string] | string)[],
  cas: readonly (readonly [string, string, string] | string)[],
  w1: readonly number[],
  w2: readonly number[],
  yes: (name: string) => boolean = () => false,
): string {
  const yn = (n: string): string => (yes(n) ? 'yes     ' : 'no      ');
  const lines = [row(HEAD1, w1, 'EXTERNALLY MANAGED')];
  for (const c of certs) lines.push(typeof c === 'string' ? row([`!MISSING! ${c}`, '', '', ''], w1, '') : row(c, w1, yn(c[0])));
  lines.push('', row(HEAD2, w2, 'EXTERNALLY MANAGED'));
  for (const c of cas) lines.push(typeof c === 'string' ? row([`!MISSING! ${c}`, '', ''], w2, '') : row(c, w2, yn(c[0])));
  return `${lines.join('\n')}\n`;
}

/** kubeadm's certificate rows and their CAs, in its (byte-wise sorted) order. */
const ROWS = [
  ['admin.conf', 'ca'], ['apiserver', 'ca'], ['apiserver-etcd-client', 'etcd-ca'], ['apiserver-kubelet-client', 'ca'],
  ['controller-manager.conf', 'ca'], ['etcd-healthcheck-client', 'etcd-ca'], ['etcd-peer', 'etcd-ca'], ['etcd-server', 'etcd-ca'],
  ['front-proxy-client', 'front-proxy-ca'], ['scheduler.conf', 'ca'], ['super-admin.conf', 'ca'],
] as const;
const rowsAt = (date: string, residual: string, missing: readonly string[] = []) =>
  ROWS.map(([n, ca]) => (missing.includes(n) ? n : ([n, date, residual, ca] as const)));
const casAt = (date: string, residual: string) => ['ca', 'etcd-ca', 'front-proxy-ca'].map((n) => [n, date, residual] as const);

const check = (k8s: string, extra: string[] = [], faketime: string | null = '2026-01-10 10:00:00') =>
  runCli(['certs', 'check-expiration', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s, ...extra], faketime ? { faketime } : {});

describe('check-expiration on the real kubeadm trees', () => {
  it('v1.29: every leaf <invalid>, CAs 8y, byte-identical to kubeadm', async () => {
    const k8s = copyFixture('v1.29');
    const r = await check(k8s);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      expectedTable(
        rowsAt('Feb 03, 2025 07:54 UTC', '<invalid>'),
        casAt('Feb 01, 2034 07:54 UTC', '8y'),
        [27, 25, 16, 24],
        [24, 25, 16],
      ),
    );
  });

  it('v1.16: no super-admin.conf, so a MISSING row widens the first column; CAs 3y', async () => {
    const k8s = copyFixture('v1.16');
    const r = await check(k8s);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      expectedTable(
        rowsAt('Dec 25, 2020 04:06 UTC', '<invalid>', ['super-admin.conf']),
        casAt('Dec 23, 2029 04:06 UTC', '3y'),
        [29, 25, 16, 24],
        [24, 25, 16],
      ),
    );
  });

  it('-o json on v1.16: kubeadm fields, negative residualTime, null date for the missing file', async () => {
    const r = await check(copyFixture('v1.16'), ['-o', 'json']);
    expect(r.code).toBe(0);
    const o = JSON.parse(r.stdout) as { kind: string; apiVersion: string; certificates: Record<string, unknown>[]; certificateAuthorities: Record<string, unknown>[] };
    expect(Object.keys(o)).toEqual(['kind', 'apiVersion', 'certificates', 'certificateAuthorities']);
    expect(o.apiVersion).toBe('output.kubeadm.k8s.io/v1alpha3');
    expect(o.certificates[1]).toEqual({ name: 'apiserver', expirationDate: '2020-12-25T04:06:03Z', residualTime: expect.any(Number), externallyManaged: false, caName: 'ca', missing: false });
    expect(o.certificates[1]?.['residualTime']).toBeLessThan(-1e8);
    expect(o.certificates[10]).toEqual({ name: 'super-admin.conf', expirationDate: null, residualTime: 0, externallyManaged: false, missing: true });
    expect(r.stdout.split('\n')[1]).toBe('    "kind": "CertificateExpirationInfo",');
  });

  it('-o yaml on v1.29 starts with kubeadm\'s sorted keys', async () => {
    const r = await check(copyFixture('v1.29'), ['-o', 'yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('apiVersion: output.kubeadm.k8s.io/v1alpha3\ncertificateAuthorities:\n- expirationDate: "2034-02-01T07:54:33Z"\n  externallyManaged: false\n  missing: false\n  name: ca\n  residualTime: ')).toBe(true);
    expect(r.stdout.endsWith('  name: super-admin.conf\n  residualTime: -29729965\nkind: CertificateExpirationInfo\n') || /residualTime: -\d+\nkind: CertificateExpirationInfo\n$/.test(r.stdout)).toBe(true);
  });
});

describe('check-expiration on PKIs kubecerts wrote', () => {
  let rsa = '';
  let ecdsa = '';
  beforeAll(async () => {
    rsa = tempDir();
    ecdsa = tempDir();
    await initPki(rsa, { algorithm: 'RSA-2048', faketime: '2025-06-01 10:00:00' });
    await initPki(ecdsa, { algorithm: 'ECDSA-P384', faketime: '2025-06-01 10:00:00' });
  });

  const freshTable = (yes: (n: string) => boolean = () => false): string =>
    expectedTable(
      rowsAt('Jun 01, 2026 10:00 UTC', '364d'),
      casAt('May 30, 2035 10:00 UTC', '9y'),
      [27, 25, 16, 24],
      [24, 25, 16],
      yes,
    );

  it.each(['RSA', 'ECDSA'])('fresh %s PKI: 364d and 9y', async (kind) => {
    const r = await check(kind === 'RSA' ? rsa : ecdsa, [], '2025-06-01 10:00:05');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(freshTable());
  });

  it('external CA (ca.key removed): rows signed by ca say yes, others no', async () => {
    const dir = tempDir();
    await initPki(dir, { faketime: '2025-06-01 10:00:00' });
    rmSync(join(dir, 'pki', 'ca.key'));
    const r = await check(dir, [], '2025-06-01 10:00:05');
    expect(r.code).toBe(0);
    const caSigned = new Set(['admin.conf', 'apiserver', 'apiserver-kubelet-client', 'controller-manager.conf', 'scheduler.conf', 'super-admin.conf', 'ca']);
    expect(r.stdout).toBe(freshTable((n) => caSigned.has(n)));
  });

  it('partial tree: MISSING rows for absent files, a directory counts as absent', async () => {
    const dir = tempDir();
    await initPki(dir, { faketime: '2025-06-01 10:00:00' });
    rmSync(join(dir, 'super-admin.conf'));
    rmSync(join(dir, 'pki', 'apiserver.crt'));
    mkdirSync(join(dir, 'pki', 'apiserver.crt'));
    const r = await check(dir, [], '2025-06-01 10:00:05');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[2]).toBe('!MISSING! apiserver'.padEnd(29 + 25 + 16 + 24));
    expect(lines[11]).toBe('!MISSING! super-admin.conf'.padEnd(29 + 25 + 16 + 24));
    expect(lines[1]).toBe(row(['admin.conf', 'Jun 01, 2026 10:00 UTC', '364d', 'ca'], [29, 25, 16, 24], 'no      '));
  });

  it('--fail-within: exit 0 outside the window, 3 inside it, with the report printed either way', async () => {
    const ok = await check(rsa, ['--fail-within', '30d'], '2025-06-01 10:00:05');
    expect(ok.code).toBe(0);
    const soon = await check(rsa, ['--fail-within', '9000h'], '2025-06-01 10:00:05');
    expect(soon.code).toBe(3);
    expect(soon.stdout).toBe(freshTable());
    expect(soon.stderr).toContain('11 certificate(s) expire within 9000h: admin.conf, apiserver,');
    const ca = await check(rsa, ['--fail-within', '3651d'], '2025-06-01 10:00:05');
    expect(ca.stderr).toContain('14 certificate(s)');
    expect(ca.code).toBe(3);
  });

  it('--fail-within: expired certificates trigger it; a missing super-admin.conf does not', async () => {
    expect((await check(copyFixture('v1.29'), ['--fail-within', '1h'])).code).toBe(3);
    // v1.16 in 2020, when all its certificates were still valid; super-admin.conf is missing
    const r = await check(copyFixture('v1.16'), ['--fail-within', '720h', '-o', 'json'], '2020-06-01 00:00:00');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"missing": true');
  });

  it('--fail-within: no PKI at all (a mistyped --cert-dir) exits 3 naming the missing ca.crt; without the flag, 0 as kubeadm', async () => {
    const empty = tempDir();
    const r = await check(empty, ['--fail-within', '30d']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^!MISSING! ca +$/m);
    expect(r.stderr).toContain(`no PKI in ${join(empty, 'pki')}: the cluster CA certificate ${join(empty, 'pki', 'ca.crt')} does not exist`);
    expect((await check(empty)).code).toBe(0);
    // only --cert-dir mistyped, the kubeconfigs there: kubeadm's external-CA check fails first (exit 1 without the
    // flag, as kubeadm); with --fail-within it is still "no PKI", exit 3
    const real = tempDir();
    await initPki(real);
    const typo = join(tempDir(), 'nonexistent');
    const both = (extra: string[]) => runCli(['certs', 'check-expiration', '--cert-dir', typo, '--kubeconfig-dir', real, ...extra]);
    const kubeadmLike = await both([]);
    expect(kubeadmLike.code).toBe(1);
    expect(kubeadmLike.stderr).toMatch(/^error: Error checking external CA condition for ca certificate authority: /);
    const monitored = await both(['--fail-within', '30d']);
    expect(monitored.code).toBe(3);
    expect(monitored.stderr).toBe(`no PKI in ${typo}: the cluster CA certificate ${join(typo, 'ca.crt')} does not exist\n`);
    // only the cluster CA decides: a missing front-proxy CA keeps kubeadm's behaviour
    const k8s = tempDir();
    await initPki(k8s);
    rmSync(join(k8s, 'pki', 'front-proxy-ca.crt'));
    rmSync(join(k8s, 'pki', 'front-proxy-client.crt'));
    const partial = await check(k8s, ['--fail-within', '30d'], null);
    expect(partial.code, partial.stderr).toBe(0);
  });

  it('-o wide (not a TTY): plain columns with key, serial, NotBefore and path', async () => {
    const r = await check(ecdsa, ['-o', 'wide'], '2025-06-01 10:00:05');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\u001b[');
    const apiserver = r.stdout.split('\n').find((l) => l.startsWith('apiserver '));
    expect(apiserver).toMatch(/^apiserver +Jun 01, 2026 10:00 UTC +364d +ca +no +ECDSA-P384 +[0-9A-F]+ +Jun 01, 2025 09:55 UTC +\S+\/pki\/apiserver\.crt$/);
    expect(r.stdout.split('\n')[0]).toMatch(/^CERTIFICATE +EXPIRES +RESIDUAL TIME +CERTIFICATE AUTHORITY +EXTERNALLY MANAGED +KEY +SERIAL +NOT BEFORE +PATH$/);
  });
});

describe('check-expiration failures (kubeadm wording, exit 1, no table)', () => {
  const fresh = async (): Promise<string> => {
    const dir = tempDir();
    await initPki(dir);
    return dir;
  };

  it('a missing CA while its leaves exist aborts the command', async () => {
    const dir = await fresh();
    rmSync(join(dir, 'pki', 'ca.crt'));
    const before = snapshotTree(dir);
    const r = await check(dir, [], null);
    const p = join(dir, 'pki', 'ca.crt');
    expect(r.stderr).toBe(
      `error: Error checking external CA condition for ca certificate authority: failure loading certificate for CA: couldn't load the certificate file ${p}: open ${p}: no such file or directory\n`,
    );
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
    expect(snapshotTree(dir)).toEqual(before);
  });

  it.each([
    ['corrupt PEM in a leaf', 'pki/apiserver.crt', 'not a certificate\n', (p: string) => `failed to load existing certificate apiserver: error reading ${p}: data does not contain any valid RSA or ECDSA certificates`],
    ['garbage DER inside a CERTIFICATE block', 'pki/etcd/peer.crt', '-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n', (p: string) => `failed to load existing certificate etcd/peer: error reading ${p}: x509: malformed certificate`],
    ['corrupt CA', 'pki/front-proxy-ca.crt', '-----BEGIN CERTIFICATE-----\n!!!\n', (p: string) => `Error checking external CA condition for front-proxy-ca certificate authority: failure loading certificate for front-proxy CA: couldn't load the certificate file ${p}: error reading ${p}: data does not contain any valid RSA or ECDSA certificates`],
    ['a kubeconfig without an embedded client certificate', 'scheduler.conf', 'apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\nclusters:\n- name: k\n  cluster: {server: "https://x", certificate-authority-data: "eA=="}\nusers:\n- name: u\n  user: {client-certificate: /tmp/x.pem}\n', (p: string) => `kubeConfig file ${p} does not have an embedded client certificate`],
    ['a kubeconfig whose current-context names a missing context', 'admin.conf', 'apiVersion: v1\nkind: Config\ncurrent-context: gone\ncontexts: []\nclusters: []\nusers: []\n', (p: string) => `invalid kubeConfig file ${p}: missing context gone`],
    ['a kubeconfig that is not YAML', 'controller-manager.conf', 'a: [unclosed\n', (p: string) => `failed to load kubeConfig file ${p}: unexpected end of the stream within a flow collection (2:1)`],
  ])('%s', async (_name, file, content, message) => {
    const dir = await fresh();
    const p = join(dir, file);
    writeFileSync(p, content);
    const before = snapshotTree(dir);
    const r = await check(dir, [], null);
    expect(r.stderr).toBe(`error: ${message(p)}\n`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
    expect(snapshotTree(dir)).toEqual(before);
  });

  it('a CA certificate path that is a directory', async () => {
    const dir = await fresh();
    const p = join(dir, 'pki', 'etcd', 'ca.crt');
    rmSync(p);
    mkdirSync(p);
    const r = await check(dir, [], null);
    expect(r.stderr).toBe(`error: Error checking external CA condition for etcd/ca certificate authority: failure loading certificate for etcd CA: couldn't load the certificate file ${p}: read ${p}: is a directory\n`);
    expect(r.code).toBe(1);
  });

  it('a file without read permission (run unprivileged)', async () => {
    const dir = await fresh();
    chownTreeToNobody(dir);
    const p = join(dir, 'pki', 'apiserver-kubelet-client.crt');
    chmodSync(p, 0o000);
    const r = await runCli(['certs', 'check-expiration', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir], { unprivileged: true });
    expect(r.stderr).toBe(`error: failed to load existing certificate apiserver-kubelet-client: open ${p}: permission denied\n`);
    expect(r.code).toBe(1);
  });
});

describe('-o prometheus', () => {
  it('passes promtool and is scraped by a real node_exporter; a broken file becomes a gauge, not a failure', async () => {
    const dir = tempDir();
    await initPki(dir);
    writeFileSync(join(dir, 'pki', 'etcd', 'peer.crt'), 'garbage');
    rmSync(join(dir, 'super-admin.conf'));
    const textDir = join(dir, 'textfile');
    mkdirSync(textDir);
    const prom = join(textDir, 'kubecerts.prom');
    const r = await runCli(['certs', 'check-expiration', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '-o', 'prometheus', '--output-file', prom]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const text = readFileSync(prom, 'utf8');
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${lint.stdout}${lint.stderr}`).toBe('');
    expect(lint.status).toBe(0);

    const port = await freePort();
    const exporter = spawn('prometheus-node-exporter', [
      `--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${textDir}`,
    ], { stdio: 'ignore' });
    try {
      let body = '';
      for (let i = 0; i < 50 && !body.includes('kubecerts_'); i++) {
        await new Promise((res) => setTimeout(res, 200));
        body = await fetch(`http://127.0.0.1:${port}/metrics`).then((x) => x.text(), () => '');
      }
      const apiserverCrt = join(dir, 'pki', 'apiserver.crt');
      const notAfter = Math.floor(Date.parse(execFileSync('openssl', ['x509', '-in', apiserverCrt, '-noout', '-enddate'], { encoding: 'utf8' }).trim().replace('notAfter=', '')) / 1000);
      // node_exporter sorts labels and may print large values in exponent form
      const sample = body.split('\n').find((l) => l.startsWith('kubecerts_certificate_expiration_timestamp_seconds{') && l.includes('name="apiserver"'));
      expect(sample).toBeDefined();
      expect(Number(sample!.split(' ').pop())).toBe(notAfter);
      expect(body).toMatch(/kubecerts_certificate_missing\{ca="ca",name="super-admin.conf",path="[^"]+",type="kubeconfig"\} 1/);
      expect(body).toMatch(/kubecerts_certificate_unreadable\{ca="etcd-ca",name="etcd-peer",path="[^"]+",type="certificate"\} 1/);
      expect(body).toMatch(/kubecerts_certificate_expiration_timestamp_seconds\{ca="",name="front-proxy-ca",path="[^"]+",type="ca"\}/);
    } finally {
      exporter.kill('SIGTERM');
    }
  });
});

describe('--include-kubelet', () => {
  it('adds the kubelet client (through the symlink), serving and kubelet.conf rows', async () => {
    const dir = tempDir();
    await initPki(dir, { faketime: '2025-06-01 10:00:00' });
    const kubelet = join(dir, 'kubelet-pki');
    mkdirSync(kubelet);
    const sh = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
    // a kubelet-style client certificate signed by ca, and a self-signed serving certificate
    sh(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(kubelet, 'k.key'), '-subj', '/O=system:nodes/CN=system:node:cp1', '-out', join(kubelet, 'k.csr')]);
    sh(['x509', '-req', '-in', join(kubelet, 'k.csr'), '-CA', join(dir, 'pki', 'ca.crt'), '-CAkey', join(dir, 'pki', 'ca.key'), '-set_serial', '7', '-days', '30', '-out', join(kubelet, 'k.crt')]);
    const rotated = join(kubelet, 'kubelet-client-2025-06-01-10-00-00.pem');
    writeFileSync(rotated, readFileSync(join(kubelet, 'k.crt'), 'utf8') + readFileSync(join(kubelet, 'k.key'), 'utf8'));
    symlinkSync(rotated, join(kubelet, 'kubelet-client-current.pem'));
    sh(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(kubelet, 'kubelet.key'), '-subj', '/CN=cp1@123', '-days', '365', '-out', join(kubelet, 'kubelet.crt')]);
    const r = await runCli(['certs', 'check-expiration', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '--include-kubelet', '--kubelet-dir', kubelet, '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const o = JSON.parse(r.stdout) as { certificates: { name: string; residualTime: number; missing: boolean; caName?: string }[] };
    const byName = new Map(o.certificates.map((c) => [c.name, c]));
    expect(byName.get('kubelet-client')?.residualTime).toBeGreaterThan(29 * 86400);
    expect(byName.get('kubelet-client')?.residualTime).toBeLessThanOrEqual(30 * 86400);
    expect(byName.get('kubelet-serving')?.missing).toBe(false);
    expect(byName.get('kubelet.conf')?.caName).toBe('ca');
    expect(o.certificates).toHaveLength(14);
    const wide = await runCli(['certs', 'check-expiration', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '--include-kubelet', '--kubelet-dir', kubelet, '-o', 'wide']);
    expect(wide.stdout).toContain(rotated);

    // a kubelet.conf that references the rotating file, as kubeadm writes it after TLS bootstrap
    const conf = readFileSync(join(dir, 'kubelet.conf'), 'utf8')
      .replace(/client-certificate-data: \S+/, `client-certificate: ${join(kubelet, 'kubelet-client-current.pem')}`)
      .replace(/client-key-data: \S+/, `client-key: ${join(kubelet, 'kubelet-client-current.pem')}`);
    writeFileSync(join(dir, 'kubelet.conf'), conf);
    const ref = await runCli(['certs', 'check-expiration', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '--include-kubelet', '--kubelet-dir', kubelet, '-o', 'json']);
    expect(ref.code).toBe(0);
    const refRows = (JSON.parse(ref.stdout) as { certificates: { name: string; residualTime: number }[] }).certificates;
    expect(refRows.find((c) => c.name === 'kubelet.conf')?.residualTime).toBe(refRows.find((c) => c.name === 'kubelet-client')?.residualTime);
  });
});

describe('expired CAs', () => {
  it('warn on stderr (once per CA) and show <invalid>, exit 0', async () => {
    const r = await check(copyFixture('v1.16'), [], '2030-06-01 00:00:00');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\nca                      Dec 23, 2029 04:06 UTC   <invalid>       no      \n');
    expect(r.stderr).toContain('WARNING: could not validate bounds for certificate CA: the certificate has expired: NotBefore: 2019-12-26 04:06:03 +0000 UTC, NotAfter: 2029-12-23 04:06:03 +0000 UTC\n');
    expect(r.stderr.match(/certificate CA:/g)).toHaveLength(1);
  });
});
