#!/usr/bin/env node
// The bad-input corpus: malformed certificates, keys, kubeconfigs, kubeadm configs and users files, derived
// deterministically (seeded) from a valid PKI. `node scripts/make-corpus.mjs OUT_DIR` writes them as
// OUT_DIR/<slot>/<name>; the corpus test calls generateCorpus() directly. Hand-written cases live in
// test/corpus/hand/<slot>/.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pem = (type, der) => `-----BEGIN ${type}-----\n${Buffer.from(der).toString('base64').match(/.{1,64}/g).join('\n')}\n-----END ${type}-----\n`;
const derOf = (text) => Buffer.from(text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

/**
 * @param {{ certPem: string, keyPem: string, caCertPem: string, caKeyPem: string, kubeconfig: string, workDir: string }} base
 * @returns {{ slot: 'cert'|'key'|'kubeconfig'|'config'|'users', name: string, data: Buffer }[]}
 */
export function generateCorpus(base) {
  const rnd = prng(20261128);
  const cases = [];
  const add = (slot, name, data) => cases.push({ slot, name, data: Buffer.isBuffer(data) ? data : Buffer.from(data) });
  const certDer = derOf(base.certPem);
  const keyDer = derOf(base.keyPem);

  // --- certificates ---
  for (const frac of [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]) {
    add('cert', `truncated-pem-${Math.round(frac * 100)}pct`, base.certPem.slice(0, Math.floor(base.certPem.length * frac)));
  }
  for (const cut of [1, 2, 4, 10, 50, 100, 300]) add('cert', `truncated-der-minus-${cut}`, pem('CERTIFICATE', certDer.subarray(0, certDer.length - cut)));
  for (const size of [0, 1, 16, 64, 512, 1500, 4096]) add('cert', `garbage-bytes-${size}`, Buffer.from(Array.from({ length: size }, () => Math.floor(rnd() * 256))));
  for (const size of [3, 30, 300, 3000]) add('cert', `garbage-der-in-pem-${size}`, pem('CERTIFICATE', Buffer.from(Array.from({ length: size }, () => Math.floor(rnd() * 256)))));
  for (const type of ['RSA PRIVATE KEY', 'EC PRIVATE KEY', 'PUBLIC KEY', 'CERTIFICATE REQUEST', 'X509 CRL', 'TRUSTED CERTIFICATE', 'PKCS7']) {
    add('cert', `wrong-block-${type.toLowerCase().replace(/ /g, '-')}`, pem(type, certDer));
  }
  add('cert', 'pem-headers', base.certPem.replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n'));
  const withLen = (mutate) => {
    const d = Buffer.from(certDer);
    mutate(d);
    return pem('CERTIFICATE', d);
  };
  add('cert', 'der-outer-length-plus-one', withLen((d) => d.writeUInt16BE(d.readUInt16BE(2) + 1, 2)));
  add('cert', 'der-outer-length-minus-one', withLen((d) => d.writeUInt16BE(d.readUInt16BE(2) - 1, 2)));
  add('cert', 'der-outer-length-huge', withLen((d) => d.writeUInt16BE(0xffff, 2)));
  add('cert', 'der-outer-length-indefinite', withLen((d) => (d[1] = 0x80)));
  add('cert', 'der-outer-length-5-bytes', withLen((d) => (d[1] = 0x85)));
  add('cert', 'der-tbs-length-plus-one', withLen((d) => d.writeUInt16BE(d.readUInt16BE(6) + 1, 6)));
  add('cert', 'der-tbs-length-zero', withLen((d) => d.writeUInt16BE(0, 6)));
  add('cert', 'der-outer-tag-set', withLen((d) => (d[0] = 0x31)));
  add('cert', 'der-tbs-tag-integer', withLen((d) => (d[4] = 0x02)));
  add('cert', 'der-version-tag-broken', withLen((d) => (d[8] = 0xff)));
  add('cert', 'der-trailing-garbage-inside', pem('CERTIFICATE', Buffer.concat([certDer, Buffer.from([0, 0, 0, 1])])));
  add('cert', 'der-doubled', pem('CERTIFICATE', Buffer.concat([certDer, certDer]).subarray(0, certDer.length + 10)));
  for (const [name, mangle] of [
    ['bad-base64-chars', (t) => t.replace(/\n([A-Za-z0-9+/]{10})/, '\n!!!!$1')],
    ['bad-base64-padding', (t) => t.replace(/-----END/, '===\n-----END')],
    ['bad-base64-missing-end', (t) => t.replace(/-----END CERTIFICATE-----\n/, '')],
    ['bad-base64-missing-begin', (t) => t.replace(/-----BEGIN CERTIFICATE-----\n/, '')],
    ['bad-base64-mismatched-end', (t) => t.replace('END CERTIFICATE', 'END PRIVATE KEY')],
    ['base64-without-pem-armour', (t) => t.replace(/-----[^-]+-----\n?/g, '')],
    ['raw-der', () => certDer],
    ['utf16-encoded', (t) => Buffer.from(t, 'utf16le')],
    ['nul-bytes', (t) => t.replace(/\n/g, '\n\0')],
  ]) {
    add('cert', name, mangle(base.certPem));
  }
  add('cert', 'empty', '');
  add('cert', 'whitespace', ' \n\t\n');
  add('cert', 'huge-2mib', `-----BEGIN CERTIFICATE-----\n${'QUFB\n'.repeat(420_000)}-----END CERTIFICATE-----\n`);
  add('cert', 'many-garbage-blocks', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'.repeat(5000));
  // well-formed certificates that must still be refused: an unhandled critical extension (Go rejects those)
  const signed = (exts, name, selfSigned) => {
    const d = mkdtempSync(join(base.workDir, 'corpus-'));
    writeFileSync(join(d, 'ca.crt'), base.caCertPem);
    writeFileSync(join(d, 'ca.key'), base.caKeyPem);
    writeFileSync(join(d, 'req.cnf'), '[req]\ndistinguished_name=dn\n[dn]\n');
    writeFileSync(join(d, 'ext.cnf'), `${exts.join('\n')}\n`);
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(d, 'k'), '-subj', `/CN=${name}`, '-config', join(d, 'req.cnf'), '-out', join(d, 'r')], { stdio: 'ignore' });
    const args = selfSigned ? ['-signkey', join(d, 'k')] : ['-CA', join(d, 'ca.crt'), '-CAkey', join(d, 'ca.key'), '-set_serial', '77'];
    execFileSync('openssl', ['x509', '-req', '-in', join(d, 'r'), ...args, '-days', '30', '-extfile', join(d, 'ext.cnf'), '-out', join(d, 'c')], { stdio: 'ignore' });
    return readFileSync(join(d, 'c'));
  };
  add('cert', 'unknown-critical-extension', signed(['basicConstraints=critical,CA:FALSE', 'extendedKeyUsage=serverAuth', '1.2.3.4.5.6=critical,DER:05:00'], 'kube-apiserver', false));
  add('cert', 'unknown-critical-extension-ms-oid', signed(['basicConstraints=critical,CA:FALSE', '1.3.6.1.4.1.311.21.7=critical,DER:05:00'], 'kube-apiserver', false));
  add('cert', 'unknown-critical-extension-self-signed-ca', signed(['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign', '2.999.1=critical,DER:05:00'], 'kubernetes', true));

  // --- private keys ---
  for (const frac of [0.1, 0.25, 0.5, 0.75, 0.9, 0.98]) add('key', `truncated-pem-${Math.round(frac * 100)}pct`, base.keyPem.slice(0, Math.floor(base.keyPem.length * frac)));
  for (const cut of [1, 5, 20, 60]) add('key', `truncated-der-minus-${cut}`, pem(base.keyPem.split('\n')[0].replace(/-----(BEGIN )?/g, '').replace(/-+$/, ''), keyDer.subarray(0, keyDer.length - cut)));
  for (const size of [0, 7, 100, 2000]) add('key', `garbage-bytes-${size}`, Buffer.from(Array.from({ length: size }, () => Math.floor(rnd() * 256))));
  for (const size of [10, 200]) add('key', `garbage-der-in-ec-block-${size}`, pem('EC PRIVATE KEY', Buffer.from(Array.from({ length: size }, () => Math.floor(rnd() * 256)))));
  for (const size of [10, 200]) add('key', `garbage-der-in-rsa-block-${size}`, pem('RSA PRIVATE KEY', Buffer.from(Array.from({ length: size }, () => Math.floor(rnd() * 256)))));
  add('key', 'wrong-block-certificate', pem('CERTIFICATE', keyDer));
  add('key', 'wrong-block-public-key', pem('PUBLIC KEY', keyDer));
  add('key', 'ec-der-in-rsa-block', pem('RSA PRIVATE KEY', keyDer));
  add('key', 'certificate-instead-of-key', base.certPem);
  const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
  add('key', 'ed25519-pkcs8', ed);
  const x25519 = generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
  add('key', 'x25519-pkcs8', x25519);
  const dsa = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  add('key', 'dsa-pkcs8', dsa);
  const encrypted = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' });
  add('key', 'encrypted-pkcs8', encrypted);
  add('key', 'other-key-that-does-not-match', generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }));
  add('key', 'bad-base64', base.keyPem.replace(/\n([A-Za-z0-9+/]{8})/, '\n#$%^$1'));
  add('key', 'empty', '');
  add('key', 'huge-2mib', `-----BEGIN EC PRIVATE KEY-----\n${'QUFB\n'.repeat(420_000)}-----END EC PRIVATE KEY-----\n`);

  // --- kubeconfigs (admin.conf) ---
  const kc = base.kubeconfig;
  const field = (name) => kc.match(new RegExp(`${name}: (\\S+)`))[1];
  const yamlCases = [
    ['yaml-unclosed-flow', 'apiVersion: v1\nclusters: [\n'],
    ['yaml-bad-indentation', kc.replace('\n  name: kubernetes\n', '\n name: kubernetes\n')],
    ['yaml-tab-indentation', kc.replace(/\n {4}server:/, '\n\t\tserver:')],
    ['yaml-duplicate-key', kc.replace('kind: Config\n', 'kind: Config\nkind: Config\n')],
    ['yaml-unterminated-string', kc.replace('current-context: ', 'current-context: "')],
    ['yaml-bad-anchor-reference', `${kc}extra: *nowhere\n`],
    ['yaml-binary', Buffer.from(Array.from({ length: 800 }, () => Math.floor(rnd() * 256)))],
    ['yaml-truncated-half', kc.slice(0, Math.floor(kc.length / 2)).replace(/\n[^\n]*$/, '\n  bad: [')],
    ['yaml-scalar-document', 'just a string\n'],
    ['yaml-list-document', '- a\n- b\n'],
    ['json-malformed', '{"apiVersion": "v1", "clusters": [}'],
    ['yaml-multi-document-garbage', `${kc}---\n: : :\n`],
    ['empty', ''],
    ['current-context-missing-context', kc.replace(/current-context: \S+/, 'current-context: nobody@nowhere')],
    ['context-names-missing-cluster', kc.replace(/cluster: kubernetes\n/, 'cluster: elsewhere\n')],
    ['context-names-missing-user', kc.replace(/\n    user: (\S+)\n/, '\n    user: ghost\n')],
    ['clusters-is-a-mapping', kc.replace(/clusters:\n/, 'clusters:\n  x: 1\nunused:\n')],
    ['users-is-a-string', kc.replace(/users:\n[\s\S]*$/, 'users: everyone\n')],
    ['contexts-entry-without-name', kc.replace(/  name: kubernetes-admin@kubernetes\n/, '')],
    ['current-context-is-a-list', kc.replace(/current-context: \S+/, 'current-context: [a, b]')],
    ['client-certificate-data-bad-base64', kc.replace(field('client-certificate-data'), '!!!not*base64!!!')],
    ['client-certificate-data-not-a-cert', kc.replace(field('client-certificate-data'), Buffer.from('hello world').toString('base64'))],
    ['client-certificate-data-garbage-der', kc.replace(field('client-certificate-data'), Buffer.from(pem('CERTIFICATE', Buffer.from('0123456789abcdef'))).toString('base64'))],
    ['client-certificate-data-truncated', kc.replace(field('client-certificate-data'), field('client-certificate-data').slice(0, 200))],
    ['client-certificate-data-missing', kc.replace(/\n {4}client-certificate-data: \S+/, '')],
    ['client-certificate-file-reference', kc.replace(/client-certificate-data: \S+/, 'client-certificate: /nonexistent/client.crt')],
    ['certificate-authority-data-missing', kc.replace(/\n {4}certificate-authority-data: \S+/, '')],
    ['certificate-authority-data-is-a-number', kc.replace(field('certificate-authority-data'), '12345')],
    ['billion-laughs', 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\napiVersion: v1\nkind: Config\ncurrent-context: x\ncontexts: []\nclusters: []\nusers: []\n'],
    ['anchors-in-entries', kc.replace('contexts:\n- context:', 'contexts:\n- context: &ctx').replace(/users:\n/, 'users:\n- name: again\n  user: *ctx\n')],
    ['huge-2mib', `${kc}padding: "${'x'.repeat(2_200_000)}"\n`],
  ];
  for (const [name, text] of yamlCases) add('kubeconfig', name, text);

  // --- kubeadm config files ---
  const init = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n';
  const cluster = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n';
  const configCases = [
    ['yaml-unclosed-flow', `${cluster}apiServer: {certSANs: [a, b}\n`],
    ['yaml-tab-indentation', `${cluster}networking:\n\tserviceSubnet: 10.96.0.0/12\n`],
    ['yaml-duplicate-key', `${cluster}clusterName: a\nclusterName: b\n`],
    ['yaml-binary', Buffer.from(Array.from({ length: 500 }, () => Math.floor(rnd() * 256)))],
    ['yaml-unterminated-quote', `${cluster}clusterName: "open\n`],
    ['document-is-a-list', '- apiVersion: kubeadm.k8s.io/v1beta4\n'],
    ['document-is-a-string', 'kubeadm\n'],
    ['missing-api-version', 'kind: ClusterConfiguration\n'],
    ['missing-kind', 'apiVersion: kubeadm.k8s.io/v1beta4\n'],
    ['unknown-kind', 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: MasterConfiguration\n'],
    ['old-api-version-v1beta2', 'apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\n'],
    ['old-api-version-v1alpha3', 'apiVersion: kubeadm.k8s.io/v1alpha3\nkind: InitConfiguration\n'],
    ['foreign-api-group', 'apiVersion: apps/v1\nkind: Deployment\n'],
    ['api-version-is-a-number', 'apiVersion: 1\nkind: ClusterConfiguration\n'],
    ['bind-port-is-a-string', `${init}localAPIEndpoint:\n  bindPort: "6443"\n`],
    ['bind-port-out-of-range', `${init}localAPIEndpoint:\n  bindPort: 70000\n`],
    ['bind-port-is-a-float', `${init}localAPIEndpoint:\n  bindPort: 64.43\n`],
    ['advertise-address-is-a-list', `${init}localAPIEndpoint:\n  advertiseAddress: [10.0.0.1]\n`],
    ['advertise-address-invalid', `${init}localAPIEndpoint:\n  advertiseAddress: 10.0.0.999\n`],
    ['node-registration-is-a-string', `${init}nodeRegistration: cp1\n`],
    ['node-name-is-a-number', `${init}nodeRegistration:\n  name: 42\n`],
    ['cert-sans-is-a-string', `${cluster}apiServer:\n  certSANs: lb.example.com\n`],
    ['cert-sans-has-a-number', `${cluster}apiServer:\n  certSANs: [lb.example.com, 7]\n`],
    ['api-server-is-a-list', `${cluster}apiServer: [a]\n`],
    ['cluster-name-is-a-list', `${cluster}clusterName: [a]\n`],
    ['networking-is-a-string', `${cluster}networking: flat\n`],
    ['service-subnet-invalid', `${cluster}networking:\n  serviceSubnet: 10.96.0.0/99\n`],
    ['service-subnet-not-a-cidr', `${cluster}networking:\n  serviceSubnet: banana\n`],
    ['certificates-dir-is-a-number', `${cluster}certificatesDir: 12\n`],
    ['etcd-local-is-a-list', `${cluster}etcd:\n  local: [x]\n`],
    ['etcd-server-sans-is-a-mapping', `${cluster}etcd:\n  local:\n    serverCertSANs: {a: b}\n`],
    ['encryption-algorithm-unknown', `${cluster}encryptionAlgorithm: RSA-1024\n`],
    ['encryption-algorithm-is-a-number', `${cluster}encryptionAlgorithm: 2048\n`],
    ['validity-not-a-duration', `${cluster}certificateValidityPeriod: one year\n`],
    ['validity-negative', `${cluster}certificateValidityPeriod: -8760h\n`],
    ['validity-zero', `${cluster}caCertificateValidityPeriod: 0s\n`],
    ['control-plane-endpoint-invalid', `${cluster}controlPlaneEndpoint: "bad host:99999"\n`],
    ['control-plane-endpoint-is-a-mapping', `${cluster}controlPlaneEndpoint: {host: a}\n`],
    ['billion-laughs', `${cluster}a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\napiServer:\n  certSANs: *g\n`],
    ['huge-2mib', `${cluster}clusterName: "${'x'.repeat(2_200_000)}"\n`],
  ];
  for (const [name, text] of configCases) add('config', name, text);

  // --- users files (kubeconfig user --from-file) ---
  const userCases = [
    ['yaml-broken', '- name: [a\n'],
    ['not-a-list', 'name: alice\n'],
    ['empty-list', '[]\n'],
    ['empty-file', ''],
    ['entry-is-a-string', '- alice\n'],
    ['entry-without-name', '- orgs: [a]\n'],
    ['name-is-a-number', '- name: 7\n'],
    ['name-is-empty', '- name: ""\n'],
    ['name-with-slash', '- name: ../escape\n'],
    ['duplicate-names', '- name: a\n- name: a\n'],
    ['orgs-is-a-mapping', '- name: a\n  orgs: {x: y}\n'],
    ['orgs-has-a-number', '- name: a\n  orgs: [x, 3]\n'],
    ['validity-not-a-duration', '- name: a\n  validity: tomorrow\n'],
    ['validity-negative', '- name: a\n  validity: -1h\n'],
    ['system-masters', '- name: a\n  orgs: [system:masters]\n'],
    ['binary', Buffer.from(Array.from({ length: 300 }, () => Math.floor(rnd() * 256)))],
    ['users-key-not-a-list', 'users: alice\n'],
    ['billion-laughs', 'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nusers: *c\n'],
  ];
  for (const [name, text] of userCases) add('users', name, text);

  // --- encodings: invalid UTF-8 anywhere in a file (all five slots) is an error naming the file (never U+FFFD, never Latin-1) ---
  const badBytes = [
    ['invalid-utf8-ff', [0xff]],
    ['invalid-utf8-latin1-e9', [0x63, 0x61, 0x66, 0xe9]],
    ['invalid-utf8-overlong-slash', [0xc0, 0xaf]],
    ['invalid-utf8-surrogate', [0xed, 0xa0, 0x80]],
    ['invalid-utf8-truncated-cjk', [0xe6, 0x97]],
    ['invalid-utf8-above-u10ffff', [0xf4, 0x90, 0x80, 0x80]],
  ];
  for (const [name, bytes] of badBytes) {
    const b = Buffer.from(bytes);
    // after the PEM block, where a Latin-1 reader would have ignored it
    add('cert', name, Buffer.concat([Buffer.from(base.certPem), Buffer.from('# '), b, Buffer.from('\n')]));
    add('key', name, Buffer.concat([Buffer.from(base.keyPem), Buffer.from('# '), b, Buffer.from('\n')]));
    add('kubeconfig', name, Buffer.concat([Buffer.from(base.kubeconfig), Buffer.from('# '), b, Buffer.from('\n')]));
    add('users', name, Buffer.concat([Buffer.from('- name: ok\n- name: "'), b, Buffer.from('"\n')]));
    add('config', name, Buffer.concat([Buffer.from(`${cluster}clusterName: "`), b, Buffer.from('"\n')]));
  }
  return cases;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node scripts/make-corpus.mjs OUT_DIR');
    process.exit(2);
  }
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const work = mkdtempSync(join(tmpdir(), 'kubecerts-corpus-'));
  execFileSync(process.execPath, [join(root, 'dist', 'bin.cjs'), 'init', '--cert-dir', join(work, 'pki'), '--kubeconfig-dir', work, '--apiserver-advertise-address', '127.0.0.1', '--encryption-algorithm', 'ECDSA-P256'], { stdio: 'ignore' });
  const r = (p) => readFileSync(join(work, p), 'utf8');
  const cases = generateCorpus({ certPem: r('pki/apiserver.crt'), keyPem: r('pki/ca.key'), caCertPem: r('pki/ca.crt'), caKeyPem: r('pki/ca.key'), kubeconfig: r('admin.conf'), workDir: work });
  for (const c of cases) {
    mkdirSync(join(out, c.slot), { recursive: true });
    writeFileSync(join(out, c.slot, c.name), c.data);
  }
  console.log(`${cases.length} cases written to ${out}`);
}
