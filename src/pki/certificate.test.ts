import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../test/helpers/tmp.js';
import { formatIp, parseIp } from '../lib/net.js';
import { readCertificateDetails } from './certificate.js';
import { SelfSigner } from './signer.js';

/** Reference: the fields as @peculiar/x509 reads them (how renewal read them before certificate.ts). */
function reference(pem: string): unknown {
  const cert = new x509.X509Certificate(pem);
  const cn: string[] = [];
  const orgs: string[] = [];
  for (const rdn of cert.subjectName.toJSON()) {
    for (const [type, values] of Object.entries(rdn)) {
      if (type === 'CN') cn.push(...values);
      if (type === 'O') orgs.push(...values);
    }
  }
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const eku = (cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []) as string[];
  const known: Record<string, string> = { '1.3.6.1.5.5.7.3.1': 'serverAuth', '1.3.6.1.5.5.7.3.2': 'clientAuth' };
  return {
    subject: { cn: cn[0] ?? '', orgs },
    dns: (san?.names.items ?? []).filter((n) => n.type === 'dns').map((n) => n.value),
    ips: (san?.names.items ?? []).filter((n) => n.type === 'ip').map((n) => formatIp(parseIp(n.value) ?? new Uint8Array())),
    extKeyUsages: eku.filter((o) => known[o]).map((o) => known[o]),
    otherExtKeyUsages: eku.filter((o) => !known[o]),
    isCA: cert.getExtension(x509.BasicConstraintsExtension)?.ca ?? false,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    serialHex: cert.serialNumber,
  };
}

const pemsUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? pemsUnder(join(dir, e.name)) : e.name.endsWith('.crt') ? [join(dir, e.name)] : []));

function opensslCert(subj: string, exts: string[], args: string[] = []): string {
  const d = mkdtempSync(join(tmpdir(), 'kubecerts-cert-'));
  writeFileSync(join(d, 'req.cnf'), '[req]\ndistinguished_name=dn\n[dn]\n');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(d, 'k'), '-subj', subj, '-days', '1', '-config', join(d, 'req.cnf'), ...args, ...exts.flatMap((e) => ['-addext', e]), '-out', join(d, 'c')],
    { stdio: 'ignore' },
  );
  return readFileSync(join(d, 'c'), 'utf8');
}

describe('readCertificateDetails (library-free)', () => {
  it('reads every certificate of the real kubeadm fixtures as the X.509 library does', () => {
    const files = [...pemsUnder(join(FIXTURES, 'v1.16')), ...pemsUnder(join(FIXTURES, 'v1.29'))];
    expect(files.length).toBeGreaterThanOrEqual(20);
    for (const f of files) {
      const pem = readFileSync(f, 'utf8');
      expect(readCertificateDetails(pem), f).toEqual(reference(pem));
    }
  });

  it('reads openssl certificates with multi-valued and UTF-8 names, IPv6 SANs, other EKUs and a CA flag', () => {
    const cases = [
      opensslCert('/O=b/O=a/CN=grüße', ['subjectAltName=DNS:x.example,IP:10.0.0.1,IP:fd00::1,email:a@b', 'extendedKeyUsage=clientAuth,codeSigning,serverAuth'], ['-utf8']),
      opensslCert('/CN=ca', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign']),
      opensslCert('/C=DE/O=x+OU=y/CN=multi', []),
    ];
    for (const pem of cases) expect(readCertificateDetails(pem)).toEqual(reference(pem));
    expect(readCertificateDetails(cases[0] as string)).toMatchObject({
      subject: { cn: 'grüße', orgs: ['b', 'a'] },
      dns: ['x.example'],
      ips: ['10.0.0.1', 'fd00::1'],
      extKeyUsages: ['clientAuth', 'serverAuth'],
      otherExtKeyUsages: ['1.3.6.1.5.5.7.3.3'],
      isCA: false,
    });
    expect(readCertificateDetails(cases[1] as string).isCA).toBe(true);
  });

  it('reads a certificate with 10,000 SANs (and lists them in order)', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const dns = Array.from({ length: 10_000 }, (_, i) => `host-${i}.example`);
    const pem = await new SelfSigner().sign({
      subject: { cn: 'many', orgs: [] }, dns, ips: ['10.0.0.1'], usages: ['serverAuth'], isCA: false, key,
      notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z'), serialHex: '01',
    });
    const details = readCertificateDetails(pem);
    expect(details.dns).toEqual(dns);
    expect(details.ips).toEqual(['10.0.0.1']);
  });

  it('raises CERT_PARSE for what is not a certificate', () => {
    expect(() => readCertificateDetails('no pem')).toThrow(expect.objectContaining({ code: 'CERT_PARSE' }));
    expect(() => readCertificateDetails('-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n')).toThrow(/x509: malformed certificate/);
  });
});
