/**
 * Golden outputs for check-expiration, written by hand from the spec (§4.5-4.7): column widths are the spec's
 * (27/25/16/24, CA table 24), not computed by the code under test.
 */
import { describe, expect, it } from 'vitest';
import { buildExpirationReport, type CertificateFacts } from '../pki/expiration.js';
import { renderExpirationJson, renderExpirationYaml } from './expiration-serialize.js';
import { renderExpirationText } from './expiration-text.js';
import { renderExpirationPrometheus } from './expiration-prometheus.js';

const NOW = new Date('2025-06-01T10:00:05Z');
const LEAF_END = new Date('2026-06-01T10:00:00Z');
const CA_END = new Date('2035-05-30T10:00:00Z');

const leaf = (name: string, caName: string, over: Partial<CertificateFacts> = {}): CertificateFacts => ({
  name, path: `/p/${name}`, caName, missing: false, externallyManaged: false, notAfter: LEAF_END, ...over,
});
const ca = (name: string, over: Partial<CertificateFacts> = {}): CertificateFacts => ({
  name, path: `/p/${name}.crt`, caName: '', missing: false, externallyManaged: false, notAfter: CA_END, ...over,
});

const LEAVES: CertificateFacts[] = [
  leaf('super-admin.conf', 'ca'), leaf('admin.conf', 'ca'), leaf('apiserver', 'ca'), leaf('apiserver-etcd-client', 'etcd-ca'),
  leaf('apiserver-kubelet-client', 'ca'), leaf('controller-manager.conf', 'ca'), leaf('etcd-healthcheck-client', 'etcd-ca'),
  leaf('etcd-peer', 'etcd-ca'), leaf('etcd-server', 'etcd-ca'), leaf('front-proxy-client', 'front-proxy-ca'), leaf('scheduler.conf', 'ca'),
];
const CAS: CertificateFacts[] = [ca('front-proxy-ca'), ca('ca'), ca('etcd-ca')];

const FULL_TEXT = `CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED
admin.conf                 Jun 01, 2026 10:00 UTC   364d            ca                      no      
apiserver                  Jun 01, 2026 10:00 UTC   364d            ca                      no      
apiserver-etcd-client      Jun 01, 2026 10:00 UTC   364d            etcd-ca                 no      
apiserver-kubelet-client   Jun 01, 2026 10:00 UTC   364d            ca                      no      
controller-manager.conf    Jun 01, 2026 10:00 UTC   364d            ca                      no      
etcd-healthcheck-client    Jun 01, 2026 10:00 UTC   364d            etcd-ca                 no      
etcd-peer                  Jun 01, 2026 10:00 UTC   364d            etcd-ca                 no      
etcd-server                Jun 01, 2026 10:00 UTC   364d            etcd-ca                 no      
front-proxy-client         Jun 01, 2026 10:00 UTC   364d            front-proxy-ca          no      
scheduler.conf             Jun 01, 2026 10:00 UTC   364d            ca                      no      
super-admin.conf           Jun 01, 2026 10:00 UTC   364d            ca                      no      

CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED
ca                      May 30, 2035 10:00 UTC   9y              no      
etcd-ca                 May 30, 2035 10:00 UTC   9y              no      
front-proxy-ca          May 30, 2035 10:00 UTC   9y              no      
`;

describe('check-expiration text', () => {
  it('matches kubeadm for a fresh PKI (sorted rows, 364d / 9y, trailing spaces)', () => {
    expect(renderExpirationText(buildExpirationReport(LEAVES, CAS, NOW))).toBe(FULL_TEXT);
  });

  it('widens column 1 for a MISSING row and pads its empty cells; a missing CA row too', () => {
    const leaves = LEAVES.map((l) => (l.name === 'super-admin.conf' ? { ...l, missing: true } : l));
    const cas = CAS.map((c) => (c.name === 'etcd-ca' ? { ...c, missing: true } : c));
    const text = renderExpirationText(buildExpirationReport(leaves, cas, NOW)).split('\n');
    // "!MISSING! super-admin.conf" is 26 characters: column 1 becomes 29 wide
    expect(text[0]).toBe('CERTIFICATE                  EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED');
    expect(text[1]).toBe('admin.conf                   Jun 01, 2026 10:00 UTC   364d            ca                      no      ');
    expect(text[11]).toBe('!MISSING! super-admin.conf'.padEnd(29 + 25 + 16 + 24));
    expect(text[11]).toHaveLength(29 + 25 + 16 + 24);
    // CA table: "!MISSING! etcd-ca" (17) is narrower than "CERTIFICATE AUTHORITY" (21): column stays 24
    expect(text[14]).toBe('ca                      May 30, 2035 10:00 UTC   9y              no      ');
    expect(text[15]).toBe('!MISSING! etcd-ca'.padEnd(24 + 25 + 16));
    expect(text[15]).toHaveLength(24 + 25 + 16);
  });

  it('shows <invalid> for expired certificates and yes for externally managed ones', () => {
    const expired = [leaf('apiserver', 'ca', { notAfter: new Date('2025-02-03T07:54:33Z'), externallyManaged: true })];
    const text = renderExpirationText(buildExpirationReport(expired, [ca('ca', { externallyManaged: true })], NOW));
    expect(text).toBe(
      'CERTIFICATE   EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED\n' +
        'apiserver     Feb 03, 2025 07:54 UTC   <invalid>       ca                      yes     \n' +
        '\n' +
        'CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED\n' +
        'ca                      May 30, 2035 10:00 UTC   9y              yes     \n',
    );
  });

  it.each([
    ['2025-06-01T10:00:50Z', '45s'],
    ['2025-06-01T10:30:05Z', '30m'],
    ['2025-06-01T15:00:05Z', '5h'],
    ['2025-06-04T10:00:05Z', '3d'],
  ])('residual time of a certificate expiring at %s is %s', (end, want) => {
    const text = renderExpirationText(buildExpirationReport([leaf('apiserver', 'ca', { notAfter: new Date(end) })], [], NOW));
    expect(text.split('\n')[1]).toContain(`   ${want} `);
  });
});

