/**
 * Issue 10, "drop-in for real": the kubeadm behaviours that operators' scripts rely on, each on a real tree made by
 * `kubecerts init` (or a copy of a real kubeadm tree) and checked with openssl and kubectl.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import { initPki, runCli } from '../helpers/cli.js';
import { openssl, x509Field, x509Text } from '../helpers/openssl.js';
import { REPO, snapshotTree, tempDir } from '../helpers/tmp.js';

const pemOf = (path: string): string => readFileSync(path, 'utf8');
const sans = (path: string): string => x509Field(pemOf(path), '-ext', 'subjectAltName');

describe('1: existing certificates are validated against the config (kubeadm#1447, #2762, k/k#84644)', () => {
  it('an apiserver certificate without a requested SAN is an error with kubeadm\'s text and a hint; nothing is written', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir, { address: '192.0.2.10', node: 'cp-1' });
    const before = snapshotTree(dir);
    const r = await runCli(['init', 'phase', 'certs', 'apiserver', '--cert-dir', certDir, '--apiserver-advertise-address', '192.0.2.10', '--node-name', 'cp-1', '--apiserver-cert-extra-sans', 'api.example.test,198.51.100.20']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: error execution phase certs/apiserver: certificate apiserver is invalid: x509: certificate is valid for cp-1, kubernetes, kubernetes.default, kubernetes.default.svc, kubernetes.default.svc.cluster.local, not api.example.test',
    );
    expect(r.stderr).toContain('hint: re-run with --reissue');
    expect(snapshotTree(dir)).toEqual(before);
  });

  it('a missing IP SAN names the IPs; a new advertise address on etcd/server is caught too', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir, { address: '192.0.2.10', node: 'cp-1' });
    const ip = await runCli(['init', 'phase', 'certs', 'apiserver', '--cert-dir', certDir, '--apiserver-advertise-address', '192.0.2.10', '--node-name', 'cp-1', '--apiserver-cert-extra-sans', '198.51.100.20']);
    expect(ip.stderr.split('\n')[0]).toBe('error: error execution phase certs/apiserver: certificate apiserver is invalid: x509: certificate is valid for 10.96.0.1, 192.0.2.10, not 198.51.100.20');
    const etcd = await runCli(['init', 'phase', 'certs', 'etcd-server', '--cert-dir', certDir, '--apiserver-advertise-address', '192.0.2.11', '--node-name', 'cp-1']);
    expect(etcd.stderr.split('\n')[0]).toBe('error: error execution phase certs/etcd-server: certificate etcd/server is invalid: x509: certificate is valid for 192.0.2.10, 127.0.0.1, ::1, not 192.0.2.11');
    expect(etcd.code).toBe(1);
  });

  it('--reissue re-signs the certificate for the requested names with its existing key, after a backup', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir, { address: '192.0.2.10', node: 'cp-1' });
    const oldPem = pemOf(join(certDir, 'apiserver.crt'));
    const oldKey = pemOf(join(certDir, 'apiserver.key'));
    const r = await runCli(['init', 'phase', 'certs', 'apiserver', '--cert-dir', certDir, '--apiserver-advertise-address', '192.0.2.10', '--node-name', 'cp-1', '--apiserver-cert-extra-sans', 'api.example.test,198.51.100.20', '--reissue']);
    expect(r.stderr).toMatch(/^backup of the replaced files: /);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[certs] Reissuing "apiserver" certificate with its existing key: certificate apiserver is invalid');
    const crt = join(certDir, 'apiserver.crt');
    expect(sans(crt)).toContain('DNS:api.example.test, DNS:cp-1, DNS:kubernetes,');
    expect(sans(crt)).toContain('IP Address:198.51.100.20');
    expect(pemOf(join(certDir, 'apiserver.key'))).toBe(oldKey);
    expect(openssl(['x509', '-noout', '-pubkey'], pemOf(crt)).out).toBe(openssl(['x509', '-noout', '-pubkey'], oldPem).out);
    expect(openssl(['verify', '-CAfile', join(certDir, 'ca.crt'), crt]).code).toBe(0);
    const backupRoot = join(dir, 'tmp');
    const [backup] = readdirSync(backupRoot);
    expect(readFileSync(join(backupRoot, backup as string, 'pki', 'apiserver.crt'), 'utf8')).toBe(oldPem);
    // the next run accepts it as it is
    const again = await runCli(['init', 'phase', 'certs', 'apiserver', '--cert-dir', certDir, '--apiserver-advertise-address', '192.0.2.10', '--node-name', 'cp-1', '--apiserver-cert-extra-sans', 'api.example.test,198.51.100.20']);
    expect(again.stdout).toBe('[certs] Using existing apiserver certificate and key on disk\n');
    expect(again.code).toBe(0);
  });

  it('an expired leaf fails the chain check at the current time; --reissue renews it with its key', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir, { faketime: '2024-01-01 00:00:00' });
    const args = ['init', 'phase', 'certs', 'front-proxy-client', '--cert-dir', certDir, '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'cp1'];
    const r = await runCli(args);
    expect(r.stderr).toContain('WARNING: could not validate bounds for certificate front-proxy-client: the certificate has expired');
    expect(r.stderr).toMatch(/error: error execution phase certs\/front-proxy-client: \[certs\] certificate front-proxy-client not signed by CA certificate front-proxy-ca: x509: certificate has expired or is not yet valid: current time \S+ is after 2024-12-31T\S+/);
    expect(r.code).toBe(1);
    const re = await runCli([...args, '--reissue']);
    expect(re.code).toBe(0);
    expect(openssl(['verify', '-CAfile', join(certDir, 'front-proxy-ca.crt'), join(certDir, 'front-proxy-client.crt')]).code).toBe(0);
  });
});

describe('2: renew --csr-only with an external CA (kubeadm#2618)', () => {
  it('writes CSRs for the certificates of the keyless CA, by default into a fresh folder away from the live keys', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    rmSync(join(certDir, 'ca.key'));
    const live = snapshotTree(certDir);
    const r = await runCli(['certs', 'renew', 'all', '--csr-only', '--cert-dir', certDir, '--kubeconfig-dir', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('Detected external');
    expect(snapshotTree(certDir)).toEqual(live);
    const [csrDir] = readdirSync(join(dir, 'tmp')).filter((d) => d.startsWith('kubecerts-csr-'));
    const files = readdirSync(join(dir, 'tmp', csrDir as string)).sort();
    expect(files).toContain('apiserver.csr');
    expect(files).toContain('admin.conf.csr');
    expect(files).toHaveLength(22);
    const req = openssl(['req', '-noout', '-subject', '-in', join(dir, 'tmp', csrDir as string, 'apiserver.csr')]);
    expect(req.out.trim()).toBe('subject=CN = kube-apiserver');
    // a --csr-dir that holds the live key is refused, not overwritten
    const same = await runCli(['certs', 'renew', 'apiserver', '--csr-only', '--csr-dir', certDir, '--cert-dir', certDir, '--kubeconfig-dir', dir]);
    expect(same.code).toBe(1);
    expect(snapshotTree(certDir)).toEqual(live);
  });
});

describe('3: missing entries in -o json|yaml (kubespray#13414)', () => {
  it('a missing super-admin.conf has only name and missing set, no caName', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    rmSync(join(dir, 'super-admin.conf'));
    const j = await runCli(['certs', 'check-expiration', '--cert-dir', certDir, '--kubeconfig-dir', dir, '-o', 'json']);
    const entry = (JSON.parse(j.stdout) as { certificates: { name: string }[] }).certificates.find((c) => c.name === 'super-admin.conf');
    expect(JSON.stringify(entry)).toBe('{"name":"super-admin.conf","expirationDate":null,"residualTime":0,"externallyManaged":false,"missing":true}');
    const y = await runCli(['certs', 'check-expiration', '--cert-dir', certDir, '--kubeconfig-dir', dir, '-o', 'yaml']);
    expect(y.stdout).toContain('- expirationDate: null\n  externallyManaged: false\n  missing: true\n  name: super-admin.conf\n  residualTime: 0\n');
  });
});

describe('5: strict config decoding per apiVersion (lework/kubeadm-certs#3, k/k#124652)', () => {
  const write = (dir: string, apiVersion: string, extra: string): string => {
    const p = join(dir, 'kubeadm.yaml');
    writeFileSync(p, `apiVersion: kubeadm.k8s.io/${apiVersion}\nkind: ClusterConfiguration\ncertificatesDir: ${join(dir, 'pki')}\n${extra}`);
    return p;
  };
  const notAfterYear = (p: string): string => x509Field(pemOf(p), '-enddate').slice(-8, -4);

  it('a typo draws kubeadm\'s strict decoding warning and is ignored', async () => {
    const dir = tempDir();
    await initPki(dir, { faketime: '2026-01-01 00:00:00' });
    const cfg = write(dir, 'v1beta4', 'certificateValidityPeriodz: 2160h\napiServer:\n  certSANz: [x]\n');
    const r = await runCli(['certs', 'renew', 'apiserver', '--config', cfg, '--kubeconfig-dir', dir, '--no-backup'], { faketime: '2026-06-01 00:00:00' });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'error unmarshaling configuration schema.GroupVersionKind{Group:"kubeadm.k8s.io", Version:"v1beta4", Kind:"ClusterConfiguration"}: strict decoding error: unknown field "certificateValidityPeriodz", unknown field "apiServer.certSANz"\n',
    );
    expect(notAfterYear(join(dir, 'pki', 'apiserver.crt'))).toBe('2027');
  });

  it('certificateValidityPeriod is unknown, so ignored, in v1beta3 and honoured in v1beta4', async () => {
    const dir = tempDir();
    await initPki(dir, { faketime: '2026-01-01 00:00:00' });
    const v3 = write(dir, 'v1beta3', 'certificateValidityPeriod: 43800h\n');
    const a = await runCli(['certs', 'renew', 'apiserver', '--config', v3, '--kubeconfig-dir', dir, '--no-backup'], { faketime: '2026-06-01 00:00:00' });
    expect(a.stderr).toContain('Version:"v1beta3", Kind:"ClusterConfiguration"}: strict decoding error: unknown field "certificateValidityPeriod"');
    expect(notAfterYear(join(dir, 'pki', 'apiserver.crt'))).toBe('2027');
    const v4 = write(dir, 'v1beta4', 'certificateValidityPeriod: 43800h\n');
    const b = await runCli(['certs', 'renew', 'apiserver', '--config', v4, '--kubeconfig-dir', dir, '--no-backup'], { faketime: '2026-06-01 00:00:00' });
    expect(b.stderr).toContain('WARNING: certificateValidityPeriod: the value 43800h0m0s is more than the recommended default for certificate expiration: 8760h0m0s\n');
    expect(b.stderr).not.toContain('strict decoding');
    expect(notAfterYear(join(dir, 'pki', 'apiserver.crt'))).toBe('2031');
  });
});

describe('6: renewal never writes a kubeconfig kubectl rejects', () => {
  const kubectlView = (file: string) =>
    spawnSync('kubectl', ['config', 'view', '--minify', '--flatten', '--kubeconfig', file], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', HOME: '/tmp' } });

  it('every renewed kubeconfig passes kubectl config view --minify --flatten', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    const r = await runCli(['certs', 'renew', 'all', '--cert-dir', certDir, '--kubeconfig-dir', dir, '--no-backup']);
    expect(r.code).toBe(0);
    for (const f of ['admin.conf', 'super-admin.conf', 'controller-manager.conf', 'scheduler.conf']) {
      const v = kubectlView(join(dir, f));
      expect(v.stderr, f).toBe('');
      expect(v.status, f).toBe(0);
    }
  });

  it('a cluster CA given as a file path is refused with kubeadm\'s text; the file stays as it was', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    const path = join(dir, 'admin.conf');
    const kc = yaml.load(readFileSync(path, 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
    delete kc.clusters[0]?.cluster['certificate-authority-data'];
    (kc.clusters[0] as { cluster: Record<string, string> }).cluster['certificate-authority'] = join(certDir, 'ca.crt');
    writeFileSync(path, yaml.dump(kc));
    const before = readFileSync(path, 'utf8');
    expect(kubectlView(path).status).toBe(0);
    const r = await runCli(['certs', 'renew', 'admin.conf', '--cert-dir', certDir, '--kubeconfig-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`kubeConfig file ${path} does not have an embedded server certificate`);
    expect(readFileSync(path, 'utf8')).toBe(before);
    // init phase kubeconfig accepts it: the file holds ca.crt (kubeadm's validateKubeConfig fallback)
    const init = await runCli(['init', 'phase', 'kubeconfig', 'admin', '--cert-dir', certDir, '--kubeconfig-dir', dir, '--apiserver-advertise-address', '127.0.0.1']);
    expect(init.stdout).toBe(`[kubeconfig] Using existing kubeconfig file: "${path}"\n`);
    expect(init.code).toBe(0);
  });
});

describe('8: kubeadm\'s global flags and the certificates alias', () => {
  it('--rootfs places default and given paths inside the host root; certificates is certs', async () => {
    const host = tempDir();
    const r = await runCli(['init', '--rootfs', host, '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'cp1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`[certs] Using certificateDir folder "${join(host, 'etc/kubernetes/pki')}"`);
    expect(existsSync(join(host, 'etc/kubernetes/pki/ca.crt'))).toBe(true);
    expect(existsSync(join(host, 'etc/kubernetes/admin.conf'))).toBe(true);
    const c = await runCli(['certificates', 'check-expiration', '-o', 'jsonpath={.certificates[?(@.missing==true)].name}', `--rootfs=${host}`]);
    expect(c.stdout).toBe('');
    expect(c.code).toBe(0);
    // a relative path is resolved from the host's root, as after kubeadm's chroot and chdir("/")
    const rel = await runCli(['--rootfs', host, 'certs', 'check-expiration', '--cert-dir', 'etc/kubernetes/pki', '--kubeconfig-dir', 'etc/kubernetes', '-o', 'jsonpath={.certificateAuthorities[*].missing}']);
    expect(rel.stdout).toBe('false false false');
  });

  it('-v N and --v=N are accepted; from 5 on errors carry a stack trace; a bad level is a usage error', async () => {
    const plain = await runCli(['certs', 'renew', 'nosuch', '-v', '2']);
    expect(plain.stderr).toMatch(/^error: unknown command "nosuch" for "kubecerts certs renew"\n/);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    expect(plain.code).toBe(2);
    const debug = await runCli(['certs', 'renew', 'nosuch', '--v=5']);
    expect(debug.stderr).toMatch(/\n\s+at /);
    const bad = await runCli(['--v=x', 'certs']);
    expect(bad.stderr).toBe('error: invalid argument "x" for "-v, --v" flag: strconv.ParseInt: parsing "x": invalid syntax\n');
    expect(bad.code).toBe(2);
  });
});

describe('9: behaviour kubeadm\'s source defines', () => {
  it('renew all with an external etcd does not list the etcd certificates', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    const cfg = join(dir, 'kubeadm.yaml');
    writeFileSync(cfg, `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncertificatesDir: ${certDir}\netcd:\n  external:\n    endpoints: [https://10.0.0.9:2379]\n`);
    const r = await runCli(['certs', 'renew', 'all', '--config', cfg, '--kubeconfig-dir', dir, '--no-backup']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/etcd.*renewed|MISSING/);
    expect(r.stdout).toContain('certificate for serving the Kubernetes API renewed');
  });

  it('renewal writes DNS SANs sorted, keeps other extended key usages, and refuses a certificate without any', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    const ca = join(certDir, 'ca.crt');
    const caKey = join(certDir, 'ca.key');
    const ext = join(dir, 'ext.cnf');
    writeFileSync(ext, 'extendedKeyUsage=serverAuth,codeSigning\nsubjectAltName=DNS:zeta.example,DNS:alpha.example,DNS:zeta.example,IP:10.0.0.2,IP:10.0.0.1\n');
    const csr = openssl(['req', '-new', '-key', join(certDir, 'apiserver.key'), '-subj', '/CN=kube-apiserver']).out;
    const signed = openssl(['x509', '-req', '-CA', ca, '-CAkey', caKey, '-days', '30', '-extfile', ext, '-set_serial', '7'], csr);
    expect(signed.code).toBe(0);
    writeFileSync(join(certDir, 'apiserver.crt'), signed.out);
    const r = await runCli(['certs', 'renew', 'apiserver', '--cert-dir', certDir, '--kubeconfig-dir', dir, '--no-backup']);
    expect(r.code).toBe(0);
    const text = x509Text(pemOf(join(certDir, 'apiserver.crt')));
    expect(text).toContain('DNS:alpha.example, DNS:zeta.example, IP Address:10.0.0.2, IP Address:10.0.0.1');
    expect(text).toMatch(/TLS Web Server Authentication, Code Signing/);
    writeFileSync(ext, 'subjectAltName=DNS:a.example\n');
    writeFileSync(join(certDir, 'apiserver.crt'), openssl(['x509', '-req', '-CA', ca, '-CAkey', caKey, '-days', '30', '-extfile', ext, '-set_serial', '8'], csr).out);
    const none = await runCli(['certs', 'renew', 'apiserver', '--cert-dir', certDir, '--kubeconfig-dir', dir, '--no-backup']);
    expect(none.stderr.split('\n')[0]).toBe('error: failed to renew certificate apiserver: must specify at least one ExtKeyUsage');
    expect(none.code).toBe(1);
  });

  it('a renewed kubeconfig keeps every entry it does not renew byte for byte, in its order (differs on purpose)', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    const path = join(dir, 'admin.conf');
    const kc = yaml.load(readFileSync(path, 'utf8')) as { clusters: { name: string }[]; users: { name: string }[] };
    kc.clusters.unshift({ name: 'zz-other', cluster: { server: 'https://10.9.9.9:6443' } } as never);
    kc.users.unshift({ name: 'zz-user', user: { token: 't' } } as never);
    const before = `# kept: an operator's comment\n${yaml.dump(kc)}`;
    writeFileSync(path, before);
    expect((await runCli(['certs', 'renew', 'admin.conf', '--cert-dir', certDir, '--kubeconfig-dir', dir, '--no-backup'])).code).toBe(0);
    const text = readFileSync(path, 'utf8');
    const after = yaml.load(text) as { clusters: { name: string }[]; users: { name: string; user: Record<string, string> }[] };
    expect(after.clusters.map((c) => c.name)).toEqual(['zz-other', 'kubernetes']);
    expect(after.users.map((u) => u.name)).toEqual(['zz-user', 'kubernetes-admin']);
    // only the renewed base64 values differ: the text with them blanked out is the same
    const blank = (t: string): string => t.replace(/[A-Za-z0-9+/=]{200,}/g, 'X');
    expect(blank(text)).toBe(blank(before));
    expect(text).not.toBe(before);
    const r = await runCli(['certs', 'check-expiration', '--cert-dir', certDir, '--kubeconfig-dir', dir, '-o', 'json']);
    expect(r.code).toBe(0);
  });

  it('init with an external CA checks every kubeconfig before any phase, with kubeadm\'s wording', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    rmSync(join(certDir, 'ca.key'));
    rmSync(join(dir, 'admin.conf'));
    const r = await runCli(['init', '--cert-dir', certDir, '--kubeconfig-dir', dir, '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'cp1']);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `error: the admin.conf file does not exists or it is not valid: open ${join(dir, 'admin.conf')}: no such file or directory\n` +
        `hint: ca.key is absent (external-CA mode): as kubeadm, every init command first checks the five kubeconfigs in ${dir}\n`,
    );
    expect(r.code).toBe(1);
  });

  it('the folder line is printed for all only', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    const one = await runCli(['init', 'phase', 'certs', 'ca', '--cert-dir', certDir]);
    expect(one.stdout).toBe('[certs] Using existing ca certificate authority\n');
    const all = await runCli(['init', 'phase', 'kubeconfig', 'all', '--cert-dir', certDir, '--kubeconfig-dir', dir, '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'cp1']);
    expect(all.stdout.split('\n')[0]).toBe(`[kubeconfig] Using kubeconfig folder "${dir}"`);
  });
});

describe('10: help and exit codes', () => {
  it.each([[[]], [['help']], [['certs']], [['init', 'phase']], [['kubeconfig']]])('kubecerts %j prints help on stdout and exits 0', async (args) => {
    const r = await runCli(args);
    expect(r.stdout).toMatch(/^Usage: kubecerts/);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('README "differs on purpose"', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('## Where kubecerts differs from kubeadm on purpose');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 10));
  const allFlags = (cmd: Command): string[] => [...cmd.options.flatMap((o) => [o.long, o.short]), ...cmd.commands.flatMap(allFlags)].filter((f): f is string => !!f);
  const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, now: () => new Date() };

  it('names every flag it mentions as a flag kubecerts has', () => {
    const known = new Set(allFlags(createProgram(io)));
    // every word that starts with - or -- inside a `code span`, wherever it stands in the span
    // (`kubeconfig user --org system:masters`, `init --reissue`, `-v`/`--v`, `--v=5`)
    const spans = [...section.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
    const mentioned = [...new Set(spans.flatMap((span) => [...span.matchAll(/(?:^|[\s(])(--?[a-z][a-z-]*)/g)].map((m) => m[1] as string)))];
    expect(mentioned.length).toBeGreaterThan(25);
    for (const f of ['--org', '--allow-system-masters', '--reissue', '--csr-dir', '--rootfs', '-v', '--v', '--template', '--no-backup', '--backup-dir']) {
      expect(mentioned, f).toContain(f);
    }
    for (const f of mentioned) expect(known.has(f), f).toBe(true);
  });

  it('names the differences the issue requires', () => {
    for (const topic of ['system:masters', 'admin.conf', 'backs up', 'all or nothing', 'exits 2', 'rootfs', 'go-template']) {
      expect(section.toLowerCase(), topic).toContain(topic.toLowerCase());
    }
  });
});
