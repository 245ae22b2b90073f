/**
 * The kubelet commands on real inputs: `fix-kubeconfig` on the kubeconfig of a real kubeadm v1.16 cluster (the
 * fixture) with kubelet-client-current.pem files made by openssl; `client-kubeconfig` checked with openssl and used
 * by the real kubectl against a TLS test server requiring client certificates (test/helpers/apiserver.ts);
 * `serving enable` on the kubelet config file kubeadm v1.29 writes; `serving-csr review` on CSRs made by openssl.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { kubectl, startTestApiServer } from '../helpers/apiserver.js';
import { initPki, runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { openssl, verifyChain, x509Field } from '../helpers/openssl.js';
import { copyFixture, tempDir } from '../helpers/tmp.js';

/** A key and a certificate for `subj` signed by `ca` (cert, key), written together as kubelet-client-current.pem. */
function nodePem(dir: string, subj: string, ca: { crt: string; key: string }, faketime?: string): string {
  const key = join(dir, `k-${Math.random().toString(36).slice(2)}.pem`);
  expect(openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]).code).toBe(0);
  const csr = openssl(['req', '-new', '-key', key, '-subj', subj]).out;
  const args = ['x509', '-req', '-CA', ca.crt, '-CAkey', ca.key, '-days', '365', '-set_serial', '7'];
  const r = faketime ? spawnSync('faketime', [faketime, 'openssl', ...args], { input: csr, encoding: 'utf8' }) : spawnSync('openssl', args, { input: csr, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return `${r.stdout}${readFileSync(key, 'utf8')}`;
}

describe('kubelet fix-kubeconfig on a kubeadm v1.16 kubelet.conf', () => {
  let tree = '';
  let kubeletDir = '';
  let ca: { crt: string; key: string };
  beforeAll(() => {
    tree = copyFixture('v1.16');
    kubeletDir = tempDir();
    ca = { crt: join(tree, 'pki', 'ca.crt'), key: join(tree, 'pki', 'ca.key') };
  });
  const run = (extra: string[] = []): ReturnType<typeof runCli> => runCli(['kubelet', 'fix-kubeconfig', '--kubeconfig-dir', tree, '--kubelet-dir', kubeletDir, ...extra]);
  const conf = (): string => readFileSync(join(tree, 'kubelet.conf'), 'utf8');

  it.each([
    ['another node', '/O=system:nodes/CN=system:node:master2', undefined, /it is for O=system:nodes,CN=system:node:master2, kubelet\.conf for O=system:nodes,CN=system:node:master1/],
    ['not a node identity', '/O=system:masters/CN=system:node:master1', undefined, /it is for O=system:masters,CN=system:node:master1/],
    ['an expired certificate', '/O=system:nodes/CN=system:node:master1', '2021-01-01 00:00:00', /it expired on 2022-01-01T00:00:0\dZ/],
  ])('refuses a rotating file for %s and changes nothing', async (_n, subj, faketime, message) => {
    const before = conf();
    writeFileSync(join(kubeletDir, 'kubelet-client-current.pem'), nodePem(kubeletDir, subj, ca, faketime));
    const r = await run();
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(1);
    expect(conf()).toBe(before);
  });

  it('refuses a rotating file signed by another CA', async () => {
    const other = tempDir();
    expect(openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', '/CN=kubernetes', '-keyout', join(other, 'ca.key'), '-out', join(other, 'ca.crt')]).code).toBe(0);
    writeFileSync(join(kubeletDir, 'kubelet-client-current.pem'), nodePem(kubeletDir, '/O=system:nodes/CN=system:node:master1', { crt: join(other, 'ca.crt'), key: join(other, 'ca.key') }));
    const before = conf();
    const r = await run();
    expect(r.stderr).toMatch(/it is not signed by the cluster CA in .*kubelet\.conf/);
    expect(conf()).toBe(before);
  });

  it('points client-certificate and client-key at kubelet-client-current.pem, keeps every other byte, backs up, 0600; kubectl reads it', async () => {
    const pem = join(kubeletDir, 'kubelet-client-current.pem');
    writeFileSync(pem, nodePem(kubeletDir, '/O=system:nodes/CN=system:node:master1', ca));
    const before = conf();
    // kubelet.conf holds a key: it ends owned by the running user whoever owned it (the README's rule)
    if (process.getuid?.() === 0) chownSync(join(tree, 'kubelet.conf'), 65534, 65534);
    const dry = await run(['--dry-run']);
    expect(dry.stdout).toContain(`would point user "system:node:master1" in ${join(tree, 'kubelet.conf')} at ${pem}`);
    expect(conf()).toBe(before);
    const r = await run();
    expect(r.code, r.stderr).toBe(0);
    const expected = before
      .replace(/client-certificate-data: \S+/, `client-certificate: ${pem}`)
      .replace(/client-key-data: \S+/, `client-key: ${pem}`);
    expect(conf()).toBe(expected);
    expect(statSync(join(tree, 'kubelet.conf')).mode & 0o777).toBe(0o600);
    expect(statSync(join(tree, 'kubelet.conf')).uid).toBe(process.getuid?.());
    const backups = readdirSync(join(tree, 'tmp'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(tree, 'tmp', backups[0] as string), 'utf8')).toBe(before);
    const view = await kubectl(['--kubeconfig', join(tree, 'kubelet.conf'), 'config', 'view', '-o', 'jsonpath={.users[0].user.client-certificate}']);
    expect(view.stdout).toBe(pem);
    const again = await run();
    expect(again.stdout).toContain('already references a client certificate file');
    expect(conf()).toBe(expected);
  });
});

describe('kubelet fix-kubeconfig writes the absolute path the host\'s kubelet uses', () => {
  it('under --rootfs: kubelet.conf names /var/lib/kubelet/pki/kubelet-client-current.pem, never the rootfs prefix', async () => {
    const root = tempDir();
    const tree = copyFixture('v1.16', join(root, 'etc', 'kubernetes'));
    const pki = join(root, 'var', 'lib', 'kubelet', 'pki');
    mkdirSync(pki, { recursive: true });
    writeFileSync(join(pki, 'kubelet-client-current.pem'), nodePem(pki, '/O=system:nodes/CN=system:node:master1', { crt: join(tree, 'pki', 'ca.crt'), key: join(tree, 'pki', 'ca.key') }));
    const dry = await runCli(['--rootfs', root, 'kubelet', 'fix-kubeconfig', '--dry-run']);
    expect(dry.stdout).toContain('at /var/lib/kubelet/pki/kubelet-client-current.pem (valid until');
    const r = await runCli(['--rootfs', root, 'kubelet', 'fix-kubeconfig']);
    expect(r.code, r.stderr).toBe(0);
    const conf = readFileSync(join(tree, 'kubelet.conf'), 'utf8');
    expect(conf).toContain('client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem\n');
    expect(conf).toContain('client-key: /var/lib/kubelet/pki/kubelet-client-current.pem\n');
    expect(conf).not.toContain(root);
  });

  it('a relative --kubelet-dir is checked and written as an absolute path, so kubectl finds the file from any folder', async () => {
    const cwd = tempDir();
    const tree = copyFixture('v1.16', join(cwd, 'kubernetes'));
    const kp = join(cwd, 'kp');
    mkdirSync(kp);
    writeFileSync(join(kp, 'kubelet-client-current.pem'), nodePem(kp, '/O=system:nodes/CN=system:node:master1', { crt: join(tree, 'pki', 'ca.crt'), key: join(tree, 'pki', 'ca.key') }));
    const r = await runCli(['kubelet', 'fix-kubeconfig', '--kubeconfig-dir', 'kubernetes', '--kubelet-dir', 'kp'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(tree, 'kubelet.conf'), 'utf8')).toContain(`client-certificate: ${join(kp, 'kubelet-client-current.pem')}\n`);
    const view = await kubectl(['--kubeconfig', join(tree, 'kubelet.conf'), 'config', 'view', '--flatten', '-o', 'jsonpath={.users[0].user.client-key-data}']);
    expect(view.code, view.out).toBe(0);
    expect(Buffer.from(view.stdout, 'base64').toString()).toContain('PRIVATE KEY');
  });
});

describe('kubelet commands and kubeconfig refresh never block on a FIFO or read a device', () => {
  it('a FIFO or /dev/zero as an input file is one error naming it, at once', () => {
    const d = tempDir();
    const tree = copyFixture('v1.16', join(d, 'kubernetes'));
    const fifo = join(d, 'fifo');
    spawnSync('mkfifo', [fifo]);
    mkdirSync(join(d, 'kp'));
    spawnSync('mkfifo', [join(d, 'kp', 'kubelet-client-current.pem')]);
    const cases: [string[], RegExp][] = [
      [['kubelet', 'fix-kubeconfig', '--kubeconfig-dir', tree, '--kubelet-dir', join(d, 'kp')], /kubelet-client-current\.pem" is a FIFO, not a regular file/],
      [['kubelet', 'serving', 'enable', '--kubelet-config', fifo], /fifo" is a FIFO, not a regular file/],
      [['kubelet', 'serving', 'enable', '--kubelet-config', '/dev/zero'], /"\/dev\/zero" is a device, not a regular file/],
      [['kubeconfig', 'refresh', '/dev/zero', '--from', join(tree, 'admin.conf')], /"\/dev\/zero" is a device, not a regular file/],
      [['kubeconfig', 'refresh', join(tree, 'admin.conf'), '--from', fifo], /fifo" is a FIFO, not a regular file/],
    ];
    for (const [args, message] of cases) {
      const r = spawnSync(process.execPath, [join(__dirname, '..', '..', 'dist', 'bin.cjs'), ...args], { encoding: 'utf8', timeout: 10_000 });
      expect(r.signal, `${args.join(' ')} hung`).toBe(null);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.status).toBe(1);
    }
  });
});

describe('kubelet client-kubeconfig', () => {
  it('makes system:node:NAME in system:nodes signed by the cluster CA, with the cluster endpoint; kubectl authenticates with it', async () => {
    const dir = tempDir();
    const port = await freePort();
    await initPki(dir, { port });
    const r = await runCli(['kubelet', 'client-kubeconfig', '--node-name', 'worker-1', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('copy this to node worker-1 as /etc/kubernetes/kubelet.conf');
    const kc = yaml.load(r.stdout) as { clusters: { cluster: { server: string } }[]; users: { name: string; user: Record<string, string> }[] };
    expect(kc.clusters[0]?.cluster.server).toBe(`https://127.0.0.1:${port}`);
    expect(kc.users[0]?.name).toBe('system:node:worker-1');
    const cert = Buffer.from(kc.users[0]?.user['client-certificate-data'] ?? '', 'base64').toString();
    expect(x509Field(cert, '-subject')).toBe('subject=CN=system:node:worker-1,O=system:nodes');
    const certFile = join(dir, 'node.crt');
    writeFileSync(certFile, cert);
    expect(verifyChain(join(dir, 'pki', 'ca.crt'), certFile, 'sslclient').code).toBe(0);
    const out = join(dir, 'worker-1.conf');
    writeFileSync(out, r.stdout, { mode: 0o600 });
    const server = await startTestApiServer(join(dir, 'pki'), port);
    try {
      const v = await kubectl(['--kubeconfig', out, 'version', '-o', 'json', '--request-timeout', '10s']);
      expect(v.code, v.out).toBe(0);
      expect(server.seen[0]).toEqual({ cn: 'system:node:worker-1', o: 'system:nodes' });
    } finally {
      await server.close();
    }
    const file = await runCli(['kubelet', 'client-kubeconfig', '--node-name', 'worker-2', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '--out', join(dir, 'w2.conf')]);
    expect(file.code, file.stderr).toBe(0);
    expect(statSync(join(dir, 'w2.conf')).mode & 0o777).toBe(0o600);
    const bad = await runCli(['kubelet', 'client-kubeconfig', '--node-name', 'Bad_Name', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir]);
    expect(bad.code).toBe(2);
  });
});

/** /var/lib/kubelet/config.yaml as kubeadm v1.29 writes it, plus an operator's comment. */
const KUBELET_CONFIG = `apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
  webhook:
    cacheAuthorizedTTL: 0s
    cacheUnauthorizedTTL: 0s
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
containerRuntimeEndpoint: ""
cpuManagerReconcilePeriod: 0s
evictionPressureTransitionPeriod: 0s
fileCheckFrequency: 0s
healthzBindAddress: 127.0.0.1
healthzPort: 10248
httpCheckFrequency: 0s
imageMaximumGCAge: 0s
imageMinimumGCAge: 0s
kind: KubeletConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
  verbosity: 0
memorySwap: {}
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
# rotate the client certificate (kubeadm default)
rotateCertificates: true
runtimeRequestTimeout: 0s
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
staticPodPath: /etc/kubernetes/manifests
streamingConnectionIdleTimeout: 0s
syncFrequency: 0s
volumeStatsAggPeriod: 0s
`;

describe('kubelet serving enable', () => {
  const run = (file: string, extra: string[] = []): ReturnType<typeof runCli> => runCli(['kubelet', 'serving', 'enable', '--kubelet-config', file, ...extra]);

  it('adds serverTLSBootstrap: true where kubeadm\'s sorted output would have it, keeping every other byte and comment', async () => {
    const dir = tempDir();
    const file = join(dir, 'config.yaml');
    writeFileSync(file, KUBELET_CONFIG, { mode: 0o644 });
    const r = await run(file);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(KUBELET_CONFIG.replace('runtimeRequestTimeout: 0s\n', 'runtimeRequestTimeout: 0s\nserverTLSBootstrap: true\n'));
    expect(r.stdout).toContain('kubectl edit configmap kubelet-config -n kube-system');
    expect(r.stdout).toContain('systemctl restart kubelet');
    const backups = readdirSync(dir).filter((f) => f.endsWith('.bak'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(dir, backups[0] as string), 'utf8')).toBe(KUBELET_CONFIG);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    const again = await run(file);
    expect(again.stdout).toContain('already has serverTLSBootstrap: true');
  });

  it('turns serverTLSBootstrap: false into true in place', async () => {
    const file = join(tempDir(), 'config.yaml');
    const text = KUBELET_CONFIG.replace('runtimeRequestTimeout: 0s\n', 'runtimeRequestTimeout: 0s\nserverTLSBootstrap: false # off for now\n');
    writeFileSync(file, text);
    expect((await run(file)).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(text.replace('serverTLSBootstrap: false # off for now', 'serverTLSBootstrap: true # off for now'));
  });

  it.each([
    ['not YAML', 'kind: [unclosed\n', /cannot parse/],
    ['not a kubelet config', 'apiVersion: v1\nkind: Pod\n', /is a Pod, not a KubeletConfiguration/],
    ['a list', '- a\n- b\n', /is not a YAML mapping/],
  ])('refuses %s and changes nothing', async (_n, text, message) => {
    const file = join(tempDir(), 'config.yaml');
    writeFileSync(file, text);
    const r = await run(file);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});

describe('kubelet serving-csr review', () => {
  let dir = '';
  const csr = (name: string, o: { subj: string; san?: string; username?: string; usages?: string[]; key?: string[]; expirationSeconds?: number }): object => {
    const key = join(dir, `${name}.key`);
    expect(openssl(['genpkey', ...(o.key ?? ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']), '-out', key]).code).toBe(0);
    const r = openssl(['req', '-new', '-key', key, '-subj', o.subj, ...(o.san ? ['-addext', `subjectAltName=${o.san}`] : [])]);
    expect(r.code, r.out).toBe(0);
    return {
      apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
      spec: {
        request: Buffer.from(r.out).toString('base64'), signerName: 'kubernetes.io/kubelet-serving',
        usages: o.usages ?? ['digital signature', 'server auth'], username: o.username ?? 'system:node:node1', groups: ['system:nodes', 'system:authenticated'],
        ...(o.expirationSeconds ? { expirationSeconds: o.expirationSeconds } : {}),
      },
      status: {},
    };
  };
  const nodes = {
    apiVersion: 'v1', kind: 'List',
    items: ['node1', 'node2'].map((n, i) => ({
      apiVersion: 'v1', kind: 'Node', metadata: { name: n },
      status: { addresses: [{ type: 'InternalIP', address: `10.0.0.1${i + 1}` }, { type: 'Hostname', address: n }] },
    })),
  };

  it('approves only the valid CSR and says why each other one is rejected', async () => {
    dir = tempDir();
    const list = {
      apiVersion: 'v1', kind: 'List',
      items: [
        csr('csr-valid', { subj: '/O=system:nodes/CN=system:node:node1', san: 'DNS:node1,IP:10.0.0.11' }),
        csr('csr-wrong-cn', { subj: '/O=system:nodes/CN=system:node:node2', san: 'DNS:node1,IP:10.0.0.11' }),
        csr('csr-foreign-san', { subj: '/O=system:nodes/CN=system:node:node1', san: 'DNS:node1,IP:10.0.0.99,DNS:kubernetes.default' }),
        csr('csr-extra-o', { subj: '/O=system:nodes/O=system:masters/CN=system:node:node1', san: 'DNS:node1' }),
        csr('csr-client-auth', { subj: '/O=system:nodes/CN=system:node:node1', san: 'IP:10.0.0.11', usages: ['digital signature', 'server auth', 'client auth'] }),
        csr('csr-weak-key', { subj: '/O=system:nodes/CN=system:node:node1', san: 'DNS:node1', key: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'] }),
        csr('csr-no-node', { subj: '/O=system:nodes/CN=system:node:ghost', san: 'DNS:ghost', username: 'system:node:ghost' }),
        { ...csr('csr-done', { subj: '/O=system:nodes/CN=system:node:node1', san: 'DNS:node1' }), status: { conditions: [{ type: 'Approved', status: 'True' }] } },
      ],
    };
    writeFileSync(join(dir, 'csrs.json'), JSON.stringify(list));
    writeFileSync(join(dir, 'nodes.json'), JSON.stringify(nodes));
    const r = await runCli(['kubelet', 'serving-csr', 'review', '--csrs', join(dir, 'csrs.json'), '--nodes', join(dir, 'nodes.json'), '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const review = JSON.parse(r.stdout) as { verdicts: { name: string; approve: boolean; reasons: string[] }[]; ignored: number };
    const by = Object.fromEntries(review.verdicts.map((v) => [v.name, v]));
    expect(review.ignored).toBe(1);
    expect(by['csr-valid']).toMatchObject({ approve: true, reasons: [] });
    expect(by['csr-wrong-cn']?.reasons).toEqual(['CN "system:node:node2" does not match the requesting user "system:node:node1"']);
    expect(by['csr-foreign-san']?.reasons).toEqual(['DNS SANs not of node node1: kubernetes.default', 'IP SANs not of node node1: 10.0.0.99']);
    expect(by['csr-extra-o']?.reasons).toEqual(['O is "system:nodes", "system:masters", not only "system:nodes"']);
    expect(by['csr-client-auth']?.reasons).toEqual(['usages not for serving: client auth']);
    expect(by['csr-weak-key']?.reasons).toEqual(['RSA key of 1024 bits (2048 to 8192 allowed)']);
    expect(by['csr-no-node']?.reasons).toEqual(['node "ghost" does not exist']);
    // text: the table and approve lines for the valid one only; the CSR list from stdin
    const list2 = readFileSync(join(dir, 'csrs.json'));
    const t = spawnSync(process.execPath, [join(__dirname, '..', '..', 'dist', 'bin.cjs'), 'kubelet', 'serving-csr', 'review', '--csrs', '-', '--nodes', join(dir, 'nodes.json')], { input: list2, encoding: 'utf8' });
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^NAME\s+NODE\s+VERDICT\s+REASON\n/);
    expect(t.stdout).toMatch(/\ncsr-valid\s+node1\s+approve\s+-\n/);
    expect(t.stdout).toMatch(/\ncsr-client-auth\s+node1\s+reject\s+usages not for serving: client auth\n/);
    expect(t.stdout.match(/kubectl certificate approve .*/g)).toEqual(['kubectl certificate approve csr-valid']);
  });

  it('prints no approve line for a name that is not a DNS-1123 subdomain, and escapes control characters in every field', async () => {
    dir = tempDir();
    const good = { subj: '/O=system:nodes/CN=system:node:node1', san: 'DNS:node1,IP:10.0.0.11' };
    const named = (name: string, c: object): object => ({ ...c, metadata: { name } });
    const list = {
      apiVersion: 'v1', kind: 'List',
      items: [
        named('x;touch /tmp/kubecerts-pwn', csr('a', good)),
        named('csr-\u001b[2J\u001b[31mESC', csr('b', good)),
        named('csr-\u009b31mC1', csr('c', good)),
        csr('csr-forge', { ...good, username: 'system:node:node1\nkubectl certificate approve evil' }),
        csr('csr-ok', good),
      ],
    };
    writeFileSync(join(dir, 'csrs.json'), JSON.stringify(list));
    writeFileSync(join(dir, 'nodes.json'), JSON.stringify(nodes));
    const r = await runCli(['kubelet', 'serving-csr', 'review', '--csrs', join(dir, 'csrs.json'), '--nodes', join(dir, 'nodes.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(r.stdout).toMatch(/\nx;touch \/tmp\/kubecerts-pwn\s+node1\s+reject\s+the CSR name is not a DNS-1123 subdomain/);
    expect(r.stdout).toContain('csr-\\x1b[2J\\x1b[31mESC');
    expect(r.stdout).toContain('csr-\\u009b31mC1');
    // the newline in the user name is shown escaped: no forged line
    expect(r.stdout).toContain('"system:node:node1\\nkubectl certificate approve evil"');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('kubectl'))).toEqual(['kubectl certificate approve csr-ok']);
    const j = await runCli(['kubelet', 'serving-csr', 'review', '--csrs', join(dir, 'csrs.json'), '--nodes', join(dir, 'nodes.json'), '-o', 'json']);
    const doc = JSON.parse(j.stdout) as { verdicts: { name: string; approve: boolean }[] };
    expect(doc.verdicts.filter((v) => v.approve).map((v) => v.name)).toEqual(['csr-ok']);
    expect(doc.verdicts.map((v) => v.name)).toContain('csr-\u001b[2J\u001b[31mESC');
  });

  it('refuses input that is not a CSR list', async () => {
    dir = tempDir();
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ kind: 'List' }));
    writeFileSync(join(dir, 'bad.json'), '{not json');
    const r = await runCli(['kubelet', 'serving-csr', 'review', '--csrs', join(dir, 'bad.json'), '--nodes', join(dir, 'x.json')]);
    expect(r.stderr).toMatch(/bad\.json is not JSON/);
    expect(r.code).toBe(1);
  });
});
