/**
 * Issue 10, point 11: error texts as kubeadm prints them (its errors.Wrap chains, byte for byte after kubecerts'
 * "error: " prefix), each on a real tree made by `kubecerts init`. The source of each text is named in the test.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { initPki, runCli } from '../helpers/cli.js';
import { snapshotTree, tempDir } from '../helpers/tmp.js';

const firstLine = (s: string): string => s.split('\n')[0] ?? '';

describe('generate-csr (kubeadm phases/kubeconfig createKubeConfigAndCSR, phases/certs createKeyAndCSR)', () => {
  const args = (dir: string): string[] => ['certs', 'generate-csr', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '--apiserver-advertise-address', '10.0.0.7', '--node-name', 'cp7', '--encryption-algorithm', 'ECDSA-P256'];

  it('an existing kubeconfig: "file already exists: kube config: <path>"; nothing is written', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'scheduler.conf'), 'kept\n');
    const before = snapshotTree(dir);
    const r = await runCli(args(dir));
    expect(r.stderr).toBe(`error: file already exists: kube config: ${join(dir, 'scheduler.conf')}\n`);
    expect(r.code).toBe(1);
    expect(snapshotTree(dir)).toEqual(before);
  });

  it('an existing kubeconfig CSR or key: "file already exists: csr: <kubeconfig path>"', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'admin.conf.key'), 'kept\n');
    const r = await runCli(args(dir));
    expect(r.stderr).toBe(`error: file already exists: csr: ${join(dir, 'admin.conf')}\n`);
    expect(r.code).toBe(1);
  });

  it('an existing leaf CSR: "file already exists: key or CSR <cert-dir>/<base>" with the folder as given', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'pki', 'etcd'), { recursive: true });
    writeFileSync(join(dir, 'pki', 'etcd', 'peer.csr'), 'kept\n');
    const r = await runCli(args(dir));
    expect(r.stderr).toBe(`error: file already exists: key or CSR ${join(dir, 'pki')}/etcd/peer\n`);
  });
});

describe('init phases (kubeadm workflow runner: "error execution phase <phase>: ...")', () => {
  it('a kubeconfig with another CA: error execution phase kubeconfig/scheduler', async () => {
    const dir = tempDir();
    const other = tempDir();
    const { certDir } = await initPki(dir);
    await initPki(other);
    writeFileSync(join(dir, 'scheduler.conf'), readFileSync(join(other, 'scheduler.conf')));
    const r = await runCli(['init', 'phase', 'kubeconfig', 'scheduler', '--cert-dir', certDir, '--kubeconfig-dir', dir, '--apiserver-advertise-address', '127.0.0.1']);
    expect(r.stderr).toBe(`error: error execution phase kubeconfig/scheduler: a kubeconfig file "${join(dir, 'scheduler.conf')}" exists already but has got the wrong CA cert\n`);
    expect(r.code).toBe(1);
  });

  it('a missing CA for a leaf: couldn\'t load CA certificate <name>: couldn\'t load <base> certificate authority from <dir>', async () => {
    const dir = tempDir();
    const certDir = join(dir, 'pki');
    const r = await runCli(['init', 'phase', 'certs', 'front-proxy-client', '--cert-dir', certDir]);
    expect(r.stderr).toBe(`error: error execution phase certs/front-proxy-client: couldn't load CA certificate front-proxy-ca: couldn't load front-proxy-ca certificate authority from ${certDir}\n`);
    expect(r.code).toBe(1);
  });

  it('a CA file that is not a CA: couldn\'t load CA certificate <name>: <base> certificate is not a certificate authority', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    // the front-proxy client's certificate and key in the CA's place; the client itself is gone, so it is signed anew
    writeFileSync(join(certDir, 'front-proxy-ca.crt'), readFileSync(join(certDir, 'front-proxy-client.crt')));
    writeFileSync(join(certDir, 'front-proxy-ca.key'), readFileSync(join(certDir, 'front-proxy-client.key')));
    rmSync(join(certDir, 'front-proxy-client.crt'));
    rmSync(join(certDir, 'front-proxy-client.key'));
    const r = await runCli(['init', 'phase', 'certs', 'front-proxy-client', '--cert-dir', certDir]);
    expect(r.stderr).toBe('error: error execution phase certs/front-proxy-client: couldn\'t load CA certificate front-proxy-ca: front-proxy-ca certificate is not a certificate authority\n');
    expect(r.code).toBe(1);
  });

  it('a corrupt CA certificate: failure loading <base> certificate: failed to load certificate: couldn\'t load the certificate file ...', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    const crt = join(certDir, 'front-proxy-ca.crt');
    writeFileSync(crt, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const r = await runCli(['init', 'phase', 'certs', 'front-proxy-ca', '--cert-dir', certDir]);
    expect(r.stderr).toBe(
      `error: error execution phase certs/front-proxy-ca: failure loading front-proxy-ca certificate: failed to load certificate: couldn't load the certificate file ${crt}: error reading ${crt}: x509: malformed certificate\n`,
    );
    expect(r.code).toBe(1);
  });
});

describe('init phase certs on an existing leaf (kubeadm phases/certs writeCertificateFilesIfNotExist)', () => {
  const args = (certDir: string): string[] => ['init', 'phase', 'certs', 'apiserver', '--cert-dir', certDir, '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'cp1'];

  it('a certificate that does not load: failed to write or validate certificate "<name>": failure loading <base> certificate: ...', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    const crt = join(certDir, 'apiserver.crt');
    writeFileSync(crt, 'garbage\n');
    const r = await runCli(args(certDir));
    expect(r.stderr).toBe(
      `error: error execution phase certs/apiserver: failed to write or validate certificate "apiserver": failure loading apiserver certificate: couldn't load the certificate file ${crt}: error reading ${crt}: data does not contain any valid RSA or ECDSA certificates\n`,
    );
    expect(r.code).toBe(1);
  });

  it('a certificate whose key is missing: the same chain naming the key (kubeadm would reuse the certificate; differs on purpose)', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    const key = join(certDir, 'apiserver.key');
    rmSync(key);
    const r = await runCli(args(certDir));
    expect(r.stderr).toBe(
      `error: error execution phase certs/apiserver: failed to write or validate certificate "apiserver": failure loading apiserver key: couldn't load the private key file ${key}: open ${key}: no such file or directory\n`,
    );
    expect(r.code).toBe(1);
  });
});

describe('renew (kubeadm renewal/readwriter.go)', () => {
  it('a kubeconfig whose client certificate does not parse: "does not contain a valid client certificate: <ParseCertsPEM error>"', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    const path = join(dir, 'controller-manager.conf');
    const kc = yaml.load(readFileSync(path, 'utf8')) as { users: { user: Record<string, string> }[] };
    (kc.users[0] as { user: Record<string, string> }).user['client-certificate-data'] = Buffer.from('not a certificate\n').toString('base64');
    writeFileSync(path, yaml.dump(kc));
    const before = snapshotTree(dir);
    const r = await runCli(['certs', 'renew', 'controller-manager.conf', '--cert-dir', certDir, '--kubeconfig-dir', dir]);
    expect(firstLine(r.stderr)).toBe(`error: kubeConfig file ${path} does not contain a valid client certificate: data does not contain any valid RSA or ECDSA certificates`);
    expect(r.code).toBe(1);
    expect(snapshotTree(dir)).toEqual(before);
  });

  it('a leaf that is not PEM: "failed to load existing certificate <base>: error reading <path>: ..."', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    const crt = join(certDir, 'apiserver-etcd-client.crt');
    writeFileSync(crt, 'garbage\n');
    const r = await runCli(['certs', 'renew', 'apiserver-etcd-client', '--cert-dir', certDir, '--kubeconfig-dir', dir]);
    expect(firstLine(r.stderr)).toBe(`error: failed to load existing certificate apiserver-etcd-client: error reading ${crt}: data does not contain any valid RSA or ECDSA certificates`);
    expect(r.code).toBe(1);
  });
});

describe('kubeconfig user (kubeadm phases/kubeconfig WriteKubeConfigWithClientCert)', () => {
  it('no CA at all: couldn\'t create a kubeconfig; the CA files couldn\'t be loaded: failed to load certificate: ...', async () => {
    const dir = tempDir();
    const crt = join(dir, 'ca.crt');
    const r = await runCli(['kubeconfig', 'user', '--cert-dir', dir, '--client-name', 'a', '--server', 'https://10.0.0.1:6443']);
    expect(r.stderr).toBe(`error: couldn't create a kubeconfig; the CA files couldn't be loaded: failed to load certificate: couldn't load the certificate file ${crt}: open ${crt}: no such file or directory\n`);
    expect(r.code).toBe(1);
  });

  it('the long-validity warning comes before the CA is loaded (kubeadm cmd/kubeconfig.go newCmdUserKubeConfig)', async () => {
    const dir = tempDir();
    const crt = join(dir, 'ca.crt');
    const r = await runCli(['kubeconfig', 'user', '--cert-dir', dir, '--client-name', 'a', '--server', 'https://10.0.0.1:6443', '--validity-period', '87600h']);
    expect(r.stderr).toBe(
      'WARNING: the specified certificate validity period 87600h0m0s is longer than the default duration 8760h0m0s, this may increase security risks.\n' +
        `error: couldn't create a kubeconfig; the CA files couldn't be loaded: failed to load certificate: couldn't load the certificate file ${crt}: open ${crt}: no such file or directory\n`,
    );
    expect(r.code).toBe(1);
  });

  it('an expired CA warns under kubeadm\'s name for it, "ca"', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir, { faketime: '2010-01-01 00:00:00' });
    rmSync(join(dir, 'admin.conf'));
    const r = await runCli(['kubeconfig', 'user', '--cert-dir', certDir, '--client-name', 'a', '--server', 'https://10.0.0.1:6443'], { faketime: '2026-01-01 00:00:00' });
    expect(r.stderr).toMatch(/^WARNING: could not validate bounds for certificate ca: the certificate has expired: NotBefore: 2009-12-31 23:5\d:\d\d \+0000 UTC, NotAfter: 2019-12-\d\d \d\d:\d\d:\d\d \+0000 UTC\n/);
    expect(r.code).toBe(0);
  });
});

describe('[endpoint] port warning (kubeadm util/endpoint.go GetControlPlaneEndpoint, once per getKubeConfigSpecsBase)', () => {
  const WARNING = '[endpoint] WARNING: port specified in controlPlaneEndpoint overrides bindPort in the controlplane address\n';

  it('init phase kubeconfig all prints it once per kubeconfig phase, the local ones too', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    for (const f of ['admin.conf', 'super-admin.conf', 'kubelet.conf', 'controller-manager.conf', 'scheduler.conf']) rmSync(join(dir, f));
    const r = await runCli(['init', 'phase', 'kubeconfig', 'all', '--cert-dir', certDir, '--kubeconfig-dir', dir, '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'cp1', '--control-plane-endpoint', 'api.example.test:8443']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(WARNING.repeat(5));
    expect(readFileSync(join(dir, 'admin.conf'), 'utf8')).toContain('server: https://api.example.test:8443\n');
    expect(readFileSync(join(dir, 'scheduler.conf'), 'utf8')).toContain('server: https://127.0.0.1:6443\n');
  });

  it('generate-csr prints it once', async () => {
    const dir = tempDir();
    const r = await runCli(['certs', 'generate-csr', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '--apiserver-advertise-address', '10.0.0.7', '--node-name', 'cp7', '--encryption-algorithm', 'ECDSA-P256', '--control-plane-endpoint', 'api.example.test:8443']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(WARNING);
  });
});

describe('external-CA checks before every init phase (kubeadm cmd/init.go newInitData)', () => {
  it('a single certs phase with a keyless CA checks all kubeconfigs (of the default folder) first', async () => {
    const host = tempDir();
    const dir = join(host, 'etc', 'kubernetes');
    mkdirSync(dir, { recursive: true });
    const { certDir } = await initPki(dir);
    rmSync(join(certDir, 'ca.key'));
    rmSync(join(dir, 'kubelet.conf'));
    const before = snapshotTree(host);
    const r = await runCli(['--rootfs', host, 'init', 'phase', 'certs', 'apiserver-kubelet-client']);
    expect(r.stdout).toBe('');
    // the detected advertise address differs from the one the tree was made for: kubeadm warns about each existing file
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines.slice(0, -2).every((l) => l.includes('exists already but has an unexpected API Server URL'))).toBe(true);
    expect(lines.at(-1)).toBe(`hint: ca.key is absent (external-CA mode): as kubeadm, every init command first checks the five kubeconfigs in ${dir}`);
    expect(lines.at(-2)).toBe(`error: the kubelet.conf file does not exists or it is not valid: open ${join(dir, 'kubelet.conf')}: no such file or directory`);
    expect(r.code).toBe(1);
    expect(snapshotTree(host)).toEqual(before);
  });

  it('a kubeconfig phase with a keyless front-proxy CA whose client does not load: invalid or incomplete external front-proxy CA', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    rmSync(join(certDir, 'front-proxy-ca.key'));
    const crt = join(certDir, 'front-proxy-client.crt');
    writeFileSync(crt, 'garbage\n');
    const r = await runCli(['init', 'phase', 'kubeconfig', 'admin', '--cert-dir', certDir, '--kubeconfig-dir', dir, '--apiserver-advertise-address', '127.0.0.1']);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `error: invalid or incomplete external front-proxy CA: failure loading certificate for front-proxy client: couldn't load the certificate file ${crt}: error reading ${crt}: data does not contain any valid RSA or ECDSA certificates\n`,
    );
    expect(r.code).toBe(1);
  });
});

describe('--config with other init flags (kubeadm apis/kubeadm/validation ValidateMixedArguments)', () => {
  const config = (dir: string): string => {
    const p = join(dir, 'kubeadm.yaml');
    writeFileSync(p, `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncertificatesDir: ${join(dir, 'pki')}\n`);
    return p;
  };

  it('kubeadm\'s flags next to --config are refused, named in sorted order; nothing is written', async () => {
    const dir = tempDir();
    const cfg = config(dir);
    const before = snapshotTree(dir);
    const r = await runCli(['init', 'phase', 'certs', 'apiserver', '--config', cfg, '--control-plane-endpoint', 'api.example.test', '--cert-dir', join(dir, 'other')]);
    expect(firstLine(r.stderr)).toBe("error: can not mix '--config' with arguments [cert-dir control-plane-endpoint]");
    expect(r.code).toBe(2);
    expect(snapshotTree(dir)).toEqual(before);
  });

  it('--kubeconfig-dir, --node-name, --dry-run and kubecerts\' own flags may be mixed', async () => {
    const dir = tempDir();
    const cfg = config(dir);
    const r = await runCli(['init', '--config', cfg, '--kubeconfig-dir', dir, '--node-name', 'cp1', '--encryption-algorithm', 'ECDSA-P256', '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('--cert-dir next to --config in check-expiration and renew (differs on purpose)', () => {
  it('the flag is used, not the file\'s certificatesDir', async () => {
    const dir = tempDir();
    const { certDir } = await initPki(dir);
    const cfg = join(dir, 'kubeadm.yaml');
    writeFileSync(cfg, `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncertificatesDir: ${join(dir, 'elsewhere')}\n`);
    const r = await runCli(['certs', 'check-expiration', '--config', cfg, '--cert-dir', certDir, '--kubeconfig-dir', dir, '-o', 'jsonpath={.certificateAuthorities[*].missing}']);
    expect(r.stdout).toBe('false false false');
    expect(r.code).toBe(0);
    const renew = await runCli(['certs', 'renew', 'front-proxy-client', '--config', cfg, '--cert-dir', certDir, '--kubeconfig-dir', dir, '--no-backup']);
    expect(renew.stdout).toBe('certificate for the front proxy client renewed\n');
    expect(renew.code).toBe(0);
  });
});
