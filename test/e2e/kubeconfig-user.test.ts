/** `kubeconfig user` and `certs certificate-key`: kubeadm's output, kubectl acceptance, batch mode, bad input. */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initPki, runCli } from '../helpers/cli.js';
import { kubectl, kubectlVersion, startTestApiServer, type SeenClient } from '../helpers/apiserver.js';
import { kubeconfigCredentials, readKubeconfig } from '../helpers/kubeconfig.js';
import { freePort } from '../helpers/net.js';
import { x509Field } from '../helpers/openssl.js';
import { copyFixture, snapshotTree, tempDir } from '../helpers/tmp.js';

const user = (certDir: string, args: string[], o: { unprivileged?: boolean } = {}) =>
  runCli(['kubeconfig', 'user', '--cert-dir', certDir, ...args], o);

describe.each([
  { name: 'the v1.16 CA', make: async () => copyFixture('v1.16') },
  { name: 'the v1.29 CA', make: async () => copyFixture('v1.29') },
  { name: 'an ECDSA-P256 CA', make: async () => (await initPki(tempDir(), { algorithm: 'ECDSA-P256' })).kubeconfigDir },
  { name: 'an ECDSA-P384 CA', make: async () => (await initPki(tempDir(), { algorithm: 'ECDSA-P384' })).kubeconfigDir },
])('kubeconfig user with $name', ({ make }) => {
  let k8s = '';
  let port = 0;
  let server: { seen: SeenClient[]; close: () => Promise<void> } | undefined;
  beforeAll(async () => {
    k8s = await make();
    port = await freePort();
    // a fresh serving certificate from the same CA, for 127.0.0.1 (the fixtures' own have expired)
    rmSync(join(k8s, 'pki', 'apiserver.crt'));
    rmSync(join(k8s, 'pki', 'apiserver.key'));
    const r = await runCli(['init', 'phase', 'certs', 'apiserver', '--cert-dir', join(k8s, 'pki'), '--apiserver-advertise-address', '127.0.0.1']);
    expect(r.code).toBe(0);
    server = await startTestApiServer(join(k8s, 'pki'), port);
  });
  afterAll(async () => server?.close());

  it('prints a kubeconfig kubectl round-trips and uses for TLS; the server sees CN and O', async () => {
    const r = await user(join(k8s, 'pki'), ['--client-name', 'alice', '--org', 'devs,ops', '--org', 'audit', '--server', `https://127.0.0.1:${port}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('\n\n')).toBe(true);
    const file = join(tempDir(), 'alice.conf');
    writeFileSync(file, r.stdout);
    const view = await kubectl(['--kubeconfig', file, 'config', 'view', '--raw']);
    expect(view.code).toBe(0);
    expect(view.stdout).toBe(r.stdout.slice(0, -1));
    const before = server!.seen.length;
    const v = await kubectlVersion(file);
    expect(v.code).toBe(0);
    // the O values form one DER SET, sorted as Go sorts it: shorter encodings first
    expect(server!.seen.slice(before)[0]).toEqual({ cn: 'alice', o: ['ops', 'devs', 'audit'] });
  });
});

describe('kubeconfig user output and options', () => {
  let k8s = '';
  let certDir = '';
  beforeAll(async () => {
    k8s = tempDir();
    ({ certDir } = await initPki(k8s, { address: '10.0.0.9' }));
  });

  it('takes server and cluster name from admin.conf when there is no config or --server', async () => {
    const r = await user(certDir, ['--client-name', 'bob', '--kubeconfig-dir', k8s]);
    expect(r.code).toBe(0);
    const kc = r.stdout;
    expect(kc).toMatch(/^apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: \S+\n    server: https:\/\/10\.0\.0\.9:6443\n  name: kubernetes\ncontexts:\n- context:\n    cluster: kubernetes\n    user: bob\n  name: bob@kubernetes\ncurrent-context: bob@kubernetes\nkind: Config\npreferences: \{\}\nusers:\n- name: bob\n  user:\n    client-certificate-data: \S+\n    client-key-data: \S+\n\n$/);
  });

  it('reads server, cluster name and certificatesDir from a kubeadm config', async () => {
    const cfg = join(tempDir(), 'kubeadm.yaml');
    writeFileSync(cfg, `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nclusterName: prod\ncontrolPlaneEndpoint: api.prod.example.com\ncertificatesDir: ${certDir}\n`);
    const r = await runCli(['kubeconfig', 'user', '--client-name', 'carol', '--config', cfg]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('    server: https://api.prod.example.com:6443\n  name: prod\n');
    expect(r.stdout).toContain('current-context: carol@prod\n');
  });

  it('without --server, --config or admin.conf asks for --server (exit 2)', async () => {
    const r = await user(certDir, ['--client-name', 'x', '--kubeconfig-dir', tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: cannot tell the API server URL: pass --server/);
  });

  it('--validity-period sets NotAfter; above 8760h it warns; the NotBefore is the CA\'s', async () => {
    const r = await user(certDir, ['--client-name', 'ci', '--validity-period', '24h', '--server', 'https://1.2.3.4:6443']);
    const cert = kubeconfigCredentials(writeTemp(r.stdout)).cert;
    const end = Date.parse(x509Field(cert, '-enddate').replace('notAfter=', ''));
    expect(Math.abs(end - (Date.now() + 86_400_000))).toBeLessThan(60_000);
    expect(x509Field(cert, '-startdate')).toBe(x509Field(readFileSync(join(certDir, 'ca.crt'), 'utf8'), '-startdate'));
    const long = await user(certDir, ['--client-name', 'ci', '--validity-period', '17520h', '--server', 'https://1.2.3.4:6443']);
    expect(long.stderr).toBe('WARNING: the specified certificate validity period 17520h0m0s is longer than the default duration 8760h0m0s, this may increase security risks.\n');
  });

  it('--token writes a token user and no certificate', async () => {
    const r = await user(certDir, ['--client-name', 'bot', '--token', 'abc.def', '--server', 'https://1.2.3.4:6443']);
    expect(r.stdout).toContain('users:\n- name: bot\n  user:\n    token: abc.def\n');
    expect(r.stdout).not.toContain('client-key-data');
  });

  it('--out writes 0600 and refuses to overwrite without --force', async () => {
    const out = join(tempDir(), 'dave.conf');
    const a = await user(certDir, ['--client-name', 'dave', '--server', 'https://1.2.3.4:6443', '--out', out]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe('');
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const first = readFileSync(out, 'utf8');
    const b = await user(certDir, ['--client-name', 'dave', '--server', 'https://1.2.3.4:6443', '--out', out]);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe(`error: "${out}" already exists; pass --force to overwrite it\n`);
    expect(readFileSync(out, 'utf8')).toBe(first);
    const c = await user(certDir, ['--client-name', 'dave', '--server', 'https://1.2.3.4:6443', '--out', out, '--force']);
    expect(c.code).toBe(0);
    expect(readFileSync(out, 'utf8')).not.toBe(first);
  });

  it('refuses system:masters unless --allow-system-masters', async () => {
    const r = await user(certDir, ['--client-name', 'root', '--org', 'system:masters', '--server', 'https://1.2.3.4:6443']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: refusing --org system:masters: that group bypasses RBAC and cannot be revoked short of rotating the CA (kubeadm warns against sharing admin.conf for this reason)');
    const ok = await user(certDir, ['--client-name', 'root', '--org', 'system:masters', '--allow-system-masters', '--server', 'https://1.2.3.4:6443']);
    expect(ok.code).toBe(0);
  });

  it('--encryption-algorithm chooses the client key type', async () => {
    const r = await user(certDir, ['--client-name', 'e', '--encryption-algorithm', 'ECDSA-P384', '--server', 'https://1.2.3.4:6443']);
    expect(kubeconfigCredentials(writeTemp(r.stdout)).key.startsWith('-----BEGIN EC PRIVATE KEY-----')).toBe(true);
  });

  it('batch: repeated --client-name and --from-file write one 0600 kubeconfig each', async () => {
    const dir = join(tempDir(), 'out');
    const users = join(tempDir(), 'users.yaml');
    writeFileSync(users, '- name: erin\n  orgs: [team-a]\n- name: frank\n  orgs: [team-b, team-c]\n  validity: 48h\n');
    const r = await user(certDir, ['--client-name', 'gina', '--from-file', users, '--out-dir', dir, '--server', 'https://1.2.3.4:6443']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^wrote 3 kubeconfig file\(s\) to .+ in \d+\.\ds\n$/);
    expect(readdirSync(dir).sort()).toEqual(['erin.conf', 'frank.conf', 'gina.conf']);
    expect(statSync(join(dir, 'frank.conf')).mode & 0o777).toBe(0o600);
    const frank = kubeconfigCredentials(join(dir, 'frank.conf')).cert;
    // RFC 2253 prints the RDN values in reverse of their DER order (team-b, team-c)
    expect(x509Field(frank, '-subject')).toBe('subject=CN=frank,O=team-c+O=team-b');
    const end = Date.parse(x509Field(frank, '-enddate').replace('notAfter=', ''));
    expect(Math.abs(end - (Date.now() + 48 * 3_600_000))).toBeLessThan(60_000);
    expect(readKubeconfig(join(dir, 'erin.conf'))['current-context']).toBe('erin@kubernetes');
  });
});

function writeTemp(text: string): string {
  const p = join(tempDir(), 'k.conf');
  writeFileSync(p, text);
  return p;
}

describe('kubeconfig user on bad input: clear error, documented code, nothing written', () => {
  let k8s = '';
  beforeAll(async () => {
    k8s = tempDir();
    await initPki(k8s);
  });
  const S = ['--server', 'https://1.2.3.4:6443'];
  const cases: { name: string; code: number; args: (d: string, ca: string) => string[]; setup?: (d: string, ca: string) => void; message: RegExp; unprivileged?: boolean }[] = [
    { name: 'a missing ca.key', code: 1, setup: (_d, ca) => rmSync(join(ca, 'ca.key')), args: (_d, ca) => ['--cert-dir', ca, '--client-name', 'a', ...S], message: /^error: couldn't create a kubeconfig; the CA files couldn't be loaded: failed to load key: couldn't load the private key file .+\/ca\.key: open .+: no such file or directory$/ },
    { name: 'a mismatched ca.key', code: 1, setup: (_d, ca) => copyFileSync(join(ca, 'front-proxy-ca.key'), join(ca, 'ca.key')), args: (_d, ca) => ['--cert-dir', ca, '--client-name', 'a', ...S], message: /^error: couldn't create a kubeconfig; the CA files couldn't be loaded: the private key .+ca\.key does not match the certificate .+ca\.crt/ },
    { name: 'a malformed --validity-period', code: 2, args: (_d, ca) => ['--cert-dir', ca, '--client-name', 'a', '--validity-period', '1year', ...S], message: /^error: invalid argument "1year" for "--validity-period" flag: time: unknown unit "year" in duration "1year"$/ },
    { name: 'a negative --validity-period', code: 2, args: (_d, ca) => ['--cert-dir', ca, '--client-name', 'a', '--validity-period', '-24h', ...S], message: /^error: invalid --validity-period "-24h"/ },
    { name: 'an empty client name', code: 2, args: (_d, ca) => ['--cert-dir', ca, '--client-name', '', ...S], message: /^error: --client-name must not be empty$/ },
    { name: 'no client name', code: 2, args: (_d, ca) => ['--cert-dir', ca, ...S], message: /^error: required flag\(s\) "client-name" not set$/ },
    { name: 'an unwritable --out (run unprivileged)', code: 1, unprivileged: true, setup: (d) => { mkdirSync(join(d, 'ro'), { mode: 0o555 }); chmodSync(d, 0o777); }, args: (d, ca) => ['--cert-dir', ca, '--client-name', 'a', '--out', join(d, 'ro', 'a.conf'), ...S], message: /^error: cannot write ".+\/ro\/a\.conf": permission denied$/ },
    { name: 'an existing --out without --force', code: 2, setup: (d) => writeFileSync(join(d, 'a.conf'), 'keep me'), args: (d, ca) => ['--cert-dir', ca, '--client-name', 'a', '--out', join(d, 'a.conf'), ...S], message: /^error: ".+a\.conf" already exists; pass --force to overwrite it$/ },
    { name: 'a --from-file entry without a name', code: 2, setup: (d) => writeFileSync(join(d, 'u.yaml'), '- name: ok\n- orgs: [x]\n'), args: (d, ca) => ['--cert-dir', ca, '--from-file', join(d, 'u.yaml'), '--out-dir', join(d, 'o'), ...S], message: /^error: invalid users file entry at .+u\.yaml:2: "name" must be a non-empty string$/ },
    { name: 'a --from-file that is not YAML', code: 2, setup: (d) => writeFileSync(join(d, 'u.yaml'), '- name: [a\n'), args: (d, ca) => ['--cert-dir', ca, '--from-file', join(d, 'u.yaml'), '--out-dir', join(d, 'o'), ...S], message: /^error: invalid users file ".+u\.yaml": / },
    { name: 'a --from-file with a bad validity', code: 2, setup: (d) => writeFileSync(join(d, 'u.yaml'), 'users:\n  - name: a\n  - name: b\n    validity: soon\n'), args: (d, ca) => ['--cert-dir', ca, '--from-file', join(d, 'u.yaml'), '--out-dir', join(d, 'o'), ...S], message: /^error: invalid users file entry at .+u\.yaml:3: "validity" must be a positive duration/ },
  ];

  it.each(cases)('$name → exit $code', async (c) => {
    const d = tempDir();
    const ca = join(d, 'pki');
    mkdirSync(ca);
    for (const f of ['ca.crt', 'ca.key', 'front-proxy-ca.key']) copyFileSync(join(k8s, 'pki', f), join(ca, f));
    chmodSync(join(ca, 'ca.key'), 0o644);
    c.setup?.(d, ca);
    const before = snapshotTree(d);
    const r = await runCli(['kubeconfig', 'user', ...c.args(d, ca)], { unprivileged: c.unprivileged ?? false });
    expect(r.stderr.split('\n')[0]).toMatch(c.message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(c.code);
    expect(snapshotTree(d)).toEqual(before);
    expect(existsSync(join(d, 'o'))).toBe(false);
  });
});

describe('certs certificate-key', () => {
  it('prints 64 lowercase hex characters, different each time', async () => {
    const a = await runCli(['certs', 'certificate-key']);
    const b = await runCli(['certs', 'certificate-key']);
    expect(a.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(b.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(a.stdout).not.toBe(b.stdout);
  });
});
