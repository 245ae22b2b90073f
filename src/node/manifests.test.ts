import { describe, expect, it } from 'vitest';
import { certificateConsumers, componentOfText, componentsUsing, parseFlags, parseStaticPod } from './manifests.js';

const pod = (component: string, command: string[], name = `${component}-cp1`): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - command:\n${command.map((c) => `    - ${c}`).join('\n')}\n    name: ${component}\n`;

const APISERVER = pod('kube-apiserver', [
  'kube-apiserver', '--advertise-address=10.0.0.5', '--client-ca-file=/p/ca.crt', '--etcd-certfile=/p/apiserver-etcd-client.crt',
  '--etcd-keyfile=/p/apiserver-etcd-client.key', '--secure-port=6443', '--tls-cert-file=/p/apiserver.crt', '--tls-private-key-file=/p/apiserver.key',
]);
const ETCD = pod('etcd', [
  'etcd', '--advertise-client-urls=https://10.0.0.5:2379', '--cert-file=/p/etcd/server.crt', '--key-file=/p/etcd/server.key',
  '--listen-client-urls=https://127.0.0.1:2379,https://10.0.0.5:2379', '--listen-peer-urls=https://10.0.0.5:2380', '--name=cp1',
  '--peer-cert-file=/p/etcd/peer.crt', '--peer-key-file=/p/etcd/peer.key', '--peer-trusted-ca-file=/p/etcd/ca.crt', '--trusted-ca-file=/p/etcd/ca.crt',
]);
const SCHEDULER = pod('kube-scheduler', ['kube-scheduler', '--authentication-kubeconfig=/k/scheduler.conf', '--kubeconfig=/k/scheduler.conf', '--bind-address=0.0.0.0']);

describe('static-pod manifests', () => {
  it('reads kubeadm\'s flags: later flags win, bare flags are "true"', () => {
    expect([...parseFlags(['--a=1', '--b', '--a=2', 'x'])]).toEqual([['a', '2'], ['b', 'true']]);
  });

  it('finds the apiserver\'s files, port, advertise address and node name', () => {
    const p = parseStaticPod(APISERVER, 'm', 'kube-apiserver');
    expect(p.nodeName).toBe('cp1');
    expect(p.advertiseAddress).toBe('10.0.0.5');
    expect(p.endpoints).toEqual([{ name: 'server', host: '127.0.0.1', port: 6443, certFile: '/p/apiserver.crt', caFile: '/p/ca.crt' }]);
    expect(p.healthUrl).toBe('https://127.0.0.1:6443/readyz');
    expect(p.files.map((f) => [f.flag, f.role])).toEqual([
      ['tls-cert-file', 'serving'], ['tls-private-key-file', 'key'], ['client-ca-file', 'ca'], ['etcd-certfile', 'client'], ['etcd-keyfile', 'key'],
    ]);
  });

  it('dials etcd on its loopback client URL and its peer URL', () => {
    const p = parseStaticPod(ETCD, 'm', 'etcd');
    expect(p.endpoints.map((e) => [e.name, e.host, e.port, e.certFile])).toEqual([
      ['etcd-client', '127.0.0.1', 2379, '/p/etcd/server.crt'],
      ['etcd-peer', '10.0.0.5', 2380, '/p/etcd/peer.crt'],
    ]);
    expect(p.healthUrl).toBe('https://127.0.0.1:2379/health');
    expect(p.advertiseAddress).toBe('10.0.0.5');
    expect(p.nodeName).toBe('cp1');
  });

  it('lists one kubeconfig once, and health on the default port of a client-only component', () => {
    const p = parseStaticPod(SCHEDULER, 'm', 'kube-scheduler');
    expect(p.files).toEqual([{ flag: 'kubeconfig', path: '/k/scheduler.conf', role: 'kubeconfig' }]);
    expect(p.endpoints).toEqual([]);
    expect(p.healthUrl).toBe('https://127.0.0.1:10259/healthz');
  });

  it.each([
    ['YAML that does not parse', 'spec: [', 'kube-scheduler', /^cannot parse manifest "m": /],
    ['a pod without a command', 'kind: Pod\nspec:\n  containers: []\n', 'kube-scheduler', /is not a pod with a container command/],
    ['another component', SCHEDULER, 'kube-apiserver', /runs "kube-scheduler", not kube-apiserver/],
    ['missing flags', pod('etcd', ['etcd', '--name=cp1']), 'etcd', /lacks --cert-file, --key-file, --trusted-ca-file, --listen-client-urls/],
  ] as const)('refuses %s', (_n, text, component, message) => {
    expect(() => parseStaticPod(text, 'm', component)).toThrow(message);
  });

  it('tells which components use which files, in restart order', () => {
    const pods = [parseStaticPod(SCHEDULER, 'm', 'kube-scheduler'), parseStaticPod(APISERVER, 'm', 'kube-apiserver'), parseStaticPod(ETCD, 'm', 'etcd')];
    const table = certificateConsumers(pods);
    expect(componentsUsing(table, ['/p/etcd/ca.crt', '/k/scheduler.conf'])).toEqual(['etcd', 'kube-scheduler']);
    expect(componentsUsing(table, ['/p/apiserver-etcd-client.crt'])).toEqual(['kube-apiserver']);
    expect(componentsUsing(table, ['/nothing'])).toEqual([]);
  });

  it('names the component a stray copy would run', () => {
    expect(componentOfText(APISERVER)).toBe('kube-apiserver');
    expect(componentOfText('not: [yaml')).toBeUndefined();
  });
});
