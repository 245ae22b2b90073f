import { describe, expect, it } from 'vitest';
import { apiserverFromManifest } from './barrier.js';
import { applyInCluster, withClusterCa } from './in-cluster.js';

// kube-public/cluster-info's data.kubeconfig as kubeadm writes it (clientcmd's serialization of a cluster-only config)
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const OLD = '-----BEGIN CERTIFICATE-----\nb2xk\n-----END CERTIFICATE-----\n';
const NEW = '-----BEGIN CERTIFICATE-----\nbmV3\n-----END CERTIFICATE-----\n';
const clusterInfo = (ca: string): string =>
  `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: ${b64(ca)}\n    server: https://10.0.0.1:6443\n  name: ""\ncontexts: null\ncurrent-context: ""\nkind: Config\npreferences: {}\nusers: null\n`;

describe('the cluster-info kubeconfig with a new CA bundle', () => {
  it('replaces only the CA data and returns what it held', () => {
    const { edited, before } = withClusterCa(clusterInfo(OLD), OLD + NEW);
    expect(before).toBe(OLD);
    expect(edited).toBe(clusterInfo(OLD + NEW));
  });

  it('refuses a kubeconfig without CA data, one that is not YAML, and one whose CA data appears twice', () => {
    expect(() => withClusterCa(clusterInfo(OLD).replace(/ {4}certificate-authority-data: .*\n/, ''), NEW)).toThrow(/no cluster with certificate-authority-data/);
    expect(() => withClusterCa('clusters: [', NEW)).toThrow(/not YAML/);
    const twice = `${clusterInfo(OLD)}# copy: ${b64(OLD)}\n`;
    expect(() => withClusterCa(twice, NEW)).toThrow(/cannot be replaced unambiguously/);
  });
});

describe('kube-apiserver from its static-pod manifest', () => {
  it('takes --advertise-address and --secure-port (6443 when absent); IPv6 in brackets; none without an address', () => {
    expect(apiserverFromManifest('    - --advertise-address=192.168.1.10\n    - --secure-port=8443\n')).toBe('https://192.168.1.10:8443');
    expect(apiserverFromManifest('    - --advertise-address=10.0.0.1\n')).toBe('https://10.0.0.1:6443');
    expect(apiserverFromManifest('    - "--advertise-address=fd00::1"\n')).toBe('https://[fd00::1]:6443');
    expect(apiserverFromManifest('    - --secure-port=6443\n')).toBeUndefined();
    expect(apiserverFromManifest(undefined)).toBeUndefined();
  });
});

describe('applyInCluster: records and kubectl failures', () => {
  const input = (kubectl: Parameters<typeof applyInCluster>[0]['kubectl'], doneBefore: string[] = []): Parameters<typeof applyInCluster>[0] => ({
    phase: 'trust', kubeconfig: '/k/admin.conf', caBundle: undefined, oldCa: undefined, newCa: undefined, doneBefore, kubectl,
  });

  it('a record of done steps skips only the rollout restarts, never the API server check', () => {
    const seen: string[][] = [];
    const r = applyInCluster(input((args) => {
      seen.push([...args]);
      return { code: 0, stdout: 'ok\n', stderr: '' };
    }, ['api-server', 'cluster-info', 'kube-root-ca', 'workloads', 'restart-kube-proxy']));
    expect(r.outcomes.find((o) => o.id === 'api-server')?.result).toBe('ok');
    expect(seen.some((a) => a.includes('/version'))).toBe(true);
    expect(r.outcomes.find((o) => o.id === 'restart-kube-proxy')?.result).toBe('done-before');
    expect(r.outcomes.find((o) => o.id === 'restart-coredns')?.result).toBe('ok');
    expect(r.done).toEqual(['restart-kube-proxy', 'restart-coredns']);
  });

  it('a kubectl run that timed out is reported as a timeout, not as "exited -1: no output"', () => {
    const r = applyInCluster(input(() => ({ code: -1, stdout: '', stderr: '', timedOutSeconds: 60 })));
    expect(r.outcomes[0]?.error).toMatch(/^kubectl get --raw \/version… timed out after 60 s/);
  });
});
