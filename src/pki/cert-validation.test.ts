import { describe, expect, it } from 'vitest';
import { validateCertificateWithConfig, verifyHostname } from './cert-validation.js';

describe("Go's VerifyHostname and kubeadm's validateCertificateWithConfig", () => {
  const names = { dns: ['cp-1', 'kubernetes', '*.apps.example'], ips: ['10.96.0.1', '2001:db8::1'] };

  it('matches case-insensitively, one wildcard label, IPs in any spelling', () => {
    expect(verifyHostname(names, 'KUBERNETES')).toBeUndefined();
    expect(verifyHostname(names, 'x.apps.example')).toBeUndefined();
    expect(verifyHostname(names, 'a.b.apps.example')).toBe('x509: certificate is valid for cp-1, kubernetes, *.apps.example, not a.b.apps.example');
    expect(verifyHostname(names, '2001:0db8:0::1')).toBeUndefined();
    expect(verifyHostname(names, '10.0.0.1')).toBe('x509: certificate is valid for 10.96.0.1, 2001:db8::1, not 10.0.0.1');
    expect(verifyHostname({ dns: ['a'], ips: [] }, '10.0.0.1')).toBe("x509: cannot validate certificate for 10.0.0.1 because it doesn't contain any IP SANs");
    expect(verifyHostname({ dns: [], ips: ['10.0.0.1'] }, 'a.example')).toBe('x509: certificate is not valid for any names, but wanted to match a.example');
  });

  it('reports the first uncovered DNS name, then IP', () => {
    expect(validateCertificateWithConfig(names, 'apiserver', { dns: ['kubernetes', 'new.example'], ips: ['10.0.0.9'] })).toBe(
      'certificate apiserver is invalid: x509: certificate is valid for cp-1, kubernetes, *.apps.example, not new.example',
    );
    expect(validateCertificateWithConfig(names, 'apiserver', { dns: ['cp-1'], ips: ['10.96.0.1'] })).toBeUndefined();
  });
});
