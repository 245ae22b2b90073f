import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { issuerFacts } from './der.js';
import { issue } from './issue.js';
import { createCsr, derSetOrder, LocalCaSigner, SelfSigner, type CertificateTemplate } from './signer.js';
import type { Usage } from './specs.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/**
 * Reference: the same certificate through @peculiar/x509's generator, as kubecerts signed before it had its own
 * encoder (and as its e2e tests compared with kubeadm's certificates). RSA PKCS#1 v1.5 signatures are
 * deterministic, so for RSA keys both must give the same bytes.
 */
async function referencePem(t: CertificateTemplate, signer?: { certPem: string; key: KeyObject }): Promise<string> {
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const imp = async (k: KeyObject): Promise<CryptoKeyPair> => ({
    privateKey: await webcrypto.subtle.importKey('pkcs8', k.export({ type: 'pkcs8', format: 'der' }), alg, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', createPublicKey(k).export({ type: 'spki', format: 'der' }), alg, true, ['verify']),
  }) as CryptoKeyPair;
  const own = await imp(t.key);
  const signing = signer ? await imp(signer.key) : own;
  const name: x509.JsonName = [];
  if (t.subject.orgs.length > 0) name.push({ O: derSetOrder(t.subject.orgs) });
  name.push({ CN: [t.subject.cn] });
  const eku: Record<Usage, string> = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' };
  const exts: x509.Extension[] = [];
  const ku = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;
  exts.push(new x509.KeyUsagesExtension(t.isCA ? ku | x509.KeyUsageFlags.keyCertSign : ku, true));
  const ekus = [...t.usages.map((u) => eku[u]), ...(t.otherUsageOids ?? [])];
  if (ekus.length > 0) exts.push(new x509.ExtendedKeyUsageExtension(ekus, false));
  exts.push(new x509.BasicConstraintsExtension(t.isCA, undefined, true));
  if (t.isCA) exts.push(await x509.SubjectKeyIdentifierExtension.create(own.publicKey, false));
  let issuer: x509.Name | x509.JsonName = name;
  if (signer) {
    const ca = new x509.X509Certificate(signer.certPem);
    issuer = ca.subjectName;
    const ski = ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    if (ski) exts.push(new x509.AuthorityKeyIdentifierExtension(ski, false));
  }
  const names = [...t.dns.map((value) => ({ type: 'dns' as const, value })), ...t.ips.map((value) => ({ type: 'ip' as const, value }))];
  if (names.length > 0) exts.push(new x509.SubjectAlternativeNameExtension(names, false));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: t.serialHex, subject: name, issuer, notBefore: t.notBefore, notAfter: t.notAfter,
    publicKey: own.publicKey, signingKey: signing.privateKey, signingAlgorithm: alg, extensions: exts,
  });
  return cert.toString('pem').replace(/\r\n/g, '\n') + '\n';
}

const rsa = (): KeyObject => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const ec = (curve: string): KeyObject => generateKeyPairSync('ec', { namedCurve: curve }).privateKey;
const caKey = rsa();
const window = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2036-01-01T00:00:00Z') };
const caTemplate: CertificateTemplate = {
  subject: { cn: 'kubernetes', orgs: [] }, dns: ['kubernetes'], ips: [], usages: [], isCA: true, key: caKey, ...window, serialHex: '01',
};

