/** `kubecerts init` end to end: every certificate checked with openssl, for RSA and ECDSA. */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initPki, runCli } from '../helpers/cli.js';
import { certPublicKey, keyPublicKey, verifyChain, x509Field, x509Text } from '../helpers/openssl.js';
import { kubeconfigCredentials } from '../helpers/kubeconfig.js';
import { tempDir } from '../helpers/tmp.js';

interface LeafCase {
  readonly base: string;
  readonly ca: string;
  readonly purpose: 'sslserver' | 'sslclient';
  readonly subject: string;
  readonly eku: string;
  readonly san?: string;
}

const LEAVES: readonly LeafCase[] = [
  {
    base: 'apiserver', ca: 'ca', purpose: 'sslserver', subject: 'CN=kube-apiserver', eku: 'TLS Web Server Authentication',
    san: 'DNS:cp1, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, IP Address:10.96.0.1, IP Address:127.0.0.1',
  },
  { base: 'apiserver-kubelet-client', ca: 'ca', purpose: 'sslclient', subject: 'CN=kube-apiserver-kubelet-client,O=kubeadm:cluster-admins', eku: 'TLS Web Client Authentication' },
  { base: 'front-proxy-client', ca: 'front-proxy-ca', purpose: 'sslclient', subject: 'CN=front-proxy-client', eku: 'TLS Web Client Authentication' },
  {
    base: 'etcd/server', ca: 'etcd/ca', purpose: 'sslserver', subject: 'CN=cp1', eku: 'TLS Web Server Authentication, TLS Web Client Authentication',
    san: 'DNS:cp1, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
  },
  {
    base: 'etcd/peer', ca: 'etcd/ca', purpose: 'sslserver', subject: 'CN=cp1', eku: 'TLS Web Server Authentication, TLS Web Client Authentication',
    san: 'DNS:cp1, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
  },
  { base: 'etcd/healthcheck-client', ca: 'etcd/ca', purpose: 'sslclient', subject: 'CN=kube-etcd-healthcheck-client', eku: 'TLS Web Client Authentication' },
  { base: 'apiserver-etcd-client', ca: 'etcd/ca', purpose: 'sslclient', subject: 'CN=kube-apiserver-etcd-client', eku: 'TLS Web Client Authentication' },
];

const KUBECONFIGS = [
  { file: 'admin.conf', subject: 'CN=kubernetes-admin,O=kubeadm:cluster-admins', server: 'https://127.0.0.1:6443' },
  { file: 'super-admin.conf', subject: 'CN=kubernetes-super-admin,O=system:masters', server: 'https://127.0.0.1:6443' },
  { file: 'kubelet.conf', subject: 'CN=system:node:cp1,O=system:nodes', server: 'https://127.0.0.1:6443' },
  { file: 'controller-manager.conf', subject: 'CN=system:kube-controller-manager', server: 'https://127.0.0.1:6443' },
  { file: 'scheduler.conf', subject: 'CN=system:kube-scheduler', server: 'https://127.0.0.1:6443' },
] as const;

const ALGORITHMS = [
  { alg: 'RSA-2048', keyBlock: 'RSA PRIVATE KEY', keyText: 'Public-Key: (2048 bit)', sig: 'sha256WithRSAEncryption' },
  { alg: 'ECDSA-P256', keyBlock: 'EC PRIVATE KEY', keyText: 'NIST CURVE: P-256', sig: 'ecdsa-with-SHA256' },
  { alg: 'ECDSA-P384', keyBlock: 'EC PRIVATE KEY', keyText: 'NIST CURVE: P-384', sig: 'ecdsa-with-SHA384' },
] as const;

const START = '2026-01-10 10:00:00';

