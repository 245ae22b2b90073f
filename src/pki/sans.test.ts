import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../config/types.js';
import { computeAltNames, normalizeAltNames, type SanWarning } from './sans.js';

const base: RunConfig = {
  certificatesDir: '/etc/kubernetes/pki', kubeconfigDir: '/etc/kubernetes', clusterName: 'kubernetes', controlPlaneEndpoint: '',
  advertiseAddress: '192.168.1.10', bindPort: 6443, nodeName: 'cp-1', serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local',
  apiServerCertSANs: [], etcdLocal: { serverCertSANs: [], peerCertSANs: [] }, encryptionAlgorithm: 'RSA-2048',
  encryptionAlgorithmSource: 'default', certificateValidityMs: 1, caCertificateValidityMs: 1,
};
const cfg = (over: Partial<RunConfig>): RunConfig => ({ ...base, ...over });
const collect = (rule: Parameters<typeof computeAltNames>[0], c: RunConfig): { alt: ReturnType<typeof computeAltNames>; warnings: SanWarning[] } => {
  const warnings: SanWarning[] = [];
  return { alt: computeAltNames(rule, c, (w) => warnings.push(w)), warnings };
};

describe('subject alternative names (kubeadm certlist)', () => {
  it('apiserver: node name, the kubernetes service names, the service VIP and the advertise address', () => {
    expect(collect('apiserver', base).alt).toEqual({
      dns: ['cp-1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
      ips: ['10.96.0.1', '192.168.1.10'],
    });
  });

  it('apiserver: adds the control-plane endpoint host (IP or name) and valid extra SANs, warns about the rest', () => {
    const { alt, warnings } = collect('apiserver', cfg({ controlPlaneEndpoint: 'lb.example.com:443', apiServerCertSANs: ['10.0.0.5', '*.apps.example.com', 'Bad_Name', 'fd00::0:1'] }));
    expect(alt.dns).toEqual(['*.apps.example.com', 'cp-1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'lb.example.com']);
    expect(alt.ips).toEqual(['10.96.0.1', '192.168.1.10', '10.0.0.5', 'fd00::1']);
    expect(warnings).toEqual([{ kind: 'san-skipped', san: 'Bad_Name', certName: 'apiserver.crt' }]);
    expect(collect('apiserver', cfg({ controlPlaneEndpoint: '[fd00::10]:6443' })).alt.ips).toContain('fd00::10');
  });

  it('apiserver: the first service CIDR of a dual-stack list gives the VIP', () => {
    expect(collect('apiserver', cfg({ serviceSubnet: 'fd00:10:96::/112,10.96.0.0/12' })).alt.ips[0]).toBe('fd00:10:96::1');
  });

  it('etcd: node name and localhost, advertise address and both loopbacks, and the per-certificate extra SANs', () => {
    const c = cfg({ etcdLocal: { serverCertSANs: ['etcd.example', '10.1.1.1'], peerCertSANs: ['peer.example'] } });
    expect(collect('etcd-server', c).alt).toEqual({ dns: ['cp-1', 'etcd.example', 'localhost'], ips: ['192.168.1.10', '127.0.0.1', '::1', '10.1.1.1'] });
    expect(collect('etcd-peer', c).alt).toEqual({ dns: ['cp-1', 'localhost', 'peer.example'], ips: ['192.168.1.10', '127.0.0.1', '::1'] });
    const warned = collect('etcd-peer', cfg({ etcdLocal: { serverCertSANs: [], peerCertSANs: ['no way'] } })).warnings;
    expect(warned).toEqual([{ kind: 'san-skipped', san: 'no way', certName: 'etcd/peer.crt' }]);
  });

  it('fails with kubeadm wording on a bad advertise address, service CIDR or endpoint', () => {
    expect(() => collect('apiserver', cfg({ advertiseAddress: 'nope' }))).toThrow(
      'error parsing LocalAPIEndpoint AdvertiseAddress nope: is not a valid textual representation of an IP address',
    );
    expect(() => collect('apiserver', cfg({ serviceSubnet: 'x' }))).toThrow('unable to get internal Kubernetes Service IP from the given service CIDR (x)');
    expect(() => collect('apiserver', cfg({ controlPlaneEndpoint: 'Bad_Host:6443' }))).toThrow('error parsing cluster controlPlaneEndpoint "Bad_Host:6443"');
  });

  it('normalises as kubeadm signs: DNS names sorted and unique, IPs canonical and unique in first-seen order', () => {
    expect(normalizeAltNames({ dns: ['b', 'a', 'b'], ips: ['::ffff:10.0.0.1', '10.0.0.1', '::1', '0:0::1'] })).toEqual({ dns: ['a', 'b'], ips: ['10.0.0.1', '::1'] });
  });
});
