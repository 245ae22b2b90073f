import { generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chainError, signedBy } from './chain.js';
import { LocalCaSigner, SelfSigner, derSetOrder, type CertificateTemplate } from './signer.js';

const key = (): KeyObject => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const day = 86_400_000;
const t0 = new Date('2026-01-01T00:00:00Z');

function template(cn: string, k: KeyObject, isCA: boolean, from = t0, days = 365): CertificateTemplate {
  return { subject: { cn, orgs: [] }, dns: [], ips: [], usages: isCA ? [] : ['clientAuth'], isCA, key: k, notBefore: from, notAfter: new Date(from.getTime() + days * day), serialHex: '01' };
}

async function ca(cn: string, days = 3650): Promise<{ pem: string; key: KeyObject; cert: X509Certificate }> {
  const k = key();
  const pem = await new SelfSigner().sign(template(cn, k, true, t0, days));
  return { pem, key: k, cert: new X509Certificate(pem) };
}

describe('chain checks (signedBy, chainError)', () => {
  it('accepts a leaf its CA signed and rejects one another CA with the same name signed', async () => {
    const a = await ca('kubernetes');
    const impostor = await ca('kubernetes');
    const leaf = new X509Certificate(await new LocalCaSigner(a.pem, a.key).sign(template('admin', key(), false)));
    expect(signedBy(leaf, a.cert)).toBe(true);
    expect(signedBy(leaf, impostor.cert)).toBe(false);
    expect(chainError(leaf, a.cert, new Date(t0.getTime() + day))).toBeUndefined();
    expect(chainError(leaf, impostor.cert, new Date(t0.getTime() + day))).toBe('x509: certificate signed by unknown authority');
  });

  it('reports Go\'s expiry error for a leaf outside its validity, at the injected time', async () => {
    const a = await ca('kubernetes');
    const leaf = new X509Certificate(await new LocalCaSigner(a.pem, a.key).sign(template('admin', key(), false, t0, 10)));
    expect(chainError(leaf, a.cert, new Date('2026-02-01T00:00:00Z'))).toBe(
      'x509: certificate has expired or is not yet valid: current time 2026-02-01T00:00:00Z is after 2026-01-11T00:00:00Z',
    );
    expect(chainError(leaf, a.cert, new Date('2025-12-31T00:00:00Z'))).toBe(
      'x509: certificate has expired or is not yet valid: current time 2025-12-31T00:00:00Z is before 2026-01-01T00:00:00Z',
    );
  });

  it('follows one intermediate from the leaf\'s own file', async () => {
    const root = await ca('root');
    const midKey = key();
    const midPem = await new LocalCaSigner(root.pem, root.key).sign(template('intermediate', midKey, true));
    const leaf = new X509Certificate(await new LocalCaSigner(midPem, midKey).sign(template('admin', key(), false)));
    const at = new Date(t0.getTime() + day);
    expect(chainError(leaf, root.cert, at)).toBe('x509: certificate signed by unknown authority');
    expect(chainError(leaf, root.cert, at, [new X509Certificate(midPem)])).toBeUndefined();
  });
});

describe('derSetOrder (Go DER SET OF order for multi-valued O)', () => {
  it('sorts by encoded length, then UTF8String before PrintableString, then bytes', () => {
    expect(derSetOrder(['zeta', 'b', 'alpha', 'a*b', 'ab', 'team é'])).toEqual(['b', 'ab', 'a*b', 'zeta', 'alpha', 'team é']);
    expect(derSetOrder(['system:masters', 'kubeadm:cluster-admins'])).toEqual(['system:masters', 'kubeadm:cluster-admins']);
    expect(derSetOrder(['b', 'a'])).toEqual(['a', 'b']);
  });
});