describe('certificate encoding (LocalCaSigner, SelfSigner)', () => {
  it('writes a self-signed CA byte for byte as the library reference does', async () => {
    expect(await new SelfSigner().sign(caTemplate)).toBe(await referencePem(caTemplate));
  });

  it('writes leaves byte for byte as the reference: SANs, multi-valued O, long serials, dates past 2049', async () => {
    const caPem = await new SelfSigner().sign(caTemplate);
    const cases: Partial<CertificateTemplate>[] = [
      { subject: { cn: 'kube-apiserver', orgs: [] }, dns: ['kubernetes', 'node-1'], ips: ['10.96.0.1', '::1', '2001:db8::7'], usages: ['serverAuth'] },
      { subject: { cn: 'kubernetes-admin', orgs: ['kubeadm:cluster-admins'] }, dns: [], ips: [], usages: ['clientAuth'] },
      { subject: { cn: 'ünïcode user', orgs: ['zeta', 'a*b', 'alpha', 'b', 'team é'] }, dns: [], ips: [], usages: ['clientAuth'] },
      { subject: { cn: 'etcd', orgs: [] }, dns: ['localhost'], ips: ['127.0.0.1'], usages: ['serverAuth', 'clientAuth'], serialHex: 'ff00000000000001' },
      { subject: { cn: 'signer', orgs: [] }, dns: [], ips: [], usages: ['clientAuth'], otherUsageOids: ['1.3.6.1.5.5.7.3.3', '1.2.3.4.5.6.7.8.9.1000000'] },
      { subject: { cn: 'far', orgs: [] }, dns: [], ips: [], usages: [], notBefore: new Date('2049-12-31T23:59:59Z'), notAfter: new Date('2051-06-01T12:00:00Z'), serialHex: '7fffffffffffffff' },
    ];
    for (const c of cases) {
      const t: CertificateTemplate = { ...caTemplate, isCA: false, key: rsa(), serialHex: '0a1b2c', ...c } as CertificateTemplate;
      expect(await new LocalCaSigner(caPem, caKey).sign(t), t.subject.cn).toBe(await referencePem(t, { certPem: caPem, key: caKey }));
    }
  });

  it('signs with ECDSA P-256 and P-384 CAs (SHA-256 / SHA-384) certificates that verify and match the reference up to the signature', async () => {
    for (const curve of ['prime256v1', 'secp384r1']) {
      const key = ec(curve);
      const caPem = await new SelfSigner().sign({ ...caTemplate, key });
      const ca = new X509Certificate(caPem);
      expect(ca.verify(createPublicKey(key))).toBe(true);
      const leaf = new X509Certificate(
        await new LocalCaSigner(caPem, key).sign({ ...caTemplate, subject: { cn: 'u', orgs: ['g'] }, isCA: false, usages: ['clientAuth'], dns: [], key: ec('prime256v1') }),
      );
      expect(leaf.verify(ca.publicKey)).toBe(true);
      expect(leaf.checkIssued(ca)).toBe(true);
      expect(leaf.ca).toBe(false);
      expect(ca.ca).toBe(true);
      expect(leaf.toLegacyObject().ext_key_usage).toEqual(['1.3.6.1.5.5.7.3.2']);
    }
  });

  it('issues certificates openssl verifies and parses as kubeadm writes them', async () => {
    const d = mkdtempSync(join(tmpdir(), 'kubecerts-signer-'));
    const caPem = await new SelfSigner().sign(caTemplate);
    const { certPem, keyPem } = await issue(
      { subject: { cn: 'kube-apiserver', orgs: [] }, dns: ['kubernetes'], ips: ['10.96.0.1'], usages: ['serverAuth'], key: ec('prime256v1'), window },
      new LocalCaSigner(caPem, caKey),
    );
    expect(keyPem).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    writeFileSync(join(d, 'ca.crt'), caPem);
    writeFileSync(join(d, 'leaf.crt'), certPem);
    const at = String(Math.floor(Date.parse('2027-01-01T00:00:00Z') / 1000));
    expect(execFileSync('openssl', ['verify', '-x509_strict', '-attime', at, '-CAfile', join(d, 'ca.crt'), join(d, 'leaf.crt')], { encoding: 'utf8' })).toContain(': OK');
    const text = execFileSync('openssl', ['x509', '-in', join(d, 'leaf.crt'), '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toContain('X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment');
    expect(text).toContain('X509v3 Subject Alternative Name: \n                DNS:kubernetes, IP Address:10.96.0.1');
    expect(text).toContain('Not Before: Jan  1 00:00:00 2026 GMT');
  });

  it('writes names verbatim, as Go does (no escape processing, no "#" hex values)', async () => {
    const caPem = await new SelfSigner().sign(caTemplate);
    const cn = '#6869 "q" a\\,b';
    const cert = new X509Certificate(await new LocalCaSigner(caPem, caKey).sign({ ...caTemplate, isCA: false, subject: { cn, orgs: [] }, dns: [] }));
    // CN as a UTF8String ('#', '"' and '\\' are outside PrintableString) holding exactly the given bytes
    expect(issuerFacts(cert.raw).subject.includes(Buffer.concat([Buffer.from([0x0c, cn.length]), Buffer.from(cn)]))).toBe(true);
  });

  it('refuses a key type Go would not sign with', async () => {
    const ed = generateKeyPairSync('ed25519').privateKey;
    await expect(new SelfSigner().sign({ ...caTemplate, key: ed })).rejects.toMatchObject({ code: 'KEY_TYPE' });
  });
});

/** Reference CSR through @peculiar/x509's generator (how kubecerts made CSRs before its own encoder). */
async function referenceCsr(req: { subject: { cn: string; orgs: string[] }; dns: string[]; ips: string[]; key: KeyObject }): Promise<string> {
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const keys = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', req.key.export({ type: 'pkcs8', format: 'der' }), alg, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', createPublicKey(req.key).export({ type: 'spki', format: 'der' }), alg, true, ['verify']),
  } as CryptoKeyPair;
  const name: x509.JsonName = [];
  if (req.subject.orgs.length > 0) name.push({ O: derSetOrder(req.subject.orgs) });
  name.push({ CN: [req.subject.cn] });
  const names = [...req.dns.map((value) => ({ type: 'dns' as const, value })), ...req.ips.map((value) => ({ type: 'ip' as const, value }))];
  const extensions = names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names, false)] : [];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm: alg, extensions });
  return csr.toString('pem').replace(/\r\n/g, '\n') + '\n';
}

describe('certificate requests (createCsr)', () => {
  it('writes CSRs byte for byte as the library reference, with and without SANs', async () => {
    const key = rsa();
    for (const req of [
      { subject: { cn: 'kube-apiserver', orgs: [] }, dns: ['kubernetes', 'node-1'], ips: ['10.96.0.1', '::1'], key },
      { subject: { cn: 'kubernetes-admin', orgs: ['kubeadm:cluster-admins', 'b'] }, dns: [], ips: [], key },
    ]) {
      expect(await createCsr(req)).toBe(await referenceCsr(req));
    }
  });

  it('makes ECDSA CSRs openssl verifies and reads', async () => {
    const d = mkdtempSync(join(tmpdir(), 'kubecerts-csr-'));
    writeFileSync(join(d, 'r.csr'), await createCsr({ subject: { cn: 'etcd', orgs: ['o'] }, dns: ['localhost'], ips: ['127.0.0.1'], key: ec('secp384r1') }));
    const text = execFileSync('openssl', ['req', '-in', join(d, 'r.csr'), '-noout', '-verify', '-text'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(text).toContain('Subject: O = o, CN = etcd');
    expect(text).toContain('DNS:localhost, IP Address:127.0.0.1');
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA384');
  });
});
