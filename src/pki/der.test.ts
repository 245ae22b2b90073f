import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { criticalExtensionOids, DER_TRUE, derDirectoryString, derOctetString, derOid, derSequence, derTime, derTlv, derUnsignedInteger } from './der.js';

function opensslCert(exts: string[]): Buffer {
  const d = mkdtempSync(join(tmpdir(), 'kubecerts-der-'));
  writeFileSync(join(d, 'req.cnf'), '[req]\ndistinguished_name=dn\n[dn]\n');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(d, 'k'), '-subj', '/CN=t', '-days', '1', '-config', join(d, 'req.cnf'), ...exts.flatMap((e) => ['-addext', e]), '-out', join(d, 'c')],
    { stdio: 'ignore' },
  );
  return new X509Certificate(readFileSync(join(d, 'c'))).raw;
}

describe('criticalExtensionOids', () => {
  it('lists the critical extensions of a certificate openssl made', () => {
    const der = opensslCert(['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign', 'subjectAltName=DNS:x', '1.2.3.4.5=critical,DER:05:00']);
    expect(criticalExtensionOids(der).sort()).toEqual(['1.2.3.4.5', '2.5.29.15', '2.5.29.19']);
  });

  it('returns nothing for a certificate without critical extensions', () => {
    expect(criticalExtensionOids(opensslCert(['subjectAltName=DNS:x', 'basicConstraints=CA:FALSE']))).toEqual([]);
  });

  it('returns a list of OIDs or throws an Error (never loops, crashes or throws something else) on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        let result: unknown;
        let thrown: unknown;
        try {
          result = criticalExtensionOids(bytes);
        } catch (err) {
          thrown = err;
        }
        // the checks sit outside the try, so a failed expectation is not mistaken for the parser's own error
        if (thrown === undefined) {
          expect(Array.isArray(result)).toBe(true);
          for (const oid of result as unknown[]) expect(oid).toMatch(/^\d+(\.\d+)+$/);
        } else {
          expect(thrown).toBeInstanceOf(Error);
          expect((thrown as Error).name).toBe('Error');
        }
      }),
    );
  });

  it('finds critical extensions in certificates with arbitrary DER around them (prefix bytes make it throw)', () => {
    const der = opensslCert(['keyUsage=critical,keyCertSign']);
    expect(criticalExtensionOids(der)).toEqual(['2.5.29.15']);
    expect(() => criticalExtensionOids(der.subarray(0, der.length - 1))).toThrow(/DER length past the end|truncated/);
  });
});

describe('DER writer', () => {
  it('encodes lengths, OIDs, integers and times as Go does', () => {
    expect(derOid('1.2.840.113549.1.1.11').toString('hex')).toBe('06092a864886f70d01010b');
    expect(derOid('2.5.29.15').toString('hex')).toBe('0603551d0f');
    expect(derUnsignedInteger(Buffer.from([0x00, 0x00, 0x7f])).toString('hex')).toBe('02017f');
    expect(derUnsignedInteger(Buffer.from([0x80])).toString('hex')).toBe('02020080');
    expect(derUnsignedInteger(Buffer.from([0x00])).toString('hex')).toBe('020100');
    expect(derTlv(0x04, Buffer.alloc(200)).subarray(0, 3).toString('hex')).toBe('0481c8');
    expect(derTlv(0x04, Buffer.alloc(300)).subarray(0, 4).toString('hex')).toBe('0482012c');
    expect(derTime(new Date('2026-06-01T10:00:59.900Z')).toString('latin1')).toBe('\x17\x0d260601100059Z');
    expect(derTime(new Date('2050-01-01T00:00:00Z')).toString('latin1')).toBe('\x18\x0f20500101000000Z');
    expect(derTime(new Date('1949-12-31T23:59:59Z'))[0]).toBe(0x18);
    expect(derDirectoryString('kubeadm:cluster-admins')[0]).toBe(0x13);
    expect(derDirectoryString('system:masters & co')[0]).toBe(0x0c);
    expect(derDirectoryString('a*b')[0]).toBe(0x0c);
  });

  it('reads back what it writes: OIDs of any size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(fc.integer({ min: 0, max: 2 ** 31 }), { maxLength: 6 }), (a, b, rest) => {
        const dotted = [a, b, ...rest].join('.');
        const ext = derSequence(derOid(dotted), DER_TRUE, derOctetString(Buffer.from([5, 0])));
        const tbs = derSequence(derTlv(0xa3, derSequence(ext)));
        expect(criticalExtensionOids(derSequence(tbs))).toEqual([dotted]);
      }),
    );
  });
});
