import { describe, expect, it } from 'vitest';
import type { CoreEvent } from '../ops/events.js';
import { eventLine, textWarner } from './events-text.js';

const d = (s: string): Date => new Date(s);

describe('event lines (kubeadm wording)', () => {
  const cases: [CoreEvent, string][] = [
    [
      { kind: 'validity', name: 'apiserver', state: 'expired', notBefore: d('2025-01-01T00:00:00Z'), notAfter: d('2026-01-01T00:00:00Z') },
      'WARNING: could not validate bounds for certificate apiserver: the certificate has expired: NotBefore: 2025-01-01 00:00:00 +0000 UTC, NotAfter: 2026-01-01 00:00:00 +0000 UTC',
    ],
    [
      { kind: 'validity', name: 'CA', state: 'not-yet-valid', notBefore: d('2030-01-01T00:00:00Z'), notAfter: d('2040-01-01T00:00:00Z') },
      'WARNING: could not validate bounds for certificate CA: the certificate is not valid yet: NotBefore: 2030-01-01 00:00:00 +0000 UTC, NotAfter: 2040-01-01 00:00:00 +0000 UTC',
    ],
    [
      { kind: 'san-skipped', san: 'Bad_Name', certName: 'apiserver.crt' },
      "[certificates] WARNING: 'Bad_Name' was not added to the 'apiserver.crt' SAN, because it is not a valid IP or RFC-1123 compliant DNS entry",
    ],
    [{ kind: 'endpoint-port' }, '[endpoint] WARNING: port specified in controlPlaneEndpoint overrides bindPort in the controlplane address'],
    [
      { kind: 'ca-expires-first', ca: 'ca', name: 'apiserver', caNotAfter: d('2027-03-01T10:00:00Z'), notAfter: d('2027-06-01T10:00:00Z') },
      'WARNING: ca expires Mar 01, 2027 10:00 UTC, before the renewed apiserver (Jun 01, 2027 10:00 UTC); rotate the CA before then',
    ],
    [{ kind: 'key-mismatch', keyPath: '/p/a.key', certPath: '/p/a.crt' }, 'WARNING: the private key /p/a.key does not match the certificate /p/a.crt'],
    [
      { kind: 'kubeconfig-ca-unreadable', caFile: '/ca.crt', path: '/k/admin.conf', reason: 'open /ca.crt: permission denied' },
      'failed to load CA cert from "/ca.crt" for kubeconfig "/k/admin.conf", open /ca.crt: permission denied',
    ],
    [
      { kind: 'kubeconfig-server', path: '/k/admin.conf', expected: 'https://a:6443', got: 'https://b:6443' },
      'a kubeconfig file "/k/admin.conf" exists already but has an unexpected API Server URL: expected: https://a:6443, got: https://b:6443',
    ],
    [
      { kind: 'validity-too-long', validityMs: 2 * 8760 * 3600_000 },
      'WARNING: the specified certificate validity period 17520h0m0s is longer than the default duration 8760h0m0s, this may increase security risks.',
    ],
  ];
  it.each(cases)('%j', (event, line) => {
    expect(eventLine(event)).toBe(line);
  });
});

describe('text warnings', () => {
  it('show control characters from files (a kubeconfig\'s server URL, a SAN) escaped', () => {
    const lines: string[] = [];
    const w = textWarner((l) => lines.push(l));
    w.warn({ kind: 'kubeconfig-server', path: '/k/admin.conf', expected: 'https://10.0.0.1:6443', got: 'https://x\u001b[2J\r\nFAKE' });
    w.warn({ kind: 'san-skipped', san: 'a\u202eb', certName: 'apiserver.crt' });
    expect(lines).toEqual([
      'a kubeconfig file "/k/admin.conf" exists already but has an unexpected API Server URL: expected: https://10.0.0.1:6443, got: https://x\\x1b[2J\\r\\nFAKE',
      "[certificates] WARNING: 'a\\u202eb' was not added to the 'apiserver.crt' SAN, because it is not a valid IP or RFC-1123 compliant DNS entry",
    ]);
  });
});
