import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { criticalExtensionOids } from './der.js';

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

  it('throws (never loops or crashes) on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          expect(Array.isArray(criticalExtensionOids(bytes))).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
        }
      }),
    );
  });
});