describe('check-expiration -o json / yaml', () => {
  const report = buildExpirationReport(
    [leaf('apiserver', 'ca'), leaf('super-admin.conf', 'ca', { missing: true, notAfter: undefined })],
    [ca('ca', { externallyManaged: true })],
    NOW,
  );

  it('JSON: kubeadm key order, 4-space indent; a missing file has only name and missing set (no caName)', () => {
    expect(renderExpirationJson(report)).toBe(`{
    "kind": "CertificateExpirationInfo",
    "apiVersion": "output.kubeadm.k8s.io/v1alpha3",
    "certificates": [
        {
            "name": "apiserver",
            "expirationDate": "2026-06-01T10:00:00Z",
            "residualTime": 31535995,
            "externallyManaged": false,
            "caName": "ca",
            "missing": false
        },
        {
            "name": "super-admin.conf",
            "expirationDate": null,
            "residualTime": 0,
            "externallyManaged": false,
            "missing": true
        }
    ],
    "certificateAuthorities": [
        {
            "name": "ca",
            "expirationDate": "2035-05-30T10:00:00Z",
            "residualTime": 315359995,
            "externallyManaged": true,
            "missing": false
        }
    ]
}
`);
  });

  it('YAML: keys sorted, quoted timestamps, caName omitted for CAs', () => {
    expect(renderExpirationYaml(report)).toBe(`apiVersion: output.kubeadm.k8s.io/v1alpha3
certificateAuthorities:
- expirationDate: "2035-05-30T10:00:00Z"
  externallyManaged: true
  missing: false
  name: ca
  residualTime: 315359995
certificates:
- caName: ca
  expirationDate: "2026-06-01T10:00:00Z"
  externallyManaged: false
  missing: false
  name: apiserver
  residualTime: 31535995
- expirationDate: null
  externallyManaged: false
  missing: true
  name: super-admin.conf
  residualTime: 0
kind: CertificateExpirationInfo
`);
  });

  it('negative residualTime for expired certificates', () => {
    const r = buildExpirationReport([leaf('apiserver', 'ca', { notAfter: new Date('2025-06-01T10:00:00Z') })], [], NOW);
    expect(renderExpirationJson(r)).toContain('"residualTime": -5,');
  });
});

describe('check-expiration -o prometheus', () => {
  it('has HELP/TYPE lines and one sample per certificate and CA, plus missing/unreadable gauges', () => {
    const r = buildExpirationReport(
      [leaf('apiserver', 'ca'), leaf('super-admin.conf', 'ca', { missing: true, notAfter: undefined, path: '/k/super-admin.conf' }), leaf('etcd-peer', 'etcd-ca', { error: 'bad', notAfter: undefined })],
      [ca('ca')],
      NOW,
    );
    const text = renderExpirationPrometheus(r);
    expect(text).toContain('# TYPE kubecerts_certificate_expiration_timestamp_seconds gauge\n');
    expect(text).toContain(`kubecerts_certificate_expiration_timestamp_seconds{name="apiserver",type="certificate",ca="ca",path="/p/apiserver"} ${LEAF_END.getTime() / 1000}\n`);
    expect(text).toContain(`kubecerts_certificate_expiration_timestamp_seconds{name="ca",type="ca",ca="",path="/p/ca.crt"} ${CA_END.getTime() / 1000}\n`);
    expect(text).toContain('kubecerts_certificate_missing{name="super-admin.conf",type="kubeconfig",ca="ca",path="/k/super-admin.conf"} 1\n');
    expect(text).toContain('kubecerts_certificate_unreadable{name="etcd-peer",type="certificate",ca="etcd-ca",path="/p/etcd-peer"} 1\n');
    expect(text).not.toContain('kubecerts_certificate_expiration_timestamp_seconds{name="etcd-peer"');
  });
});
