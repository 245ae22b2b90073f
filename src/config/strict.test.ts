import { describe, expect, it } from 'vitest';
import { strictDecodingWarning, unknownConfigFields, withoutUnknownFields } from './strict.js';

describe('strict decoding per apiVersion (kubeadm VerifyUnmarshalStrict)', () => {
  const doc = {
    apiVersion: 'kubeadm.k8s.io/v1beta3', kind: 'ClusterConfiguration',
    certificateValidityPeriod: '1h', encryptionAlgorithm: 'ECDSA-P256',
    apiServer: { certSANs: ['a'], timeoutForControlPlane: '4m', extraArgs: { anything: 'x' } },
    etcd: { local: { serverCertSANs: ['b'], extraEnvs: [] } },
    featureGates: { Whatever: true },
  };

  it('v1beta4-only fields are unknown in v1beta3, nested paths are dotted, free-form maps are not checked', () => {
    expect(unknownConfigFields('kubeadm.k8s.io/v1beta3', 'ClusterConfiguration', doc)).toEqual([
      'certificateValidityPeriod', 'encryptionAlgorithm', 'etcd.local.extraEnvs',
    ]);
    expect(unknownConfigFields('kubeadm.k8s.io/v1beta4', 'ClusterConfiguration', { ...doc, apiVersion: 'kubeadm.k8s.io/v1beta4' })).toEqual([
      'apiServer.timeoutForControlPlane',
    ]);
  });

  it('the warning is kubeadm\'s text, and the unknown fields are dropped', () => {
    expect(strictDecodingWarning('kubeadm.k8s.io/v1beta4', 'InitConfiguration', { nodeRegistration: { nmae: 'x' } })).toBe(
      'error unmarshaling configuration schema.GroupVersionKind{Group:"kubeadm.k8s.io", Version:"v1beta4", Kind:"InitConfiguration"}: strict decoding error: unknown field "nodeRegistration.nmae"',
    );
    expect(strictDecodingWarning('kubeadm.k8s.io/v1beta4', 'InitConfiguration', { nodeRegistration: { name: 'x' } })).toBeUndefined();
    expect(withoutUnknownFields('kubeadm.k8s.io/v1beta3', 'ClusterConfiguration', doc)).not.toHaveProperty('certificateValidityPeriod');
    expect(withoutUnknownFields('kubeadm.k8s.io/v1beta3', 'ClusterConfiguration', doc)).toHaveProperty('apiServer.certSANs', ['a']);
  });

  it('kinds without a schema are not checked', () => {
    expect(unknownConfigFields('kubeadm.k8s.io/v1beta4', 'JoinConfiguration', { bogus: 1 })).toEqual([]);
  });
});
