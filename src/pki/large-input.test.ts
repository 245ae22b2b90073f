/** Lists whose size comes from the input (organizations, SANs) go through no spread of arguments. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derSequenceOf, derSetOf, derTlvOf } from './der.js';
import { SelfSigner, encodeName } from './signer.js';

// in Go's SET OF order already (one length, ascending bytes), so that sorting them costs little
const orgs = Array.from({ length: 150_000 }, (_, i) => `o${String(i).padStart(6, '0')}`);

describe('DER of large lists', () => {
  it('a SEQUENCE / SET of 200,000 elements', () => {
    const items = new Array<Buffer>(200_000).fill(Buffer.from([0x05, 0x00]));
    for (const [der, tag] of [[derSequenceOf(items), 0x30], [derSetOf(items), 0x31], [derTlvOf(0xa0, items), 0xa0]] as const) {
      // tag, long-form length of 3 bytes (400,000), contents
      expect([...der.subarray(0, 5)]).toEqual([tag, 0x83, 0x06, 0x1a, 0x80]);
      expect(der.length).toBe(5 + 400_000);
    }
  });
  it('encodes a subject with 150,000 organizations', () => {
    const der = encodeName({ cn: 'alice', orgs });
    expect(der[0]).toBe(0x30);
    // each O is SEQUENCE { OID 2.5.4.10, UTF8String or PrintableString }: 2 + 5 + 2 + its length
    const values = orgs.reduce((n, o) => n + 9 + o.length, 0);
    expect(der.length).toBeGreaterThan(values);
  });
  it('signs a certificate with 150,000 DNS names', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const pem = await new SelfSigner().sign({
      subject: { cn: 'big', orgs: [] }, dns: orgs.map((o) => `${o}.example`), ips: [], usages: ['clientAuth'], isCA: false, key,
      notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z'), serialHex: '01',
    });
    expect(pem.startsWith('-----BEGIN CERTIFICATE-----\n')).toBe(true);
    expect(Buffer.from(pem.replace(/-----[A-Z ]+-----|\n/g, ''), 'base64').includes(Buffer.from('o149999.example'))).toBe(true);
  });
});
