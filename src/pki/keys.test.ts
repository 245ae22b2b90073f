import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyDeclaresCertificateKey } from './keys.js';

/** A key and a self-signed certificate made by openssl; `newkey` is openssl req's -newkey argument. */
function pair(newkey: string): { key: string; cert: Buffer; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kubecerts-keys-'));
  const args = ['req', '-x509', '-newkey', newkey, '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=t', '-days', '1'];
  execFileSync('openssl', [...args, ...(newkey === 'ec' ? ['-pkeyopt', 'ec_paramgen_curve:P-256'] : [])], { stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: new X509Certificate(readFileSync(join(dir, 'c.pem'))).raw, dir };
}
const as = (pem: string, type: 'pkcs1' | 'sec1' | 'pkcs8'): string => createPrivateKey(pem).export({ type, format: 'pem' }) as string;

describe('keyDeclaresCertificateKey', () => {
  const rsa = pair('rsa:2048');
  const ec = pair('ec');

  it('matches a key with its certificate in PKCS#1, SEC1 and PKCS#8, as OpenSSL does', () => {
    for (const [p, own] of [[rsa, 'pkcs1'], [ec, 'sec1']] as const) {
      for (const type of [own, 'pkcs8'] as const) {
        const key = as(p.key, type);
        expect(new X509Certificate(p.cert).checkPrivateKey(createPrivateKey(key))).toBe(true);
        expect(keyDeclaresCertificateKey(key, p.cert)).toBe(true);
      }
    }
  });

  it('never claims a match for another key, another key type, or a key that does not carry its public half', () => {
    const otherEc = pair('ec');
    expect(keyDeclaresCertificateKey(as(otherEc.key, 'sec1'), ec.cert)).toBe(false);
    expect(keyDeclaresCertificateKey(as(otherEc.key, 'pkcs8'), ec.cert)).toBe(false);
    expect(keyDeclaresCertificateKey(as(pair('rsa:2048').key, 'pkcs1'), rsa.cert)).toBe(false);
    expect(keyDeclaresCertificateKey(as(ec.key, 'sec1'), rsa.cert)).toBe(false);
    expect(keyDeclaresCertificateKey(as(rsa.key, 'pkcs1'), ec.cert)).toBe(false);
    // SEC1 without the optional public point: only OpenSSL (computing it) can tell
    const bare = execFileSync('openssl', ['ec', '-in', join(ec.dir, 'k.pem'), '-no_public'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(bare).toContain('EC PRIVATE KEY');
    expect(keyDeclaresCertificateKey(bare, ec.cert)).toBe(false);
    // two key blocks: which one OpenSSL would read depends on decoding them
    expect(keyDeclaresCertificateKey(as(ec.key, 'sec1') + as(otherEc.key, 'sec1'), ec.cert)).toBe(false);
    expect(keyDeclaresCertificateKey('-----BEGIN EC PRIVATE KEY-----\nMAMCAQE=\n-----END EC PRIVATE KEY-----\n', ec.cert)).toBe(false);
  });
});
