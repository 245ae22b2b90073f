/**
 * The fleet view: check-expiration's --add-node-info field (kubeadm's fields unchanged), `fleet report` over 200
 * generated node reports with missing, expired and unreadable entries and foreign files, and `fleet scan` reading the
 * served chains of a real etcd and a local HTTPS server.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttps, type Server } from 'node:https';
import { createServer as createTcp } from 'node:net';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initPki, runCli } from '../helpers/cli.js';
import { startEtcd, type RunningEtcd } from '../helpers/etcd.js';
import { freePort } from '../helpers/net.js';
import { x509Field } from '../helpers/openssl.js';
import { tempDir } from '../helpers/tmp.js';

const DAY = 86_400_000;

describe('check-expiration --add-node-info', () => {
  it('adds a kubecerts object after kubeadm\'s fields and leaves them byte for byte as they were', async () => {
    const dir = tempDir();
    await initPki(dir, { node: 'cp-7' });
    const base = ['certs', 'check-expiration', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir];
    for (const format of ['json', 'yaml']) {
      const plain = await runCli([...base, '-o', format]);
      const added = await runCli([...base, '-o', format, '--add-node-info']);
      expect(added.code, added.stderr).toBe(0);
      // kubeadm's text is a prefix of the new one (JSON up to the closing brace, YAML whole: kubecerts sorts last),
      // byte for byte but for residualTime, which ticks between the two runs
      const tick = (t: string): string => t.replace(/("?residualTime"?: )\d+/g, '$1N');
      expect(tick(added.stdout).startsWith(tick(format === 'json' ? plain.stdout.slice(0, -3) : plain.stdout)), added.stdout).toBe(true);
      const a = (format === 'json' ? JSON.parse(added.stdout) : yaml.load(added.stdout)) as Record<string, any>;
      const p = (format === 'json' ? JSON.parse(plain.stdout) : yaml.load(plain.stdout)) as Record<string, any>;
      const { kubecerts, ...kubeadm } = a;
      expect(Object.keys(kubeadm)).toEqual(Object.keys(p));
      expect(Object.keys(a).at(-1)).toBe('kubecerts');
      expect(Object.keys(kubecerts)).toEqual(format === 'json' ? ['nodeName', 'hostname', 'checkTime'] : ['checkTime', 'hostname', 'nodeName']);
      expect(typeof kubecerts.hostname).toBe('string');
      expect(Math.abs(Date.parse(kubecerts.checkTime) - Date.now())).toBeLessThan(60_000);
    }
    const r = await runCli([...base, '--add-node-info']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--add-node-info needs -o json or -o yaml');
  });
});

interface Entry { name: string; expirationDate: string | null; residualTime: number; externallyManaged: boolean; caName?: string; missing: boolean }

describe('fleet report', () => {
  let dir: string;
  let template: { certificates: Entry[]; certificateAuthorities: Entry[] };
  const now = Date.now();
  const expected: { node: string; name: string; date: number | null }[] = [];
  beforeAll(async () => {
    const pki = tempDir();
    await initPki(pki, { node: 'template' });
    const r = await runCli(['certs', 'check-expiration', '--cert-dir', join(pki, 'pki'), '--kubeconfig-dir', pki, '-o', 'json', '--add-node-info']);
    template = JSON.parse(r.stdout);
    dir = join(tempDir(), 'reports');
    mkdirSync(dir);
    for (let i = 0; i < 200; i++) {
      const node = `node-${String(i).padStart(3, '0')}`;
      // nodes 0..9 have certificates that expired i+1 days ago; the others expire in 2..~400 days
      const shift = (j: number): number => (i < 10 ? -(i + 1) * DAY - j * 60_000 : ((i * 37) % 400 + 2) * DAY + j * 60_000);
      const entry = (e: Entry, j: number, kind: string): Entry => {
        if (i % 25 === 3 && j === 0 && kind === 'cert') {
          expected.push({ node, name: e.name, date: null });
          return { name: e.name, expirationDate: null, residualTime: 0, externallyManaged: false, missing: true };
        }
        const date = new Date(now + shift(j) + (kind === 'ca' ? 3650 * DAY : 0));
        expected.push({ node, name: e.name, date: date.getTime() });
        return { ...e, expirationDate: date.toISOString().replace(/\.\d+Z$/, 'Z'), residualTime: Math.floor((date.getTime() - now) / 1000) };
      };
      const doc: Record<string, unknown> = {
        kind: 'CertificateExpirationInfo', apiVersion: 'output.kubeadm.k8s.io/v1alpha3',
        certificates: template.certificates.map((e, j) => entry(e, j, 'cert')),
        certificateAuthorities: template.certificateAuthorities.map((e, j) => entry(e, j, 'ca')),
      };
      // every 7th report is kubeadm's own output, without the kubecerts object: named after its file
      if (i % 7 !== 0) doc['kubecerts'] = { nodeName: node, hostname: `${node}.example`, checkTime: new Date(now).toISOString() };
      writeFileSync(join(dir, `${node}.json`), JSON.stringify(doc, null, 4));
    }
    writeFileSync(join(dir, 'truncated.json'), '{"kind": "CertificateExpirationInfo", "certificates": [');
    writeFileSync(join(dir, 'pod.json'), JSON.stringify({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'x' } }));
    writeFileSync(join(dir, 'bad-entry.json'), JSON.stringify({ kind: 'CertificateExpirationInfo', apiVersion: 'output.kubeadm.k8s.io/v1alpha3', certificates: [{ name: 'apiserver', expirationDate: 'soon', missing: false }] }));
    mkdirSync(join(dir, 'a-folder.json'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling.json'));
    writeFileSync(join(dir, 'notes.txt'), 'not a report and not *.json: ignored');
  });

  it('merges 200 nodes sorted by residual time, with totals, and names every bad file; exit 1 for the bad files', async () => {
    const r = await runCli(['fleet', 'report', dir, '-o', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { totals: Record<string, number>; certificates: { node: string; host: string; name: string; expirationDate: string | null; residualTime: number; missing: boolean }[]; unreadable: { file: string; error: string }[] };
    const order = [...expected].sort((a, b) => (a.date === null) !== (b.date === null) ? (a.date === null ? 1 : -1) : (a.date ?? 0) - (b.date ?? 0) || (a.node < b.node ? -1 : 1));
    expect(out.certificates.map((c) => `${c.node}/${c.name}`)).toEqual(order.map((e) => `${e.node}/${e.name}`));
    const residuals = out.certificates.filter((c) => !c.missing).map((c) => c.residualTime);
    expect(residuals).toEqual([...residuals].sort((a, b) => a - b));
    expect(out.totals).toEqual({
      nodes: 200, certificates: expected.length,
      expired: expected.filter((e) => e.date !== null && e.date <= now).length,
      expiring: 0,
      missing: expected.filter((e) => e.date === null).length,
      badFiles: 5,
    });
    expect(out.totals['expired']).toBe(10 * template.certificates.length - 1);
    expect(out.unreadable.map((u) => u.file.split('/').pop()).sort()).toEqual(['a-folder.json', 'bad-entry.json', 'dangling.json', 'pod.json', 'truncated.json']);
    expect(out.unreadable.find((u) => u.file.endsWith('pod.json'))?.error).toMatch(/not a check-expiration report \(kind "Pod"/);
    expect(out.unreadable.find((u) => u.file.endsWith('bad-entry.json'))?.error).toContain('expirationDate is not an RFC 3339 time');
    for (const f of ['a-folder.json', 'dangling.json', 'truncated.json']) expect(r.stderr).toContain(f);
    // the kubecerts object names node and host; a plain kubeadm report is named after its file
    expect(out.certificates.find((c) => c.node === 'node-001')?.host).toBe('node-001.example');
    expect(out.certificates.find((c) => c.node === 'node-007')?.host).toBe('');
    const y = await runCli(['fleet', 'report', dir, '-o', 'yaml']);
    expect(yaml.load(y.stdout)).toMatchObject({ totals: out.totals });
  });

  it('the table: expired first, missing last, totals line; exit 3 for expired, 0 when all is well, 3 within --fail-within', async () => {
    const files = Array.from({ length: 200 }, (_, i) => join(dir, `node-${String(i).padStart(3, '0')}.json`));
    const r = await runCli(['fleet', 'report', ...files]);
    expect(r.code, r.stderr).toBe(3);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^NODE\s+HOST\s+NAME\s+TYPE\s+EXPIRES\s+RESIDUAL TIME\s+CA\s+STATUS$/);
    expect(lines[1]).toMatch(/^node-009\s/);
    expect(lines[1]).toMatch(/\sexpired\s.*EXPIRED$/);
    expect(r.stdout).toMatch(/\n200 node\(s\), \d+ certificate\(s\) and CA\(s\): 109 expired, 0 expiring within the window, 8 missing; 0 unreadable report file\(s\)\n$/);
    const healthy = files.slice(10).filter((_, i) => (i + 10) % 25 !== 3);
    const ok = await runCli(['fleet', 'report', ...healthy]);
    expect(ok.code, ok.stderr).toBe(0);
    const within = await runCli(['fleet', 'report', ...healthy, '--fail-within', '30d']);
    expect(within.code).toBe(3);
    expect(within.stdout).toMatch(/: 0 expired, [1-9]\d* expiring within the window/);
  });

  it('nothing to read is not a healthy fleet: an empty folder exits 1 naming it; one node name in two files is said once', async () => {
    const empty = join(tempDir(), 'none');
    mkdirSync(empty);
    const r = await runCli(['fleet', 'report', empty, '--fail-within', '30d']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${empty}: no check-expiration report found (no *.json file)\n`);
    // one empty folder beside a good one still fails
    const mixed = await runCli(['fleet', 'report', join(dir, 'node-050.json'), empty]);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain(`error: ${empty}: no check-expiration report found`);
    const twice = join(tempDir(), 'twice');
    mkdirSync(twice);
    copyFileSync(join(dir, 'node-050.json'), join(twice, 'a.json'));
    copyFileSync(join(dir, 'node-050.json'), join(twice, 'b.json'));
    const d = await runCli(['fleet', 'report', twice]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stderr).toBe(`warning: node "node-050" is named by 2 reports (${join(twice, 'a.json')}, ${join(twice, 'b.json')}): their rows are shown under one node\n`);
    // a JSON document without kind or apiVersion says so, not "undefined"
    writeFileSync(join(twice, 'c.json'), '{"items": []}');
    const c = await runCli(['fleet', 'report', join(twice, 'c.json')]);
    expect(c.stderr).toContain('not a check-expiration report (kind none, apiVersion none;');
  });
});

describe('fleet scan', () => {
  let etcd: RunningEtcd;
  let https: Server;
  let httpsPort: number;
  let pki: string;
  let silentPorts: number[];
  const silent: ReturnType<typeof createTcp>[] = [];
  beforeAll(async () => {
    pki = tempDir();
    await initPki(pki, { node: 'scan' });
    etcd = await startEtcd(join(pki, 'pki'), join(pki, 'etcd-data'));
    const f = (n: string): string => readFileSync(join(pki, 'pki', n), 'utf8');
    // the API server certificate served with its CA as a chain
    https = createHttps({ cert: f('apiserver.crt') + f('ca.crt'), key: f('apiserver.key') }, (_q, s) => s.end('ok'));
    httpsPort = await freePort();
    await new Promise<void>((r) => https.listen(httpsPort, '127.0.0.1', () => r()));
    silentPorts = [];
    for (let i = 0; i < 20; i++) {
      const s = createTcp(() => undefined);
      const p = await freePort();
      await new Promise<void>((r) => s.listen(p, '127.0.0.1', () => r()));
      silent.push(s);
      silentPorts.push(p);
    }
  });
  afterAll(async () => {
    await etcd?.stop();
    https?.close();
    for (const s of silent) s.close();
  });

  it('reads the served chains of a real etcd and an HTTPS server: subject, issuer and expiry as openssl reads the files', async () => {
    const etcdPort = new URL(etcd.clientUrl).port;
    const closed = await freePort();
    const r = await runCli(['fleet', 'scan', `127.0.0.1:${etcdPort}`, `127.0.0.1:${httpsPort}`, `127.0.0.1:${closed}`, '-o', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { endpoints: { endpoint: string; error?: string; chain: { subject: string; issuer: string; notAfter: string; sha256: string }[] }[] };
    const [e, h, c] = out.endpoints as [any, any, any];
    const pem = (n: string): string => readFileSync(join(pki, 'pki', n), 'utf8');
    const endDate = (n: string): number => Date.parse(x509Field(pem(n), '-enddate').replace('notAfter=', ''));
    expect(e.error).toBeUndefined();
    expect(e.chain[0].subject).toBe('CN=scan');
    expect(e.chain[0].issuer).toBe('CN=etcd-ca');
    expect(Date.parse(e.chain[0].notAfter)).toBe(endDate('etcd/server.crt'));
    expect(e.chain[0].sha256.replace(/:/g, '')).toBe(x509Field(pem('etcd/server.crt'), '-fingerprint', '-sha256').split('=')[1]?.replace(/:/g, ''));
    expect(h.chain.map((x: any) => x.subject)).toEqual(['CN=kube-apiserver', 'CN=kubernetes']);
    expect(h.chain[1].issuer).toBe('CN=kubernetes');
    expect(Date.parse(h.chain[0].notAfter)).toBe(endDate('apiserver.crt'));
    expect(Date.parse(h.chain[1].notAfter)).toBe(endDate('ca.crt'));
    expect(c).toMatchObject({ error: 'connection refused', chain: [] });
    const text = await runCli(['fleet', 'scan', `127.0.0.1:${httpsPort}`]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ENDPOINT\s+SUBJECT\s+ISSUER\s+EXPIRES\s+RESIDUAL TIME\s+CHAIN\s+ERROR\n127\.0\.0\.1:\d+\s+CN=kube-apiserver\s+CN=kubernetes\s+\w{3} \d\d, \d{4} \d\d:\d\d UTC\s+364d\s+2\s*\n$/);
    expect((await runCli(['fleet', 'scan', `127.0.0.1:${httpsPort}`, '--fail-within', '400d'])).code).toBe(3);
    expect((await runCli(['fleet', 'scan', 'no-port'])).code).toBe(2);
  });

  it('handshakes run in parallel under one timeout each: 20 silent endpoints do not take 20 timeouts', async () => {
    const t = Date.now();
    const r = await runCli(['fleet', 'scan', ...silentPorts.map((p) => `127.0.0.1:${p}`), '--timeout', '1s', '-o', 'json']);
    const took = Date.now() - t;
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { endpoints: { error?: string }[] };
    expect(out.endpoints.every((x) => x.error === 'timed out after 1000 ms')).toBe(true);
    expect(took).toBeLessThan(10_000);
    const serial = Date.now();
    await runCli(['fleet', 'scan', ...silentPorts.slice(0, 4).map((p) => `127.0.0.1:${p}`), '--timeout', '1s', '--parallel', '1']);
    expect(Date.now() - serial).toBeGreaterThanOrEqual(4000);
  });
});

describe('fleet report and scan on hostile input: nothing from a report, a file name or an endpoint drives the terminal', () => {
  // what a raw control character would do: clear the screen, go back to the line start, ring, set the title, CSI, bidi
  const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
  const report = (certs: object[], kubecerts?: object): string =>
    JSON.stringify({ kind: 'CertificateExpirationInfo', apiVersion: 'output.kubeadm.k8s.io/v1alpha3', certificates: certs, certificateAuthorities: [], ...(kubecerts ? { kubecerts } : {}) });
  const cert = (name: string, caName: string, date: string | null): object => ({ name, expirationDate: date, residualTime: 0, externallyManaged: false, caName, missing: date === null });

  it('node, host, names, CA names, file names and reasons are escaped in the table and on stderr; JSON keeps them as written', async () => {
    const dir = join(tempDir(), 'hostile');
    mkdirSync(dir);
    const nodeName = 'evil\u001b[2J\rnode';
    const hostname = 'h\nFAKE-NODE   FAKE-HOST';
    writeFileSync(join(dir, 'a.json'), report([cert('api\u0007server', 'ca\u001b]0;pwned\u0007', '2099-01-01T00:00:00Z'), cert('x\u009b2J', '\u202eac', null)], { nodeName, hostname }));
    const badName = 'bad\nunreadable report forged.json\u001b[31m.json';
    writeFileSync(join(dir, badName), '{"kind": ');
    const secret = join(tempDir(), 'shadow');
    writeFileSync(secret, 'root:*:20221:0:99999:7:::\n');
    symlinkSync(secret, join(dir, 'x.json'));
    const r = await runCli(['fleet', 'report', dir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stderr).not.toMatch(RAW);
    const lines = r.stdout.split('\n');
    // header, two rows, blank, two unreadable files, blank, totals, final newline
    expect(lines.length, r.stdout).toBe(9);
    expect(lines[1]).toMatch(/^evil\\x1b\[2J\\rnode\s+h\\nFAKE-NODE   FAKE-HOST\s+api\\x07server\s+certificate\s.*ca\\x1b\]0;pwned\\x07$/);
    expect(lines[2]).toMatch(/^evil\\x1b\[2J\\rnode\s+h\\nFAKE-NODE   FAKE-HOST\s+x\\u009b2J\s+certificate\s+-\s+-\s+\\u202eac\s+missing$/);
    expect(r.stdout).toContain(`unreadable report ${join(dir, 'bad\\nunreadable report forged.json\\x1b[31m.json')}: not valid JSON (at byte 9)`);
    expect(r.stderr).toContain(`error: ${join(dir, 'bad\\nunreadable report forged.json\\x1b[31m.json')}: not valid JSON (at byte 9)\n`);
    // a link to a secret file: the reason says where JSON breaks, never what the file holds
    expect(r.stderr).toContain(`error: ${join(dir, 'x.json')}: not valid JSON\n`);
    expect(r.stdout + r.stderr).not.toContain('root:');
    const j = await runCli(['fleet', 'report', dir, '-o', 'json']);
    const out = JSON.parse(j.stdout) as { certificates: { node: string; host: string; name: string; caName: string }[]; unreadable: { file: string }[] };
    expect(out.certificates.map((c) => [c.node, c.host, c.name, c.caName])).toEqual([[nodeName, hostname, 'api\u0007server', 'ca\u001b]0;pwned\u0007'], [nodeName, hostname, 'x\u009b2J', '\u202eac']]);
    expect(out.unreadable.map((u) => u.file)).toContain(join(dir, badName));
  });

  it('a loose or zone-less expirationDate is a bad entry, named by its file', async () => {
    const dir = join(tempDir(), 'dates');
    mkdirSync(dir);
    for (const [i, date] of ['1', 'March 7 2099', '2099-03-07T00:00:00', '2099-02-30T00:00:00Z'].entries()) writeFileSync(join(dir, `n${i}.json`), report([cert('apiserver', 'ca', date)]));
    writeFileSync(join(dir, 'ok.json'), report([cert('apiserver', 'ca', '2099-03-07T00:00:00.5+01:00')]));
    const r = await runCli(['fleet', 'report', dir, '-o', 'json'], { env: { TZ: 'Pacific/Kiritimati' } });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { certificates: { node: string; expirationDate: string }[]; unreadable: { file: string; error: string }[] };
    expect(out.unreadable.map((u) => [u.file.split('/').pop(), u.error])).toEqual([0, 1, 2, 3].map((i) => [`n${i}.json`, 'certificates[0] (apiserver): expirationDate is not an RFC 3339 time']));
    expect(out.certificates).toMatchObject([{ node: 'ok', expirationDate: '2099-03-07T00:00:00.5+01:00' }]);
  });

  it('fleet scan escapes what a hostile endpoint serves: C1 controls, bidi overrides and line separators in its subject', async () => {
    const d = tempDir();
    const subject = '/CN=evil\u009b2J\u202eX\u2028Y/O=o\u0085next';
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(d, 'k.pem'), '-out', join(d, 'c.pem'), '-days', '30', '-utf8', '-subj', subject], { stdio: 'ignore' });
    const server = createHttps({ cert: readFileSync(join(d, 'c.pem')), key: readFileSync(join(d, 'k.pem')) }, (_q, s) => s.end('ok'));
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    try {
      const r = await runCli(['fleet', 'scan', `127.0.0.1:${port}`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(RAW);
      expect(r.stdout.split('\n').length).toBe(3);
      expect(r.stdout).toContain('CN=evil\\u009b2J\\u202eX\\u2028Y, O=o\\u0085next');
      const j = JSON.parse((await runCli(['fleet', 'scan', `127.0.0.1:${port}`, '-o', 'json'])).stdout) as { endpoints: { chain: { subject: string }[] }[] };
      expect(j.endpoints[0]?.chain[0]?.subject).toBe('CN=evil\u009b2J\u202eX\u2028Y\nO=o\u0085next'.replace('\n', ', '));
    } finally {
      server.close();
    }
  });
});
