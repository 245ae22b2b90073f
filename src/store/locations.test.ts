import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildKubeconfig, currentEntries, dataField, parseKubeconfig, serializeKubeconfig } from '../kubeconfig/codec.js';
import { issue } from '../pki/issue.js';
import { SelfSigner } from '../pki/signer.js';
import { KUBECONFIG_SPECS, LEAF_SPECS } from '../pki/specs.js';
import { MemoryFs } from './fs.js';
import { certificateFile, keyLabel, loadLocation, locationOf, replaceKubeconfigCaData, replaceLocation, requestFiles } from './locations.js';

class MemoryFiles extends MemoryFs {}

const window = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') };
async function selfSigned(cn: string): Promise<{ certPem: string; keyPem: string }> {
  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  return issue({ subject: { cn, orgs: [] }, usages: ['clientAuth'], key, window, isCA: cn.startsWith('ca') }, new SelfSigner());
}
const cfg = { certificatesDir: '/pki', kubeconfigDir: '/k' };
const apiserver = LEAF_SPECS.find((s) => s.name === 'apiserver')!;
const admin = KUBECONFIG_SPECS.find((s) => s.name === 'admin.conf')!;

describe('certificate locations (pair | kubeconfig)', () => {
  it('knows where each table entry lives', () => {
    expect(locationOf(apiserver, cfg)).toEqual({ kind: 'pair', name: 'apiserver', certPath: '/pki/apiserver.crt', keyPath: '/pki/apiserver.key' });
    expect(locationOf(LEAF_SPECS.find((s) => s.name === 'etcd-peer')!, cfg)).toMatchObject({ certPath: '/pki/etcd/peer.crt' });
    expect(locationOf(admin, cfg)).toEqual({ kind: 'kubeconfig', name: 'admin.conf', path: '/k/admin.conf' });
    expect(certificateFile(locationOf(admin, cfg))).toBe('/k/admin.conf');
  });

  it('loads a pair with or without its key, and replaces both files', async () => {
    const fs = new MemoryFiles();
    const old = await selfSigned('kube-apiserver');
    fs.write('/pki/apiserver.crt', old.certPem, 0o644);
    const loc = locationOf(apiserver, cfg);
    expect(loadLocation(loc, fs).keyText).toBeUndefined();
    fs.writeKey('/pki/apiserver.key', old.keyPem);
    expect(loadLocation(loc, fs).keyText).toBeUndefined();
    const loaded = loadLocation(loc, fs, { key: true });
    expect(loaded.certificate.pem).toBe(old.certPem);
    expect(loaded.keyText).toBe(old.keyPem);
    const next = await selfSigned('kube-apiserver');
    expect(replaceLocation(loaded, { ...next, caPem: '' }, fs)).toEqual(['/pki/apiserver.key', '/pki/apiserver.crt']);
    expect(fs.files.get('/pki/apiserver.crt')).toEqual({ data: next.certPem, mode: 0o644 });
    expect(fs.files.get('/pki/apiserver.key')).toEqual({ data: next.keyPem, mode: 0o600 });
  });

  it('replaces a kubeconfig\'s client certificate, key and CA data, keeps everything else, and keeps a CA bundle whole', async () => {
    const fs = new MemoryFiles();
    const [ca1, ca2, old, next] = await Promise.all([selfSigned('ca-old'), selfSigned('ca-new'), selfSigned('kubernetes-admin'), selfSigned('kubernetes-admin')]);
    const kc = buildKubeconfig({ clusterName: 'kubernetes', server: 'https://10.0.0.1:6443', caPem: ca1!.certPem, userName: 'kubernetes-admin', clientCertPem: old!.certPem, clientKeyPem: old!.keyPem });
    kc.users.push({ name: 'other', user: { token: 't' } });
    kc['extensions'] = [{ name: 'x', extension: { a: 1 } }];
    fs.write('/k/admin.conf', serializeKubeconfig(kc), 0o600);
    const loaded = loadLocation(locationOf(admin, cfg), fs, { requireCaData: true });
    expect(loaded.certificate.pem).toBe(old!.certPem);
    expect(loaded.keyText).toBe(old!.keyPem);
    const before = serializeKubeconfig(loaded.kubeconfig!);
    const bundle = `${ca2!.certPem}${ca1!.certPem}`;
    expect(replaceLocation(loaded, { ...next!, caPem: bundle }, fs)).toEqual(['/k/admin.conf']);
    expect(serializeKubeconfig(loaded.kubeconfig!)).toBe(before);
    const written = parseKubeconfig(fs.read('/k/admin.conf'), '/k/admin.conf');
    const cur = currentEntries(written, '/k/admin.conf');
    expect(dataField(cur.user, 'client-certificate-data')).toBe(next!.certPem);
    expect(dataField(cur.user, 'client-key-data')).toBe(next!.keyPem);
    expect(dataField(cur.cluster, 'certificate-authority-data')).toBe(bundle);
    expect(cur.cluster['server']).toBe('https://10.0.0.1:6443');
    expect(written.users.find((u) => u.name === 'other')).toEqual({ name: 'other', user: { token: 't' } });
    expect(written['extensions']).toEqual([{ name: 'x', extension: { a: 1 } }]);
    expect(fs.files.get('/k/admin.conf')?.mode).toBe(0o600);
  });

  it('refuses kubeconfigs without an embedded client certificate or (when asked) CA data, with kubeadm wording', () => {
    const fs = new MemoryFiles();
    const loc = locationOf(admin, cfg);
    fs.write('/k/admin.conf', serializeKubeconfig(buildKubeconfig({ clusterName: 'c', server: 'https://s', caPem: '', userName: 'u', token: 't' })), 0o600);
    expect(() => loadLocation(loc, fs, { requireCaData: true })).toThrow('kubeConfig file /k/admin.conf does not have an embedded server certificate');
    expect(() => loadLocation(loc, fs)).toThrow('kubeConfig file /k/admin.conf does not have an embedded client certificate');
    fs.write('/k/admin.conf', serializeKubeconfig(buildKubeconfig({ clusterName: 'c', server: 'https://s', caPem: 'x', userName: 'u', clientCertPem: 'not a certificate' })), 0o600);
    expect(() => loadLocation(loc, fs)).toThrow(expect.objectContaining({ code: 'BAD_CLIENT_CERT' }));
    expect(() => loadLocation(locationOf(apiserver, cfg), fs)).toThrow(/couldn't load the certificate file \/pki\/apiserver.crt: open \/pki\/apiserver.crt: no such file or directory/);
  });

  it('replaces the three values in place, so every other byte of the kubeconfig (comments, order, quoting) stays', async () => {
    const fs = new MemoryFiles();
    const [ca, old, next] = await Promise.all([selfSigned('ca'), selfSigned('kubernetes-admin'), selfSigned('kubernetes-admin')]);
    const b64 = (pem: string): string => Buffer.from(pem).toString('base64');
    const text = [
      '# kept comment',
      'apiVersion: v1',
      'kind: Config',
      'current-context: a@k',
      'preferences: {}',
      'clusters:',
      `- cluster: {server: 'https://10.0.0.1:6443', certificate-authority-data: ${b64(ca!.certPem)}}`,
      '  name: k',
      'contexts:',
      '- context: {cluster: k, user: a}',
      '  name: a@k',
      'users:',
      '- name: a',
      '  user:',
      `    client-key-data: ${b64(old!.keyPem)}   # trailing comment`,
      `    client-certificate-data: ${b64(old!.certPem)}`,
      '',
    ].join('\n');
    fs.write('/k/admin.conf', text, 0o640);
    const loaded = loadLocation(locationOf(admin, cfg), fs, { embeddedOnly: true });
    replaceLocation(loaded, { certPem: next!.certPem, keyPem: next!.keyPem, caPem: ca!.certPem }, fs);
    const expected = text.replace(b64(old!.keyPem), b64(next!.keyPem)).replace(b64(old!.certPem), b64(next!.certPem));
    expect(fs.read('/k/admin.conf')).toBe(expected);
  });

  it('refuses for renewal a kubeconfig with a CA file or file references next to embedded data (kubectl rejects both)', async () => {
    const fs = new MemoryFiles();
    const loc = locationOf(admin, cfg);
    const old = await selfSigned('kubernetes-admin');
    const kc = buildKubeconfig({ clusterName: 'k', server: 'https://s', caPem: '', userName: 'u', clientCertPem: old.certPem, clientKeyPem: old.keyPem });
    fs.write('/k/admin.conf', serializeKubeconfig(kc), 0o600);
    expect(() => loadLocation(loc, fs, { embeddedOnly: true })).toThrow(expect.objectContaining({ code: 'KUBECONFIG_CA_FILE' }));
    const withRef = structuredClone(kc);
    (withRef.clusters[0]!.cluster as Record<string, unknown>)['certificate-authority-data'] = Buffer.from(old.certPem).toString('base64');
    (withRef.users[0]!.user as Record<string, unknown>)['client-key'] = '/etc/k/u.key';
    fs.write('/k/admin.conf', serializeKubeconfig(withRef), 0o600);
    expect(() => loadLocation(loc, fs, { embeddedOnly: true })).toThrow(
      'kubeConfig file /k/admin.conf refers to a client-key file; renewal embeds client-key-data and kubectl rejects a file with both, so it is not renewed',
    );
    // check-expiration reads the same file: only the client certificate matters there
    expect(loadLocation(loc, fs).certificate.pem).toBe(old.certPem);
  });

  it('follows a client-certificate file reference relative to the kubeconfig only when asked (kubelet.conf)', async () => {
    const fs = new MemoryFiles();
    const cert = await selfSigned('system:node:cp-1');
    fs.write('/var/lib/kubelet/pki/kubelet-client-current.pem', cert.certPem + cert.keyPem, 0o600);
    const kc = buildKubeconfig({ clusterName: 'k', server: 'https://s', caPem: '', userName: 'u', token: 't' });
    delete (kc.users[0]!.user as Record<string, unknown>)['token'];
    (kc.users[0]!.user as Record<string, unknown>)['client-certificate'] = '../var/lib/kubelet/pki/kubelet-client-current.pem';
    fs.write('/k/kubelet.conf', serializeKubeconfig(kc), 0o600);
    const loc = { kind: 'kubeconfig', name: 'kubelet.conf', path: '/k/kubelet.conf' } as const;
    expect(() => loadLocation(loc, fs)).toThrow('kubeConfig file /k/kubelet.conf does not have an embedded client certificate');
    const loaded = loadLocation(loc, fs, { readReference: (p) => fs.read(p) });
    expect(loaded.source).toBe('/var/lib/kubelet/pki/kubelet-client-current.pem');
    expect(loaded.certificate.pem).toBe(cert.certPem);
  });

  it('replaces only a kubeconfig\'s CA data (a rotation\'s bundle, whole) in place, also without an embedded client certificate', async () => {
    const fs = new MemoryFiles();
    const [ca1, ca2] = await Promise.all([selfSigned('ca-old'), selfSigned('ca-new')]);
    const b64 = (pem: string): string => Buffer.from(pem).toString('base64');
    const text = [
      'apiVersion: v1',
      'clusters:',
      '- cluster:',
      `    certificate-authority-data: ${b64(ca1.certPem)}`,
      '    server: https://10.0.0.1:6443 # kept',
      '  name: k',
      'contexts:',
      '- context: {cluster: k, user: n}',
      '  name: n@k',
      'current-context: n@k',
      'kind: Config',
      'users:',
      '- name: n',
      '  user:',
      '    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem',
      '    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem',
      '',
    ].join('\n');
    const bundle = `${ca1.certPem}${ca2.certPem}`;
    expect(replaceKubeconfigCaData({ path: '/k/kubelet.conf', text }, bundle, fs)).toEqual(['/k/kubelet.conf']);
    expect(fs.files.get('/k/kubelet.conf')).toEqual({ data: text.replace(b64(ca1.certPem), b64(bundle)), mode: 0o600 });
  });

  it('replaces CA data with the client certificate and key as replaceLocation does, byte for byte', async () => {
    const [ca1, ca2, old, next] = await Promise.all([selfSigned('ca-old'), selfSigned('ca-new'), selfSigned('kubernetes-admin'), selfSigned('kubernetes-admin')]);
    const text = serializeKubeconfig(buildKubeconfig({ clusterName: 'kubernetes', server: 'https://10.0.0.1:6443', caPem: ca1.certPem, userName: 'kubernetes-admin', clientCertPem: old.certPem, clientKeyPem: old.keyPem }));
    const viaLocation = new MemoryFiles();
    viaLocation.write('/k/admin.conf', text, 0o600);
    replaceLocation(loadLocation(locationOf(admin, cfg), viaLocation), { ...next, caPem: `${ca2.certPem}${ca1.certPem}` }, viaLocation);
    const viaCaData = new MemoryFiles();
    replaceKubeconfigCaData({ path: '/k/admin.conf', text }, `${ca2.certPem}${ca1.certPem}`, viaCaData, next);
    expect(viaCaData.read('/k/admin.conf')).toBe(viaLocation.read('/k/admin.conf'));
    expect(viaCaData.read('/k/admin.conf')).not.toBe(text);
  });

  it('sets only the current cluster\'s CA data when the same value stands in another cluster (re-serialized)', async () => {
    const ca = await selfSigned('ca');
    const kc = buildKubeconfig({ clusterName: 'k', server: 'https://s', caPem: ca.certPem, userName: 'u', token: 't' });
    kc.clusters.push(structuredClone({ ...kc.clusters[0]!, name: 'k2' }));
    const text = serializeKubeconfig(kc);
    const fs = new MemoryFiles();
    const next = await selfSigned('ca-new');
    replaceKubeconfigCaData({ path: '/k/x.conf', text }, next.certPem, fs);
    const written = parseKubeconfig(fs.read('/k/x.conf'), '/k/x.conf');
    expect(dataField(currentEntries(written, '/k/x.conf').cluster, 'certificate-authority-data')).toBe(next.certPem);
    expect(dataField(written.clusters[1]!.cluster as Record<string, unknown>, 'certificate-authority-data')).toBe(ca.certPem);
  });

  it('names the key and the CSR files of each kind', () => {
    expect(keyLabel(locationOf(apiserver, cfg))).toBe('/pki/apiserver.key');
    expect(keyLabel(locationOf(admin, cfg))).toBe('/k/admin.conf (client-key-data)');
    expect(requestFiles(locationOf(LEAF_SPECS.find((s) => s.name === 'etcd-peer')!, cfg))).toEqual({ csr: '/pki/etcd/peer.csr', key: '/pki/etcd/peer.key' });
    expect(requestFiles(locationOf(admin, cfg))).toEqual({ csr: '/k/admin.conf.csr', key: '/k/admin.conf.key' });
  });
});
