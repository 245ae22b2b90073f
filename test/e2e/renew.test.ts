/** `certs renew`: kubeadm semantics on real and generated trees, plus backup, dry run, key choice, locks, CSRs. */
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { initPki, runCli } from '../helpers/cli.js';
import { readKubeconfig } from '../helpers/kubeconfig.js';
import { certPublicKey, keyPublicKey, openssl, verifyChain } from '../helpers/openssl.js';
import { CA_OF, KUBECONFIG_FILES, LEAF_FILES, readCert } from '../helpers/pki-facts.js';
import { copyFixture, digest, snapshotTree, tempDir, chownTreeToNobody } from '../helpers/tmp.js';

const renew = (k8s: string, args: string[], o: { faketime?: string; unprivileged?: boolean } = {}) =>
  runCli(['certs', 'renew', ...args, '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s], o);

/** Adds an extra cluster, user and context to a kubeconfig, as operators do. */
function addExtraEntries(path: string): void {
  const kc = yaml.load(readFileSync(path, 'utf8')) as Record<string, { name: string }[]>;
  kc['clusters']!.push({ name: 'other', cluster: { server: 'https://other:6443' } } as never);
  kc['users']!.push({ name: 'robot', user: { token: 'abc' } } as never);
  kc['contexts']!.push({ name: 'robot@other', context: { cluster: 'other', user: 'robot' } } as never);
  writeFileSync(path, yaml.dump(kc));
}

/** A subjectAltName text with its DNS entries sorted and the IP entries after them, in their order. */
const sortedDns = (san: string | undefined): string | undefined => {
  if (san === undefined) return undefined;
  const parts = san.split(', ').filter((p) => p !== '');
  return [...parts.filter((p) => p.startsWith('DNS:')).sort(), ...parts.filter((p) => !p.startsWith('DNS:'))].join(', ');
};

describe.each([
  { tree: 'v1.16' as const, missing: ['super-admin.conf'], org: 'system:masters' },
  { tree: 'v1.29' as const, missing: [] as string[], org: 'kubeadm:cluster-admins' },
  { tree: 'RSA-2048' as const, missing: [], org: 'kubeadm:cluster-admins' },
  { tree: 'ECDSA-P256' as const, missing: [], org: 'kubeadm:cluster-admins' },
])('renew all on the $tree tree', ({ tree, missing, org }) => {
  it('renews every present certificate, keeps identity and other entries, touches nothing else', async () => {
    let k8s: string;
    if (tree === 'v1.16' || tree === 'v1.29') k8s = copyFixture(tree);
    else {
      k8s = tempDir();
      await initPki(k8s, { algorithm: tree });
    }
    addExtraEntries(join(k8s, 'admin.conf'));
    const files: string[] = [...LEAF_FILES, ...KUBECONFIG_FILES].filter((f) => !(missing as readonly string[]).includes(f));
    const before = new Map(files.map((f) => [f, readCert(k8s, f)]));
    const tree0 = snapshotTree(k8s);
    const t0 = Date.now();
    const r = await renew(k8s, ['all']);
    expect(r.code).toBe(0);
    for (const m of missing) expect(r.stdout).toContain('MISSING! certificate embedded in the kubeconfig file for the super-admin\n');
    expect(r.stdout).toContain('certificate for serving the Kubernetes API renewed\n');
    expect(r.stdout.endsWith('\nDone renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.\n')).toBe(true);

    for (const f of files) {
      const old = before.get(f)!;
      const now = readCert(k8s, f);
      expect(now.serial, f).not.toBe(old.serial);
      expect(now.subject, f).toBe(old.subject);
      // kubeadm's RemoveDuplicateAltNames: DNS names come back sorted (v1.16's apiserver had its node name first)
      expect(now.san, f).toBe(sortedDns(old.san));
      expect(now.eku, f).toEqual(old.eku);
      // NotBefore = start - 5 min, NotAfter = start + 365 d
      expect(now.notAfter - now.notBefore).toBe(365 * 86_400_000 + 5 * 60_000);
      expect(Math.abs(now.notBefore + 5 * 60_000 - t0)).toBeLessThan(60_000);
      expect(keyPublicKey(now.keyPem)).toBe(certPublicKey(now.pem));
      expect(now.keyPem).not.toBe(old.keyPem);
      const ca = join(k8s, 'pki', `${CA_OF[f] ?? 'ca'}.crt`);
      const tmp = join(tempDir(), 'c.pem');
      writeFileSync(tmp, now.pem);
      // the v1.16 CAs have no Subject Key Identifier, which -x509_strict rejects for any leaf (kubeadm's own included)
      expect(verifyChain(ca, tmp, f === 'apiserver' || f.startsWith('etcd/s') || f.startsWith('etcd/p') ? 'sslserver' : 'sslclient', tree !== 'v1.16').code, f).toBe(0);
      // a kept key algorithm: RSA trees stay RSA, ECDSA trees stay ECDSA
      expect(now.keyPem.split('\n')[0], f).toBe(old.keyPem.split('\n')[0]);
    }
    expect(readCert(k8s, 'admin.conf').subject).toContain(`O=${org}`);

    const after = snapshotTree(k8s);
    const renewedPaths = new Set(files.flatMap((f) => (f.endsWith('.conf') ? [f] : [`pki/${f}.crt`, `pki/${f}.key`])));
    for (const [p, bytes] of tree0) if (!renewedPaths.has(p)) expect(after.get(p), p).toEqual(bytes);

    const admin = readKubeconfig(join(k8s, 'admin.conf'));
    expect(admin.clusters.map((c) => c.name)).toEqual(['kubernetes', 'other']);
    expect(admin.users.map((u) => u.name)).toEqual(['kubernetes-admin', 'robot']);
    expect(admin.contexts.map((c) => c.name)).toEqual(['kubernetes-admin@kubernetes', 'robot@other']);
    expect(admin.users[1]?.user['token']).toBe('abc');
    expect(Buffer.from(admin.clusters[0]!.cluster['certificate-authority-data']!, 'base64').toString()).toBe(readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8'));

    // the backup holds the old files with their layout
    const backups = readdirSync(join(k8s, 'tmp'));
    expect(backups).toHaveLength(1);
    const b = join(k8s, 'tmp', backups[0]!);
    expect(statSync(b).mode & 0o777).toBe(0o700);
    expect(digest(readFileSync(join(b, 'pki', 'apiserver.crt')))).toBe(tree0.get('pki/apiserver.crt'));
    expect(digest(readFileSync(join(b, 'pki', 'etcd', 'peer.key')))).toBe(tree0.get('pki/etcd/peer.key'));
    expect(digest(readFileSync(join(b, 'admin.conf')))).toBe(tree0.get('admin.conf'));
  });
});

describe('renew options', () => {
  const fresh = async (): Promise<string> => {
    const k8s = tempDir();
    await initPki(k8s);
    return k8s;
  };

  it('renew <one name> prints only its line; --no-backup makes no backup', async () => {
    const k8s = await fresh();
    const r = await renew(k8s, ['etcd-peer', '--no-backup']);
    expect(r.stdout).toBe('certificate for etcd nodes to communicate with each other renewed\n');
    expect(existsSync(join(k8s, 'tmp'))).toBe(false);
  });

  it('--dry-run says what would change and writes nothing', async () => {
    const k8s = await fresh();
    const before = snapshotTree(k8s);
    const r = await renew(k8s, ['all', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[dryrun\] apiserver: would renew, NotAfter \w{3} \d\d, \d{4} \d\d:\d\d UTC -> \w{3} \d\d, \d{4} \d\d:\d\d UTC, new key; backup to .+\/tmp\/kubecerts-backup-[\dT-]+Z-[0-9a-f]{16}$/m);
    expect(r.stdout).toContain('[dryrun] Nothing was written\n');
    expect(r.stdout).not.toContain('PRIVATE KEY');
    expect(snapshotTree(k8s)).toEqual(before);
  });

  it('--reuse-key keeps the private key and changes the certificate', async () => {
    const k8s = await fresh();
    const old = readCert(k8s, 'apiserver');
    const oldAdmin = readCert(k8s, 'admin.conf');
    const r = await renew(k8s, ['all', '--reuse-key']);
    expect(r.code).toBe(0);
    const now = readCert(k8s, 'apiserver');
    expect(now.keyPem).toBe(old.keyPem);
    expect(now.serial).not.toBe(old.serial);
    expect(readCert(k8s, 'admin.conf').keyPem).toBe(oldAdmin.keyPem);
  });

  it('--encryption-algorithm changes the key type; the file keeps its mode and keys never get wider than 0600', async () => {
    const k8s = await fresh();
    chmodSync(join(k8s, 'pki', 'apiserver.key'), 0o644);
    chmodSync(join(k8s, 'pki', 'apiserver.crt'), 0o640);
    const r = await renew(k8s, ['apiserver', '--encryption-algorithm', 'RSA-2048']);
    expect(r.code).toBe(0);
    expect(readCert(k8s, 'apiserver').keyPem.startsWith('-----BEGIN RSA PRIVATE KEY-----')).toBe(true);
    expect(statSync(join(k8s, 'pki', 'apiserver.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(k8s, 'pki', 'apiserver.crt')).mode & 0o777).toBe(0o640);
  });

  it('--expiring-within renews only what expires inside the window and says what it skipped', async () => {
    const k8s = tempDir();
    // made 360 days ago: everything expires in about 5 days
    const past = new Date(Date.now() - 360 * 86_400_000).toISOString().replace('T', ' ').slice(0, 19);
    await initPki(k8s, { faketime: past });
    expect((await renew(k8s, ['apiserver', '--no-backup'])).code).toBe(0);
    const r = await renew(k8s, ['all', '--expiring-within', '30d']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^apiserver: skipped, expires \w{3} \d\d, \d{4} \d\d:\d\d UTC, outside the --expiring-within window$/m);
    expect(r.stdout.match(/ renewed$/gm)).toHaveLength(10);
    const again = await renew(k8s, ['all', '--expiring-within', '720h']);
    expect(again.stdout.match(/skipped/g)).toHaveLength(11);
  });

  it('warns when the CA expires before the renewed certificate would', async () => {
    const k8s = tempDir();
    const old = new Date(Date.now() - 3649 * 86_400_000).toISOString().replace('T', ' ').slice(0, 19);
    await initPki(k8s, { faketime: old });
    const r = await renew(k8s, ['front-proxy-client']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^WARNING: front-proxy-ca expires \w{3} \d\d, \d{4} \d\d:\d\d UTC, before the renewed front-proxy-client \(.+\); rotate the CA before then$/m);
  });

  it('external CA mode: says it cannot renew, exit 0, nothing changes', async () => {
    const k8s = await fresh();
    rmSync(join(k8s, 'pki', 'ca.key'));
    const before = snapshotTree(k8s);
    const r = await renew(k8s, ['apiserver']);
    expect(r.stdout).toBe("Detected external ca, certificate for serving the Kubernetes API can't be renewed\n");
    expect(r.code).toBe(0);
    expect(snapshotTree(k8s)).toEqual(before);
  });

  it('refuses CAs and kubelet.conf with a reason, and unknown names, with exit 2', async () => {
    const k8s = await fresh();
    const ca = await renew(k8s, ['front-proxy-ca']);
    expect(ca.code).toBe(2);
    expect(ca.stderr).toContain('error: "front-proxy-ca" is a certificate authority; kubecerts, like kubeadm, does not renew CAs\n');
    const kubelet = await renew(k8s, ['kubelet.conf']);
    expect(kubelet.code).toBe(2);
    expect(kubelet.stderr).toContain('the kubelet rotates its own client certificate');
    const unknown = await renew(k8s, ['apiservr']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error: unknown command "apiservr" for "kubecerts certs renew"\nhint: valid names: all, admin.conf, apiserver,');
  });
});

describe('renew on bad input: clear error, documented code, no file changes', () => {
  const cases: { name: string; code: number; setup: (k8s: string) => Promise<void> | void; message: RegExp; faketime?: string; unprivileged?: boolean; args?: string[] }[] = [
    {
      name: 'a CA key that does not match the CA certificate',
      code: 1,
      setup: async (k8s) => {
        const other = tempDir();
        await initPki(other);
        copyFileSync(join(other, 'pki', 'etcd', 'ca.key'), join(k8s, 'pki', 'etcd', 'ca.key'));
      },
      message: /^error: failure loading etcd\/ca certificate authority: the private key .+etcd\/ca\.key does not match the certificate .+etcd\/ca\.crt: x509: provided PrivateKey doesn't match parent's PublicKey$/,
    },
    {
      name: 'an expired CA',
      code: 1,
      setup: () => undefined,
      faketime: '2040-01-01 00:00:00',
      message: /^error: ca certificate authority expired on \w{3} \d\d, \d{4} \d\d:\d\d UTC: certificates it signs would not verify$/,
    },
    {
      name: 'a leaf not signed by its CA',
      code: 1,
      setup: async (k8s) => {
        const other = tempDir();
        await initPki(other);
        copyFileSync(join(other, 'pki', 'apiserver.crt'), join(k8s, 'pki', 'apiserver.crt'));
      },
      message: /^error: failed to renew certificate apiserver: .+apiserver\.crt is not signed by ca\.crt \(x509: certificate signed by unknown authority\)$/,
    },
    {
      name: 'a corrupt leaf',
      code: 1,
      setup: (k8s) => writeFileSync(join(k8s, 'pki', 'front-proxy-client.crt'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
      message: /^error: failed to load existing certificate front-proxy-client: error reading .+front-proxy-client\.crt: x509: malformed certificate$/,
    },
    {
      name: 'a read-only directory (run unprivileged)',
      code: 1,
      unprivileged: true,
      setup: (k8s) => {
        chownTreeToNobody(k8s);
        chmodSync(join(k8s, 'pki', 'etcd'), 0o555);
      },
      args: ['all', '--no-backup'],
      message: /^error: cannot write ".+\/pki\/etcd\/[a-z-]+\.(crt|key)": permission denied$/,
    },
    {
      name: 'a held lock',
      code: 4,
      setup: (k8s) => writeFileSync(join(k8s, 'pki', '.kubecerts.lock'), `${process.pid}\n`),
      message: new RegExp(`^error: another kubecerts process \\(pid ${process.pid}\\) holds the lock ".+\\.kubecerts\\.lock"$`),
    },
  ];

  it.each(cases)('$name → exit $code', async (c) => {
    const k8s = tempDir();
    await initPki(k8s);
    await c.setup(k8s);
    const before = snapshotTree(k8s);
    const r = await renew(k8s, c.args ?? ['all'], { ...(c.faketime ? { faketime: c.faketime } : {}), unprivileged: c.unprivileged ?? false });
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(r.stderr.split('\n').find((l) => l.startsWith('error:'))).toMatch(c.message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(c.code);
    const after = snapshotTree(k8s);
    expect([...after.keys()].filter((p) => !p.includes('.kubecerts.lock')).sort()).toEqual([...before.keys()].filter((p) => !p.includes('.kubecerts.lock')).sort());
    for (const [p, b] of before) expect(after.get(p), p).toEqual(b);
  });

  it('a stale lock (its process is gone) is taken over', async () => {
    const k8s = tempDir();
    await initPki(k8s);
    writeFileSync(join(k8s, 'pki', '.kubecerts.lock'), '999999\n');
    const r = await renew(k8s, ['apiserver']);
    expect(r.code).toBe(0);
    expect(existsSync(join(k8s, 'pki', '.kubecerts.lock'))).toBe(false);
  });
});

describe('CSRs', () => {
  it('renew --csr-only writes <name>.key and <name>.csr from the existing certificates and touches nothing else', async () => {
    const k8s = copyFixture('v1.29');
    const csrDir = join(tempDir(), 'csrs');
    const before = snapshotTree(k8s);
    const r = await renew(k8s, ['all', '--csr-only', '--csr-dir', csrDir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(snapshotTree(k8s)).toEqual(before);
    expect(statSync(csrDir).mode & 0o777).toBe(0o700);
    expect(readdirSync(csrDir).sort()).toEqual(
      ['admin.conf', 'apiserver', 'apiserver-etcd-client', 'apiserver-kubelet-client', 'controller-manager.conf', 'etcd-healthcheck-client', 'etcd-peer', 'etcd-server', 'front-proxy-client', 'scheduler.conf', 'super-admin.conf']
        .flatMap((n) => [`${n}.csr`, `${n}.key`])
        .sort(),
    );
    const api = openssl(['req', '-in', join(csrDir, 'apiserver.csr'), '-noout', '-verify', '-text', '-nameopt', 'RFC2253']);
    expect(api.code).toBe(0);
    expect(api.out).toContain('verify OK');
    expect(api.out).toContain('Subject: CN=kube-apiserver');
    expect(api.out).toContain('DNS:controlplane, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, IP Address:10.96.0.1, IP Address:172.30.1.2');
    const admin = openssl(['req', '-in', join(csrDir, 'admin.conf.csr'), '-noout', '-verify', '-text', '-nameopt', 'RFC2253']);
    expect(admin.out).toContain('Subject: CN=kubernetes-admin,O=kubeadm:cluster-admins');
    expect(admin.out).not.toContain('Subject Alternative Name');
    expect(statSync(join(csrDir, 'apiserver.key')).mode & 0o777).toBe(0o600);
    const again = await renew(k8s, ['apiserver', '--csr-only', '--csr-dir', csrDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`file already exists: key or CSR ${join(csrDir, 'apiserver.csr')}`);
  });

  it('generate-csr writes every key, CSR and partial kubeconfig, listed in sorted order', async () => {
    const dir = tempDir();
    const r = await runCli(['certs', 'generate-csr', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '--apiserver-advertise-address', '10.0.0.7', '--node-name', 'cp7', '--encryption-algorithm', 'ECDSA-P256']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `generating keys and CSRs in ${join(dir, 'pki')}\n  apiserver\n  apiserver-etcd-client\n  apiserver-kubelet-client\n  etcd/healthcheck-client\n  etcd/peer\n  etcd/server\n  front-proxy-client\n` +
        `generating keys and CSRs in ${dir}\n  admin.conf\n  controller-manager.conf\n  kubelet.conf\n  scheduler.conf\n  super-admin.conf\n`,
    );
    for (const base of ['apiserver', 'etcd/server', 'etcd/peer', 'front-proxy-client']) {
      const v = openssl(['req', '-in', join(dir, 'pki', `${base}.csr`), '-noout', '-verify', '-text']);
      expect(v.code, base).toBe(0);
      expect(v.out.includes('Subject Alternative Name'), base).toBe(base !== 'front-proxy-client');
      expect(statSync(join(dir, 'pki', `${base}.key`)).mode & 0o777).toBe(0o600);
    }
    expect(openssl(['req', '-in', join(dir, 'pki', 'etcd', 'server.csr'), '-noout', '-text']).out).toContain('DNS:cp7, DNS:localhost, IP Address:10.0.0.7, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    const kc = readFileSync(join(dir, 'admin.conf'), 'utf8');
    expect(kc).toContain('    server: https://10.0.0.7:6443\n');
    expect(kc).toContain('    client-key-data: ');
    expect(kc).not.toContain('client-certificate-data');
    expect(kc).not.toContain('certificate-authority-data');
    expect(openssl(['req', '-in', join(dir, 'kubelet.conf.csr'), '-noout', '-subject', '-nameopt', 'RFC2253']).out).toContain('subject=CN=system:node:cp7,O=system:nodes');
    const again = await runCli(['certs', 'generate-csr', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`error: file already exists: key or CSR ${join(dir, 'pki', 'apiserver')}\n`);
  });

  it('a CSR signed by an external CA (openssl) becomes a certificate check-expiration accepts', async () => {
    const dir = tempDir();
    await runCli(['certs', 'generate-csr', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '--apiserver-advertise-address', '10.0.0.7', '--encryption-algorithm', 'ECDSA-P256']);
    const ca = tempDir();
    await runCli(['init', 'phase', 'certs', 'ca', '--cert-dir', ca, '--encryption-algorithm', 'ECDSA-P256']);
    mkdirSync(join(dir, 'pki'), { recursive: true });
    copyFileSync(join(ca, 'ca.crt'), join(dir, 'pki', 'ca.crt'));
    const ext = join(dir, 'ext.cnf');
    writeFileSync(ext, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:kubernetes,IP:10.96.0.1\n');
    const signed = openssl(['x509', '-req', '-in', join(dir, 'pki', 'apiserver.csr'), '-CA', join(ca, 'ca.crt'), '-CAkey', join(ca, 'ca.key'), '-set_serial', '42', '-days', '30', '-extfile', ext, '-out', join(dir, 'pki', 'apiserver.crt')]);
    expect(signed.code).toBe(0);
    expect(verifyChain(join(dir, 'pki', 'ca.crt'), join(dir, 'pki', 'apiserver.crt'), 'sslserver').code).toBe(0);
  });
});

describe('renewal keeps what an operator customised', () => {
  it('hand-added SANs, a non-default cluster name and a kubeadm --kubeconfig flag', async () => {
    const k8s = tempDir();
    const cfg = join(k8s, 'kubeadm.yaml');
    writeFileSync(cfg, `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nclusterName: prod\ncertificatesDir: ${join(k8s, 'pki')}\nencryptionAlgorithm: ECDSA-P256\napiServer:\n  certSANs: [lb.prod.example.com, 192.0.2.10]\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nlocalAPIEndpoint:\n  advertiseAddress: 10.0.0.8\n`);
    expect((await runCli(['init', '--config', cfg, '--kubeconfig-dir', k8s])).code).toBe(0);
    const san = readCert(k8s, 'apiserver').san;
    expect(san).toContain('DNS:lb.prod.example.com');
    expect(san).toContain('IP Address:192.0.2.10');
    // renewal without the config file: SANs come from the certificate, not from defaults
    const r = await runCli(['certs', 'renew', 'all', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s, '--kubeconfig', join(k8s, 'admin.conf')]);
    expect(r.code).toBe(0);
    expect(readCert(k8s, 'apiserver').san).toBe(san);
    const admin = readKubeconfig(join(k8s, 'admin.conf'));
    expect(admin['current-context']).toBe('kubernetes-admin@prod');
    expect(admin.clusters.map((c) => c.name)).toEqual(['prod']);
    expect(admin.clusters[0]?.cluster['server']).toBe('https://10.0.0.8:6443');
  });
});

describe('symlinked files', () => {
  it('a renewed file that is a symlink is replaced at its target; the link stays', async () => {
    const k8s = tempDir();
    await initPki(k8s);
    const { renameSync, symlinkSync, lstatSync, readlinkSync } = await import('node:fs');
    const real = join(k8s, 'admin.conf.real');
    renameSync(join(k8s, 'admin.conf'), real);
    symlinkSync('admin.conf.real', join(k8s, 'admin.conf'));
    const before = readCert(k8s, 'admin.conf').serial;
    const r = await renew(k8s, ['admin.conf']);
    expect(r.code).toBe(0);
    expect(lstatSync(join(k8s, 'admin.conf')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(k8s, 'admin.conf'))).toBe('admin.conf.real');
    expect(readCert(k8s, 'admin.conf').serial).not.toBe(before);
  });
});

describe('renewal validity and algorithm from the config file', () => {
  it('certificateValidityPeriod and encryptionAlgorithm of --config apply to renewed certificates', async () => {
    const k8s = tempDir();
    await initPki(k8s, { algorithm: 'ECDSA-P256' });
    const cfg = join(k8s, 'kubeadm.yaml');
    writeFileSync(cfg, `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncertificatesDir: ${join(k8s, 'pki')}\ncertificateValidityPeriod: 720h\nencryptionAlgorithm: ECDSA-P384\n`);
    const r = await runCli(['certs', 'renew', 'etcd-server', '--config', cfg, '--kubeconfig-dir', k8s]);
    expect(r.code).toBe(0);
    const now = readCert(k8s, 'etcd/server');
    expect(now.notAfter - now.notBefore).toBe(720 * 3_600_000 + 5 * 60_000);
    const text = openssl(['x509', '-noout', '-text'], now.pem).out;
    expect(text).toContain('NIST CURVE: P-384');
  });
});
