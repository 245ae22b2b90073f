import { describe, expect, it } from 'vitest';
import { buildKubeconfig, currentEntries, dataField, parseKubeconfig, serializeKubeconfig, setDataField } from './codec.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('kubeconfig codec (client-go layout)', () => {
  it('serializes a built kubeconfig exactly as kubeadm writes one', () => {
    const kc = buildKubeconfig({ clusterName: 'kubernetes', server: 'https://10.0.0.1:6443', caPem: PEM, userName: 'kubernetes-admin', clientCertPem: PEM, clientKeyPem: 'KEY\n' });
    expect(serializeKubeconfig(kc)).toBe(
      [
        'apiVersion: v1',
        'clusters:',
        '- cluster:',
        `    certificate-authority-data: ${b64(PEM)}`,
        '    server: https://10.0.0.1:6443',
        '  name: kubernetes',
        'contexts:',
        '- context:',
        '    cluster: kubernetes',
        '    user: kubernetes-admin',
        '  name: kubernetes-admin@kubernetes',
        'current-context: kubernetes-admin@kubernetes',
        'kind: Config',
        'preferences: {}',
        'users:',
        '- name: kubernetes-admin',
        '  user:',
        `    client-certificate-data: ${b64(PEM)}`,
        `    client-key-data: ${b64('KEY\n')}`,
        '',
      ].join('\n'),
    );
  });

  it('writes a token user without certificate fields, and omits an empty CA', () => {
    const text = serializeKubeconfig(buildKubeconfig({ clusterName: 'c', server: 'https://s', caPem: '', userName: 'u', token: 'abc.def' }));
    expect(text).toContain('    token: abc.def\n');
    expect(text).not.toContain('certificate-authority-data');
    expect(text).not.toContain('client-certificate-data');
  });

  it('round-trips unknown fields and sorts keys at every level', () => {
    const text = 'users:\n- name: u\n  user:\n    exec: {command: x, apiVersion: v}\n    zz: 1\nkind: Config\nextensions: [{name: e, extension: {b: 1, a: 2}}]\ncontexts: []\nclusters: []\n';
    const out = serializeKubeconfig(parseKubeconfig(text, '/k'));
    expect(out).toContain('extensions:\n- extension:\n    a: 2\n    b: 1\n  name: e\n');
    expect(out).toContain('    exec:\n      apiVersion: v\n      command: x\n    zz: 1\n');
    expect(out).toContain('current-context: ""\n');
    expect(serializeKubeconfig(parseKubeconfig(out, '/k'))).toBe(out);
  });

  it('finds the current context\'s cluster and user, with client-go wording when one is missing', () => {
    const kc = buildKubeconfig({ clusterName: 'c', server: 'https://s', caPem: PEM, userName: 'u', clientCertPem: PEM });
    const cur = currentEntries(kc, '/k');
    expect(cur.clusterName).toBe('c');
    expect(cur.userName).toBe('u');
    expect(dataField(cur.user, 'client-certificate-data')).toBe(PEM);
    setDataField(cur.user, 'client-key-data', 'NEW');
    expect(kc.users[0]?.['user']).toMatchObject({ 'client-key-data': b64('NEW') });
    expect(() => currentEntries({ ...kc, 'current-context': 'x' }, '/k')).toThrow('invalid kubeConfig file /k: missing context x');
    expect(() => currentEntries({ ...kc, users: [] }, '/k')).toThrow('invalid kubeConfig file /k: missing authInfo u');
    expect(() => currentEntries({ ...kc, clusters: [] }, '/k')).toThrow('invalid kubeConfig file /k: missing cluster c');
  });

  it('reads data fields: absent or empty is undefined, non-base64 is the empty string', () => {
    expect(dataField({}, 'k')).toBeUndefined();
    expect(dataField({ k: '' }, 'k')).toBeUndefined();
    expect(dataField({ k: 'not base64!' }, 'k')).toBe('');
    expect(dataField({ k: 5 }, 'k')).toBeUndefined();
  });

  it('refuses what is not a kubeconfig, and YAML aliases that could expand', () => {
    expect(() => parseKubeconfig('- a', '/k')).toThrow('failed to load kubeConfig file /k: not a mapping');
    expect(() => parseKubeconfig('users: {}', '/k')).toThrow('users must be a list of named entries');
    expect(() => parseKubeconfig('kind: [1]', '/k')).toThrow('kind must be a string');
    expect(() => parseKubeconfig('a: &x [1]\nb: *x\n', '/k')).toThrow('YAML aliases of mappings or lists are not supported');
    expect(parseKubeconfig('', '/k')).toMatchObject({ apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] });
  });
});

describe('kubeconfig codec on large input', () => {
  it('reads a kubeconfig with a 130,000-item flow sequence (under 1 MiB) without overflowing the stack', () => {
    const text = `apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\ncurrent-context: ""\npreferences:\n  big: [${'0,'.repeat(130_000)}0]\n`;
    expect(text.length).toBeLessThan(1 << 20);
    const kc = parseKubeconfig(text, 'big.conf');
    expect(((kc.preferences as Record<string, unknown>)['big'] as unknown[]).length).toBe(130_001);
  });
});
