import { describe, expect, it } from 'vitest';
import { DEFAULTS } from './types.js';
import { parseConfigDocuments, parseEncryptionAlgorithm, resolveConfig } from './resolve.js';

const host = { hostname: 'CP-1', defaultAddress: '192.168.1.10' };
const docs = (text: string): ReturnType<typeof parseConfigDocuments> => parseConfigDocuments(text, '/k.yaml');

const INIT = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 10.0.0.7
  bindPort: 8443
nodeRegistration:
  name: Node-A
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
clusterName: prod
controlPlaneEndpoint: lb.example:443
certificatesDir: /srv/pki
encryptionAlgorithm: ECDSA-P256
certificateValidityPeriod: 720h
networking:
  serviceSubnet: 10.200.0.0/16
  dnsDomain: corp.local
apiServer:
  certSANs: [extra.example]
etcd:
  local:
    serverCertSANs: [etcd.example]
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
`;

describe('config resolution (documents + flags → RunConfig)', () => {
  it('uses kubeadm defaults and host facts with no file and no flags', () => {
    const cfg = resolveConfig({}, {}, host);
    expect(cfg).toMatchObject({
      certificatesDir: DEFAULTS.certificatesDir, kubeconfigDir: DEFAULTS.kubeconfigDir, clusterName: 'kubernetes', controlPlaneEndpoint: '',
      advertiseAddress: '192.168.1.10', bindPort: 6443, nodeName: 'cp-1', serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local',
      apiServerCertSANs: [], etcdLocal: { serverCertSANs: [], peerCertSANs: [] }, encryptionAlgorithm: 'RSA-2048',
      encryptionAlgorithmSource: 'default', certificateValidityMs: 8760 * 3_600_000, caCertificateValidityMs: 87600 * 3_600_000,
    });
  });

  it('reads every field kubecerts uses from the file and skips component configs', () => {
    const cfg = resolveConfig(docs(INIT), {}, host, '/k.yaml');
    expect(cfg).toMatchObject({
      certificatesDir: '/srv/pki', clusterName: 'prod', controlPlaneEndpoint: 'lb.example:443', advertiseAddress: '10.0.0.7', bindPort: 8443,
      nodeName: 'node-a', serviceSubnet: '10.200.0.0/16', dnsDomain: 'corp.local', apiServerCertSANs: ['extra.example'],
      etcdLocal: { serverCertSANs: ['etcd.example'], peerCertSANs: [] }, encryptionAlgorithm: 'ECDSA-P256', encryptionAlgorithmSource: 'config',
      certificateValidityMs: 720 * 3_600_000,
    });
  });

  it('lets flags win over the file, and appends extra SANs from flags to the file\'s', () => {
    const cfg = resolveConfig(docs(INIT), { certDir: '/flag/pki', advertiseAddress: '10.9.9.9', nodeName: 'N', certExtraSans: ['x.example'], encryptionAlgorithm: 'RSA-3072' }, host);
    expect(cfg.certificatesDir).toBe('/flag/pki');
    expect(cfg.advertiseAddress).toBe('10.9.9.9');
    expect(cfg.nodeName).toBe('n');
    expect(cfg.apiServerCertSANs).toEqual(['extra.example', 'x.example']);
    expect(cfg.encryptionAlgorithm).toBe('RSA-3072');
    expect(cfg.encryptionAlgorithmSource).toBe('flag');
  });

  it('drops local etcd with etcd.external, and follows the PublicKeysECDSA feature gate', () => {
    const ext = docs('apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\netcd:\n  external:\n    endpoints: [https://e:2379]\nfeatureGates:\n  PublicKeysECDSA: true\n');
    const cfg = resolveConfig(ext, {}, host);
    expect(cfg.etcdLocal).toBeNull();
    expect(cfg.encryptionAlgorithm).toBe('ECDSA-P256');
    expect(cfg.encryptionAlgorithmSource).toBe('config');
  });

  it('names the file and the field in errors', () => {
    const bad = (text: string): string => {
      try {
        resolveConfig(docs(text), {}, host, '/k.yaml');
      } catch (err) {
        return `${(err as { code: string }).code}: ${(err as Error).message}`;
      }
      return 'no error';
    };
    const cc = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n';
    expect(bad(`${cc}networking: 5\n`)).toBe('CONFIG_TYPE: invalid config file "/k.yaml": networking must be a mapping');
    expect(bad(`${cc}certificateValidityPeriod: soon\n`)).toBe('CONFIG_TYPE: invalid config file "/k.yaml": certificateValidityPeriod must be a positive duration such as "8760h" (got "soon")');
    expect(bad(`${cc}networking:\n  serviceSubnet: nope\n`)).toBe('CONFIG_VALUE: invalid config file "/k.yaml": networking.serviceSubnet "nope" is not a valid CIDR');
    expect(bad(`${cc}controlPlaneEndpoint: "lb:99999"\n`)).toBe('CONFIG_VALUE: invalid config file "/k.yaml": error parsing cluster controlPlaneEndpoint "lb:99999"');
    expect(bad(`${cc}encryptionAlgorithm: DSA\n`)).toBe('BAD_ALGORITHM: invalid config file "/k.yaml": cannot obtain key size from unknown RSA algorithm: "DSA"');
    expect(() => docs('apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\n')).toThrow('unsupported apiVersion "kubeadm.k8s.io/v1beta2"');
    expect(() => docs('apiVersion: kubeadm.k8s.io/v1beta4\nkind: Other\n')).toThrow('unknown kind "Other" for kubeadm.k8s.io/v1beta4');
    expect(() => docs('- a\n')).toThrow('a document is not a mapping');
    expect(() => docs('a: [\n')).toThrow(/^failed to parse config file "\/k.yaml": /);
  });

  it('accepts exactly kubeadm\'s encryption algorithms; an empty value is the default', () => {
    expect(parseEncryptionAlgorithm('')).toBe('RSA-2048');
    expect(parseEncryptionAlgorithm('ECDSA-P384')).toBe('ECDSA-P384');
    expect(() => parseEncryptionAlgorithm('rsa-2048')).toThrow(/unknown RSA algorithm/);
  });
});
