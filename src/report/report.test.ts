import { describe, expect, it } from 'vitest';
import { fleetExitCode, mergeReports } from './merge.js';
import { parseNodeReport } from './parse.js';
import { splitEndpoint, tlsReason } from './scan.js';
import type { NodeReport } from './schema.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const doc = (certs: unknown[], extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ kind: 'CertificateExpirationInfo', apiVersion: 'output.kubeadm.k8s.io/v1alpha3', certificates: certs, certificateAuthorities: [], ...extra });
const cert = (name: string, date: string | null, missing = false): object => ({ name, expirationDate: date, residualTime: 0, externallyManaged: false, caName: 'ca', missing });

describe('parseNodeReport', () => {
  it('reads kubeadm\'s fields and the kubecerts object; residual times on the given clock', () => {
    const r = parseNodeReport('/r/x.json', doc([cert('apiserver', '2026-06-02T00:00:00Z')], { kubecerts: { nodeName: 'cp1', hostname: 'cp1.example', checkTime: '2026-05-01T00:00:00Z' } }), NOW) as NodeReport;
    expect(r.node).toBe('cp1');
    expect(r.host).toBe('cp1.example');
    expect(r.rows[0]).toMatchObject({ name: 'apiserver', kind: 'certificate', residualSeconds: 86_400, expirationDate: '2026-06-02T00:00:00Z', caName: 'ca' });
  });
  it('names a plain kubeadm report after its file, and keeps missing entries', () => {
    const r = parseNodeReport('/r/cp-9.json', doc([cert('admin.conf', null, true)]), NOW) as NodeReport;
    expect(r.node).toBe('cp-9');
    expect(r.rows[0]).toMatchObject({ missing: true, expiresAt: null, residualSeconds: 0 });
  });
  it('says why a file is not a report, never throws', () => {
    expect(parseNodeReport('f', '{', NOW)).toBe('not valid JSON (at byte 1)');
    expect(parseNodeReport('f', '[]', NOW)).toBe('not a JSON object');
    expect(parseNodeReport('f', JSON.stringify({ kind: 'Pod', apiVersion: 'v1' }), NOW)).toMatch(/not a check-expiration report/);
    expect(parseNodeReport('f', doc([cert('a', 'tomorrow')]), NOW)).toMatch(/expirationDate is not an RFC 3339 time/);
    expect(parseNodeReport('f', doc([cert('a', null)]), NOW)).toMatch(/no expirationDate but not missing/);
    expect(parseNodeReport('f', doc([{ name: 'a', expirationDate: null }]), NOW)).toMatch(/"missing" is not a boolean/);
    expect(parseNodeReport('f', doc([], { certificates: {} }), NOW)).toMatch(/"certificates" is not a list/);
  });
});

