/** init on existing trees (reuse, byte for byte) and on bad input (clear error, documented code, nothing written). */
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initPki, runCli } from '../helpers/cli.js';
import { kubeconfigCredentials } from '../helpers/kubeconfig.js';
import { x509Field } from '../helpers/openssl.js';
import { copyFixture, snapshotTree, tempDir } from '../helpers/tmp.js';

describe.each([
  { version: 'v1.16' as const, node: 'master1', address: '192.168.28.10', created: ['super-admin.conf'], at: '2020-06-01 00:00:00' },
  { version: 'v1.29' as const, node: 'controlplane', address: '172.30.1.2', created: [] as string[], at: '2024-06-01 00:00:00' },
])('kubecerts init on the real $version tree', ({ version, node, address, created, at }) => {
  it('today its leaves have expired: kubeadm\'s chain check at the current time fails, nothing is written', async () => {
    const k8s = copyFixture(version);
    const before = snapshotTree(k8s);
    const r = await runCli(['init', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s, '--node-name', node, '--apiserver-advertise-address', address]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('WARNING: could not validate bounds for certificate apiserver: the certificate has expired');
    expect(r.stderr).toMatch(/^error: error execution phase certs\/apiserver: \[certs\] certificate apiserver not signed by CA certificate ca: x509: certificate has expired or is not yet valid: current time \S+ is after \S+$/m);
    expect(r.stderr).toContain('hint: re-run with --reissue');
    expect(snapshotTree(k8s)).toEqual(before);
  });

  it('while its leaves are valid, reuses every existing file without changing a byte and creates only what is missing', async () => {
    const k8s = copyFixture(version);
    const before = snapshotTree(k8s);
    const r = await runCli(['init', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s, '--node-name', node, '--apiserver-advertise-address', address], { faketime: at });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const after = snapshotTree(k8s);
    for (const [file, bytes] of before) expect(after.get(file), file).toEqual(bytes);
    expect([...after.keys()].filter((f) => !before.has(f)).sort()).toEqual(created);
    expect(r.stdout).not.toContain('Generating');
    expect(r.stdout).toContain('[certs] Using existing apiserver certificate and key on disk');
    for (const f of created) {
      expect(r.stdout).toContain(`[kubeconfig] Writing "${f}" kubeconfig file`);
      const creds = kubeconfigCredentials(join(k8s, f));
      expect(creds.server).toBe(`https://${address}:6443`);
      expect(creds.ca).toBe(readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8'));
      expect(x509Field(creds.cert, '-subject')).toBe('subject=CN=kubernetes-super-admin,O=system:masters');
    }
  });
});

describe('init with an external CA (ca.crt without ca.key)', () => {
  it('uses the keyless CA, skips sa and keeps the user-provided kubeconfigs', async () => {
    const dir = tempDir();
    await initPki(dir);
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, 'pki', 'ca.key'));
    const before = snapshotTree(dir);
    const r = await runCli(['init', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'cp1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[certs] Using existing ca keyless certificate authority\n');
    expect(r.stdout).toContain('[certs] Using existing sa keys\n');
    expect(r.stdout).toContain('[kubeconfig] External CA mode: Using user provided admin.conf\n');
    expect(snapshotTree(dir)).toEqual(before);
  });
});

interface BadCase {
  readonly name: string;
  readonly setup: (dir: string) => void | Promise<void>;
  readonly args: (dir: string) => string[];
  readonly code: number;
  readonly message: (dir: string) => string | RegExp;
  readonly unprivileged?: boolean;
}

const pki = (dir: string): string => join(dir, 'pki');
const base = (dir: string): string[] => ['init', '--cert-dir', pki(dir), '--kubeconfig-dir', dir, '--apiserver-advertise-address', '10.0.0.1', '--encryption-algorithm', 'ECDSA-P256'];
const writeConfig = (dir: string, text: string): void => writeFileSync(join(dir, 'kubeadm.yaml'), text);

const BAD: readonly BadCase[] = [
  {
    name: 'corrupt PEM in ca.crt',
    setup: (d) => {
      mkdirSync(pki(d));
      writeFileSync(join(pki(d), 'ca.crt'), '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    },
    args: base,
    code: 1,
    message: (d) => `error execution phase certs/ca: failure loading ca certificate: failed to load certificate: couldn't load the certificate file ${join(pki(d), 'ca.crt')}: error reading ${join(pki(d), 'ca.crt')}: data does not contain any valid RSA or ECDSA certificates`,
  },
  {
    name: 'a ca.key that does not match ca.crt',
    setup: async (d) => {
      // two independent CAs; take the certificate of one and the key of the other
      const a = tempDir();
      const b = tempDir();
      await runCli(['init', 'phase', 'certs', 'ca', '--cert-dir', a, '--encryption-algorithm', 'ECDSA-P256']);
      await runCli(['init', 'phase', 'certs', 'ca', '--cert-dir', b, '--encryption-algorithm', 'ECDSA-P256']);
      mkdirSync(pki(d));
      copyFileSync(join(a, 'ca.crt'), join(pki(d), 'ca.crt'));
      copyFileSync(join(b, 'ca.key'), join(pki(d), 'ca.key'));
    },
    args: base,
    code: 1,
    message: () => /does not match the certificate .*ca\.crt: x509: provided PrivateKey doesn't match parent's PublicKey$/,
  },
  {
    name: 'an unknown encryptionAlgorithm in the config',
    setup: (d) => writeConfig(d, `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nencryptionAlgorithm: RSA-1024\ncertificatesDir: ${join(d, 'pki')}\n`),
    args: (d) => ['init', '--config', join(d, 'kubeadm.yaml'), '--kubeconfig-dir', d],
    code: 1,
    message: (d) => `invalid config file "${join(d, 'kubeadm.yaml')}": cannot obtain key size from unknown RSA algorithm: "RSA-1024"`,
  },
  {
    name: 'an unknown --encryption-algorithm flag value',
    setup: () => undefined,
    args: (d) => [...base(d).slice(0, -2), '--encryption-algorithm', 'DSA'],
    code: 2,
    message: () => /argument 'DSA' is invalid. Allowed choices are RSA-2048, RSA-3072, RSA-4096, ECDSA-P256, ECDSA-P384/,
  },
  {
    name: 'an invalid advertise address',
    setup: () => undefined,
    args: (d) => [...base(d).slice(0, -4), '--apiserver-advertise-address', '10.0.0.300', '--encryption-algorithm', 'ECDSA-P256'],
    code: 1,
    message: () => 'error parsing LocalAPIEndpoint AdvertiseAddress 10.0.0.300: is not a valid textual representation of an IP address',
  },
  {
    name: 'a config file that does not exist',
    setup: () => undefined,
    args: (d) => ['init', '--config', join(d, 'nope.yaml'), '--kubeconfig-dir', d],
    code: 1,
    message: (d) => `unable to read config from "${join(d, 'nope.yaml')}": open ${join(d, 'nope.yaml')}: no such file or directory`,
  },
  {
    name: 'a malformed config file',
    setup: (d) => writeConfig(d, 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: [ClusterConfiguration\n'),
    args: (d) => ['init', '--config', join(d, 'kubeadm.yaml'), '--kubeconfig-dir', d],
    code: 1,
    message: (d) => new RegExp(`^failed to parse config file "${join(d, 'kubeadm.yaml')}": `),
  },
  {
    name: 'an unknown kind',
    setup: (d) => writeConfig(d, 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfig\n'),
    args: (d) => ['init', '--config', join(d, 'kubeadm.yaml'), '--kubeconfig-dir', d],
    code: 1,
    message: (d) => `invalid config file "${join(d, 'kubeadm.yaml')}": unknown kind "ClusterConfig" for kubeadm.k8s.io/v1beta4`,
  },
  {
    name: 'an unsupported apiVersion',
    setup: (d) => writeConfig(d, 'apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\n'),
    args: (d) => ['init', '--config', join(d, 'kubeadm.yaml'), '--kubeconfig-dir', d],
    code: 1,
    message: (d) => `invalid config file "${join(d, 'kubeadm.yaml')}": unsupported apiVersion "kubeadm.k8s.io/v1beta2" (supported: kubeadm.k8s.io/v1beta3, kubeadm.k8s.io/v1beta4)`,
  },
  {
    name: 'a field of the wrong type',
    setup: (d) => writeConfig(d, 'apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  certSANs: lb.example.com\n'),
    args: (d) => ['init', '--config', join(d, 'kubeadm.yaml'), '--kubeconfig-dir', d],
    code: 1,
    message: (d) => `invalid config file "${join(d, 'kubeadm.yaml')}": apiServer.certSANs must be a list of strings`,
  },
  {
    name: 'a read-only target directory (run unprivileged)',
    setup: (d) => {
      mkdirSync(pki(d));
      if (process.getuid?.() === 0) chownSync(d, 0, 0);
      chmodSync(pki(d), 0o555);
    },
    args: base,
    code: 1,
    unprivileged: true,
    // the lock is the first file a writing command creates
    message: (d) => new RegExp(`^cannot create lock file "${join(pki(d), '.kubecerts.lock')}": permission denied$`),
  },
];

describe('init on bad input', () => {
  it.each(BAD)('$name: one-line error, exit $code, nothing written', async (c) => {
    const dir = tempDir();
    await c.setup(dir);
    const before = snapshotTree(dir);
    const r = await runCli(c.args(dir), { unprivileged: c.unprivileged ?? false });
    const want = c.message(dir);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines.length, r.stderr).toBeLessThanOrEqual(2);
    const first = (lines[0] ?? '').replace(/^error: /, '');
    if (typeof want === 'string') expect(first).toBe(want);
    else expect(first).toMatch(want);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(c.code);
    expect(snapshotTree(dir)).toEqual(before);
    expect(existsSync(join(dir, 'admin.conf'))).toBe(false);
  });
});

describe('init keeps kubeadm\'s checks on existing files', () => {
  it('an existing kubeconfig with another CA is an error, and nothing is written', async () => {
    const dir = tempDir();
    const other = tempDir();
    await initPki(other);
    await runCli(['init', 'phase', 'certs', 'all', '--cert-dir', join(dir, 'pki'), '--apiserver-advertise-address', '127.0.0.1', '--encryption-algorithm', 'ECDSA-P256']);
    copyFileSync(join(other, 'admin.conf'), join(dir, 'admin.conf'));
    const before = snapshotTree(dir);
    const r = await runCli(['init', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '--apiserver-advertise-address', '127.0.0.1', '--encryption-algorithm', 'ECDSA-P256']);
    expect(r.stderr).toBe(`error: error execution phase kubeconfig/admin: a kubeconfig file "${join(dir, 'admin.conf')}" exists already but has got the wrong CA cert\n`);
    expect(r.code).toBe(1);
    expect(snapshotTree(dir)).toEqual(before);
  });

  it('an existing leaf that its CA did not sign is an error', async () => {
    const dir = tempDir();
    const other = tempDir();
    await initPki(dir);
    await initPki(other);
    copyFileSync(join(other, 'pki', 'front-proxy-client.crt'), join(dir, 'pki', 'front-proxy-client.crt'));
    copyFileSync(join(other, 'pki', 'front-proxy-client.key'), join(dir, 'pki', 'front-proxy-client.key'));
    const r = await runCli(['init', 'phase', 'certs', 'all', '--cert-dir', join(dir, 'pki'), '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'cp1']);
    expect(r.stderr).toBe('error: error execution phase certs/front-proxy-client: [certs] certificate front-proxy-client not signed by CA certificate front-proxy-ca: x509: certificate signed by unknown authority\n');
    expect(r.code).toBe(1);
  });

  it('etcd.external drops the etcd CA and leaves (init and check-expiration); v1beta3 PublicKeysECDSA selects ECDSA', async () => {
    const dir = tempDir();
    const cfg = join(dir, 'kubeadm.yaml');
    writeFileSync(cfg, `apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\ncertificatesDir: ${join(dir, 'pki')}\nfeatureGates:\n  PublicKeysECDSA: true\netcd:\n  external:\n    endpoints: [https://10.0.0.9:2379]\n---\napiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\nlocalAPIEndpoint:\n  advertiseAddress: 10.0.0.8\n`);
    const r = await runCli(['init', '--config', cfg, '--kubeconfig-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[certs] External etcd mode: Skipping etcd/ca certificate authority generation\n');
    expect(r.stdout).toContain('[certs] External etcd mode: Skipping etcd/server certificate generation\n');
    expect(existsSync(join(dir, 'pki', 'etcd'))).toBe(false);
    expect(readFileSync(join(dir, 'pki', 'apiserver.key'), 'utf8')).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    const check = await runCli(['certs', 'check-expiration', '--config', cfg, '--kubeconfig-dir', dir, '-o', 'json']);
    const o = JSON.parse(check.stdout) as { certificates: { name: string }[]; certificateAuthorities: { name: string }[] };
    expect(o.certificates.map((c) => c.name)).toEqual(['admin.conf', 'apiserver', 'apiserver-kubelet-client', 'controller-manager.conf', 'front-proxy-client', 'scheduler.conf', 'super-admin.conf']);
    expect(o.certificateAuthorities.map((c) => c.name)).toEqual(['ca', 'front-proxy-ca']);
  });
});