describe.each(ALGORITHMS)('kubecerts init with $alg', ({ alg, keyBlock, keyText, sig }) => {
  let certDir = '';
  let kubeconfigDir = '';
  beforeAll(async () => {
    // faketime fixes the clock for the Node process, so validity can be asserted exactly
    ({ certDir, kubeconfigDir } = await initPki(tempDir(), { algorithm: alg, faketime: START }));
  });

  it.each(LEAVES)('$base verifies against $ca with purpose $purpose and has the spec fields', (leaf) => {
    const crt = join(certDir, `${leaf.base}.crt`);
    const v = verifyChain(join(certDir, `${leaf.ca}.crt`), crt, leaf.purpose);
    expect(v.out).toContain(': OK');
    expect(v.code).toBe(0);
    const pem = readFileSync(crt, 'utf8');
    const text = x509Text(pem);
    expect(x509Field(pem, '-subject')).toBe(`subject=${leaf.subject}`);
    expect(text).toContain(`Signature Algorithm: ${sig}`);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toContain(`X509v3 Extended Key Usage: \n                ${leaf.eku}\n`);
    expect(text).toContain('X509v3 Authority Key Identifier');
    expect(text).not.toContain('X509v3 Subject Key Identifier');
    if (leaf.san) expect(text).toContain(`X509v3 Subject Alternative Name: \n                ${leaf.san}\n`);
    else expect(text).not.toContain('Subject Alternative Name');
    // validity: NotBefore = start - 5 min, NotAfter = start + 365 d (start is the faked clock, give or take a few seconds)
    const notBefore = Date.parse(x509Field(pem, '-startdate').replace('notBefore=', ''));
    const notAfter = Date.parse(x509Field(pem, '-enddate').replace('notAfter=', ''));
    const start = Date.parse(`${START.replace(' ', 'T')}Z`);
    expect(notBefore - (start - 5 * 60_000)).toBeGreaterThanOrEqual(0);
    expect(notBefore - (start - 5 * 60_000)).toBeLessThan(30_000);
    expect(notAfter - notBefore).toBe(365 * 86_400_000 + 5 * 60_000);
    // key file: kubeadm's PEM block, mode 0600, matching the certificate
    const keyFile = join(certDir, `${leaf.base}.key`);
    const key = readFileSync(keyFile, 'utf8');
    expect(key.startsWith(`-----BEGIN ${keyBlock}-----\n`)).toBe(true);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(crt).mode & 0o777).toBe(0o644);
    expect(keyPublicKey(key)).toBe(certPublicKey(pem));
    expect(text).toContain(keyText);
  });

  it.each(['ca', 'front-proxy-ca', 'etcd/ca'])('%s is a self-signed 10-year CA with its CN as DNS SAN', (base) => {
    const pem = readFileSync(join(certDir, `${base}.crt`), 'utf8');
    const text = x509Text(pem);
    const cn = base === 'ca' ? 'kubernetes' : base === 'etcd/ca' ? 'etcd-ca' : 'front-proxy-ca';
    expect(x509Field(pem, '-subject')).toBe(`subject=CN=${cn}`);
    expect(x509Field(pem, '-issuer')).toBe(`issuer=CN=${cn}`);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment, Certificate Sign\n/);
    expect(text).toContain('X509v3 Subject Key Identifier');
    expect(text).not.toContain('X509v3 Authority Key Identifier');
    expect(text).toContain(`DNS:${cn}\n`);
    const notBefore = Date.parse(x509Field(pem, '-startdate').replace('notBefore=', ''));
    const notAfter = Date.parse(x509Field(pem, '-enddate').replace('notAfter=', ''));
    expect(notAfter - notBefore).toBe(3650 * 86_400_000 + 5 * 60_000);
    const v = verifyChain(join(certDir, `${base}.crt`), join(certDir, `${base}.crt`), 'sslclient');
    expect(v.code).toBe(0);
  });

  it('writes sa.key and a PKIX sa.pub of the same key, both 0600', () => {
    const key = readFileSync(join(certDir, 'sa.key'), 'utf8');
    const pub = readFileSync(join(certDir, 'sa.pub'), 'utf8');
    expect(key).toContain(`-----BEGIN ${keyBlock}-----`);
    expect(pub.startsWith('-----BEGIN PUBLIC KEY-----\n')).toBe(true);
    expect(keyPublicKey(key)).toBe(pub);
    expect(statSync(join(certDir, 'sa.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(certDir, 'sa.pub')).mode & 0o777).toBe(0o600);
  });

  it.each(KUBECONFIGS)('$file embeds ca.crt and a client certificate for $subject', ({ file, subject, server }) => {
    const path = join(kubeconfigDir, file);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const creds = kubeconfigCredentials(path);
    expect(creds.server).toBe(server);
    expect(creds.ca).toBe(readFileSync(join(certDir, 'ca.crt'), 'utf8'));
    expect(x509Field(creds.cert, '-subject')).toBe(`subject=${subject}`);
    expect(keyPublicKey(creds.key)).toBe(certPublicKey(creds.cert));
    expect(creds.key).toContain(`-----BEGIN ${keyBlock}-----`);
    // client certificates inherit the CA's NotBefore (spec §3.4)
    expect(x509Field(creds.cert, '-startdate')).toBe(x509Field(creds.ca, '-startdate'));
    const text = x509Text(creds.cert);
    expect(text).toContain('TLS Web Client Authentication');
  });
});

describe('kubecerts init messages and layout', () => {
  it('prints kubeadm phase lines and the serving-cert SANs, then reuses everything on a second run', async () => {
    const dir = tempDir();
    const args = ['init', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '--apiserver-advertise-address', '192.168.0.10', '--node-name', 'cp1', '--encryption-algorithm', 'ECDSA-P256'];
    const first = await runCli(args);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`[certs] Using certificateDir folder "${join(dir, 'pki')}"\n[certs] Generating "ca" certificate and key\n`);
    expect(first.stdout).toContain(
      '[certs] apiserver serving cert is signed for DNS names [cp1 kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local] and IPs [10.96.0.1 192.168.0.10]\n',
    );
    expect(first.stdout).toContain('[certs] etcd/server serving cert is signed for DNS names [cp1 localhost] and IPs [192.168.0.10 127.0.0.1 ::1]\n');
    expect(first.stdout).toContain('[certs] Generating "sa" key and public key\n');
    expect(first.stdout).toContain(`[kubeconfig] Using kubeconfig folder "${dir}"\n[kubeconfig] Writing "admin.conf" kubeconfig file\n`);
    const second = await runCli(args);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('[certs] Using existing ca certificate authority\n');
    expect(second.stdout).toContain('[certs] Using existing etcd/peer certificate and key on disk\n');
    expect(second.stdout).toContain('[certs] Using the existing "sa" key\n');
    expect(second.stdout).toContain(`[kubeconfig] Using existing kubeconfig file: "${join(dir, 'admin.conf')}"\n`);
    expect(second.stdout).not.toContain('Generating');
  });

  it('--dry-run lists the files and writes nothing', async () => {
    const dir = tempDir();
    const r = await runCli(['init', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', join(dir, 'k'), '--apiserver-advertise-address', '10.0.0.1', '--encryption-algorithm', 'ECDSA-P256', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`[dryrun] Would write file "${join(dir, 'pki', 'ca.key')}" with mode 0600`);
    expect(r.stdout).toContain(`[dryrun] Would write file "${join(dir, 'k', 'admin.conf')}" with mode 0600`);
    expect(r.stdout).not.toContain('PRIVATE KEY');
    expect(() => statSync(join(dir, 'pki'))).toThrow();
  });

  it('init phase certs apiserver adds extra SANs and a control-plane endpoint, skipping invalid ones with a warning', async () => {
    const dir = tempDir();
    await runCli(['init', 'phase', 'certs', 'ca', '--cert-dir', dir, '--encryption-algorithm', 'ECDSA-P256']);
    const r = await runCli([
      'init', 'phase', 'certs', 'apiserver', '--cert-dir', dir, '--apiserver-advertise-address', '10.0.0.5', '--node-name', 'cp9',
      '--control-plane-endpoint', 'api.example.com:8443', '--apiserver-cert-extra-sans', 'zz.example.com,10.0.0.100,bad_name!', '--service-cidr', '10.100.0.0/16',
      '--service-dns-domain', 'corp.local',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("[certificates] WARNING: 'bad_name!' was not added to the 'apiserver.crt' SAN, because it is not a valid IP or RFC-1123 compliant DNS entry");
    const pem = readFileSync(join(dir, 'apiserver.crt'), 'utf8');
    expect(x509Field(pem, '-ext', 'subjectAltName')).toContain(
      'DNS:api.example.com, DNS:cp9, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.corp.local, DNS:zz.example.com, IP Address:10.100.0.1, IP Address:10.0.0.5, IP Address:10.0.0.100',
    );
  });

  it('reads a v1beta4 config file: names, SANs, algorithm and validity periods', async () => {
    const dir = tempDir();
    const cfgFile = join(dir, 'kubeadm.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      cfgFile,
      [
        'apiVersion: kubeadm.k8s.io/v1beta4',
        'kind: InitConfiguration',
        'localAPIEndpoint:',
        '  advertiseAddress: 10.1.2.3',
        '  bindPort: 7443',
        'nodeRegistration:',
        '  name: Node-A',
        '---',
        'apiVersion: kubeadm.k8s.io/v1beta4',
        'kind: ClusterConfiguration',
        `certificatesDir: ${join(dir, 'pki')}`,
        'clusterName: prod',
        'encryptionAlgorithm: ECDSA-P384',
        'certificateValidityPeriod: 720h',
        'caCertificateValidityPeriod: 87600h',
        'apiServer:',
        '  certSANs: [lb.prod.example.com]',
        'etcd:',
        '  local:',
        '    serverCertSANs: [etcd.prod.example.com]',
        '---',
        'apiVersion: kubelet.config.k8s.io/v1beta1',
        'kind: KubeletConfiguration',
        '',
      ].join('\n'),
    );
    const r = await runCli(['init', '--config', cfgFile, '--kubeconfig-dir', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const api = readFileSync(join(dir, 'pki', 'apiserver.crt'), 'utf8');
    expect(x509Field(api, '-ext', 'subjectAltName')).toContain('DNS:lb.prod.example.com, DNS:node-a');
    expect(x509Text(api)).toContain('NIST CURVE: P-384');
    const etcd = readFileSync(join(dir, 'pki', 'etcd', 'server.crt'), 'utf8');
    expect(x509Field(etcd, '-ext', 'subjectAltName')).toContain('DNS:etcd.prod.example.com, DNS:localhost, DNS:node-a, IP Address:10.1.2.3');
    const nb = Date.parse(x509Field(api, '-startdate').replace('notBefore=', ''));
    const na = Date.parse(x509Field(api, '-enddate').replace('notAfter=', ''));
    expect(na - nb).toBe(720 * 3_600_000 + 5 * 60_000);
    const admin = readFileSync(join(dir, 'admin.conf'), 'utf8');
    expect(admin).toContain('    server: https://10.1.2.3:7443\n  name: prod\n');
    expect(admin).toContain('current-context: kubernetes-admin@prod\n');
  });
});
