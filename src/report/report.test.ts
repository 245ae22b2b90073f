import { describe, expect, it } from 'vitest';
import { fleetExitCode, mergeReports } from './merge.js';
import { parseNodeReport } from './parse.js';
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
    expect(parseNodeReport('f', '{', NOW)).toMatch(/^not JSON/);
    expect(parseNodeReport('f', '[]', NOW)).toBe('not a JSON object');
    expect(parseNodeReport('f', JSON.stringify({ kind: 'Pod', apiVersion: 'v1' }), NOW)).toMatch(/not a check-expiration report/);
    expect(parseNodeReport('f', doc([cert('a', 'tomorrow')]), NOW)).toMatch(/expirationDate is not an RFC 3339 time/);
    expect(parseNodeReport('f', doc([cert('a', null)]), NOW)).toMatch(/no expirationDate but not missing/);
    expect(parseNodeReport('f', doc([{ name: 'a', expirationDate: null }]), NOW)).toMatch(/"missing" is not a boolean/);
    expect(parseNodeReport('f', doc([], { certificates: {} }), NOW)).toMatch(/"certificates" is not a list/);
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