describe('parseNodeReport: strict times and no file content in errors', () => {
  const at = (date: string): NodeReport | string => parseNodeReport('f', doc([cert('a', date)]), NOW);
  it('accepts RFC 3339 as Go writes time.Time: Z or an offset, up to 9 fraction digits', () => {
    expect((at('2026-12-01T00:00:00Z') as NodeReport).rows[0]?.expiresAt).toBe(Date.parse('2026-12-01T00:00:00Z'));
    expect((at('2026-12-01T02:00:00+02:00') as NodeReport).rows[0]?.expiresAt).toBe(Date.parse('2026-12-01T00:00:00Z'));
    expect((at('2026-12-01T00:00:00.123456789-01:30') as NodeReport).rows[0]?.expiresAt).toBe(Date.parse('2026-12-01T01:30:00.123Z'));
    expect((at('2024-02-29T23:59:59Z') as NodeReport).rows[0]?.expiresAt).toBe(Date.parse('2024-02-29T23:59:59Z'));
  });
  it.each(['1', 'March 7 2099', '2026-12-01', '2026-12-01T00:00:00', '2026-12-01 00:00:00Z', '2026-12-01T00:00Z', '2026-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-12-01T24:00:00Z', '2026-12-01T00:60:00Z', '2026-12-01T00:00:60Z', '2026-12-01T00:00:00+24:00',
    '2026-12-01T00:00:00.Z', '2026-12-01T00:00:00.1234567890Z', '2026-12-01t00:00:00z', '+002026-12-01T00:00:00Z', ' 2026-12-01T00:00:00Z'])('refuses %j as an expirationDate', (date) => {
    expect(at(date)).toBe('certificates[0] (a): expirationDate is not an RFC 3339 time');
  });
  it('a loose checkTime is no check time', () => {
    const r = parseNodeReport('f', doc([], { kubecerts: { checkTime: 'March 7 2099' } }), NOW) as NodeReport;
    expect(r.checkTime).toBeUndefined();
  });
  it('says where JSON breaks, in bytes, never what the file holds', () => {
    expect(parseNodeReport('f', 'root:*:20221:0:99999:7:::\n', NOW)).toBe('not valid JSON');
    expect(parseNodeReport('f', '{"é": 1} secret', NOW)).toBe('not valid JSON (at byte 10)');
    expect(parseNodeReport('f', '{"a": "secret', NOW)).toBe('not valid JSON (at byte 13)');
    expect(parseNodeReport('f', '{secret}', NOW)).toBe('not valid JSON (at byte 1)');
    expect(parseNodeReport('f', '{"ü": ', NOW)).toBe('not valid JSON (at byte 7)');
  });
});

describe('mergeReports', () => {
  const node = (name: string, certs: object[]): NodeReport => parseNodeReport(`${name}.json`, doc(certs), NOW) as NodeReport;
  it('sorts by residual time, missing last, ties by node then name; counts and exit codes', () => {
    const m = mergeReports([
      node('b', [cert('x', '2026-06-03T00:00:00Z'), cert('gone', null, true)]),
      node('a', [cert('y', '2026-06-03T00:00:00Z'), cert('old', '2026-05-01T00:00:00Z')]),
    ], [], new Date(NOW), 3 * 86_400_000);
    expect(m.rows.map((r) => `${r.node}/${r.name}`)).toEqual(['a/old', 'a/y', 'b/x', 'b/gone']);
    expect(m.totals).toEqual({ nodes: 2, certificates: 4, expired: 1, expiring: 2, missing: 1, badFiles: 0 });
    expect(fleetExitCode(m)).toBe(3);
    expect(fleetExitCode(mergeReports([node('c', [cert('z', '2027-01-01T00:00:00Z')])], [], new Date(NOW), 0))).toBe(0);
    expect(fleetExitCode(mergeReports([], [{ file: 'f', error: 'e' }], new Date(NOW), 0))).toBe(1);
  });
});

describe('fleet scan endpoints and TLS errors', () => {
  it('takes HOST:PORT, [IPv6]:PORT and a kubeconfig server URL; refuses the rest', () => {
    expect(splitEndpoint('10.0.0.5:6443')).toEqual({ host: '10.0.0.5', port: 6443 });
    expect(splitEndpoint('[::1]:2379')).toEqual({ host: '::1', port: 2379 });
    expect(splitEndpoint('https://api.example.com:6443')).toEqual({ host: 'api.example.com', port: 6443 });
    expect(splitEndpoint('https://127.0.0.1:6443/')).toEqual({ host: '127.0.0.1', port: 6443 });
    for (const bad of ['10.0.0.5', 'http://a:80', 'https://a', 'a:0', 'a:70000', 'https://a:1 b']) expect(splitEndpoint(bad), bad).toBeUndefined();
  });

  it('an OpenSSL error line becomes its reason', () => {
    expect(tlsReason('803C6BED247F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n')).toBe('TLS: wrong version number (not a TLS endpoint?)');
    expect(tlsReason('40B7:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1586:SSL alert number 40')).toBe('TLS: sslv3 alert handshake failure');
    expect(tlsReason('timed out after 5000 ms')).toBe('timed out after 5000 ms');
  });
});
