import fc from 'fast-check';
import { isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { canonicalIp, cidrAddress, formatIp, isDnsSubdomain, joinHostPort, parseIp, splitHostPort } from './net.js';

describe('IP addresses (Go net textual forms)', () => {
  it('parses IPv4 and IPv6, including embedded IPv4 and "::" at either end', () => {
    expect(Array.from(parseIp('10.96.0.1') ?? [])).toEqual([10, 96, 0, 1]);
    expect(Buffer.from(parseIp('::1') ?? []).toString('hex')).toBe('00000000000000000000000000000001');
    expect(Buffer.from(parseIp('fe80::') ?? []).toString('hex')).toBe('fe800000000000000000000000000000');
    expect(Buffer.from(parseIp('::ffff:1.2.3.4') ?? []).toString('hex')).toBe('00000000000000000000ffff01020304');
    expect(Buffer.from(parseIp('2001:db8:0:0:1:0:0:1') ?? []).toString('hex')).toBe('20010db8000000000001000000000001');
  });

  it('rejects what is not an address', () => {
    for (const bad of ['', '1.2.3', '256.1.1.1', '1.2.3.4.5', 'localhost', '::g', '10.0.0.1/8', ' 1.2.3.4']) expect(parseIp(bad), bad).toBeUndefined();
  });

  it('formats as Go: v4-mapped as dotted IPv4, the longest zero run compressed (first on ties, never a single group)', () => {
    expect(canonicalIp('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(canonicalIp('2001:0db8:0000:0000:0001:0000:0000:0001')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIp('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(canonicalIp('0:0:0:0:0:0:0:0')).toBe('::');
    expect(canonicalIp('FE80::A')).toBe('fe80::a');
    expect(canonicalIp('nope')).toBeUndefined();
  });

  it('round-trips any IPv6 address through parse and format', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = formatIp(bytes);
        const back = parseIp(text);
        expect(back).toBeDefined();
        expect(formatIp(back as Uint8Array)).toBe(text);
        if (!/^\d+\.\d+\.\d+\.\d+$/.test(text)) expect(isIPv6(text)).toBe(true);
      }),
    );
  });

  it('finds the nth address of a CIDR (the API server VIP is index 1)', () => {
    expect(cidrAddress('10.96.0.0/12', 1)).toBe('10.96.0.1');
    expect(cidrAddress('10.100.5.7/12', 1)).toBe('10.96.0.1');
    expect(cidrAddress('fd00:10:96::/112', 1)).toBe('fd00:10:96::1');
    expect(cidrAddress(' 192.168.0.0/16 ', 10)).toBe('192.168.0.10');
    for (const bad of ['10.96.0.0', '10.96.0.0/33', '10.96.0.0/x', 'x/8', '::/129']) expect(cidrAddress(bad, 1), bad).toBeUndefined();
  });
});

describe('host names and host:port', () => {
  it('accepts RFC 1123 subdomains only (lower case, at most 253 characters)', () => {
    for (const ok of ['a', 'kubernetes.default.svc', 'node-1', '1abc', 'a.b-c.d']) expect(isDnsSubdomain(ok), ok).toBe(true);
    for (const bad of ['', 'A', '-a', 'a-', 'a..b', 'a_b', '*.a', `${'a'.repeat(63)}.`.repeat(4) + 'a'.repeat(10)]) expect(isDnsSubdomain(bad), bad).toBe(false);
    expect(isDnsSubdomain(`${'a'.repeat(63)}.`.repeat(3) + 'a'.repeat(61))).toBe(true);
  });

  it('splits host:port with IPv6 brackets, and takes a bare IPv6 address as a host', () => {
    expect(splitHostPort('cp.example:6443')).toEqual({ host: 'cp.example', port: '6443' });
    expect(splitHostPort('[::1]:6443')).toEqual({ host: '::1', port: '6443' });
    expect(splitHostPort('[fd00::1]')).toEqual({ host: 'fd00::1', port: undefined });
    expect(splitHostPort('fd00::1')).toEqual({ host: 'fd00::1', port: undefined });
    expect(splitHostPort('10.0.0.1')).toEqual({ host: '10.0.0.1', port: undefined });
  });

  it('joins host and port as Go net.JoinHostPort', () => {
    expect(joinHostPort('10.0.0.1', 6443)).toBe('10.0.0.1:6443');
    expect(joinHostPort('::1', '6443')).toBe('[::1]:6443');
  });
});
