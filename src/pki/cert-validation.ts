/**
 * An existing certificate checked against what the config asks for: kubeadm's validateCertificateWithConfig
 * (cmd/kubeadm/app/phases/certs/certs.go), which calls Go's x509.Certificate.VerifyHostname for every requested
 * DNS name and IP and fails with the first one the certificate does not cover. Pure.
 */
import { canonicalIp } from '../lib/net.js';
import type { AltNames } from './sans.js';

/** What a certificate is valid for, as read from its subjectAltName extension. */
export interface CertificateNames {
  readonly dns: readonly string[];
  readonly ips: readonly string[];
}

/** Go's matchHostnames: case-insensitive, one leading "*" label matches exactly one label, a trailing dot ignored. */
function matchHostname(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === '' || h === '') return false;
  const pl = p.split('.');
  const hl = h.split('.');
  if (pl.length !== hl.length) return false;
  return pl.every((label, i) => (i === 0 && label === '*') || label === hl[i]);
}

/**
 * Go's x509 HostnameError text for `host` against `names`, or undefined when the certificate covers `host`
 * (crypto/x509 VerifyHostname; the legacy Common Name case does not arise for kubeadm's certificates).
 */
export function verifyHostname(names: CertificateNames, host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const ip = canonicalIp(bare);
  if (ip) {
    if (names.ips.some((c) => (canonicalIp(c) ?? c) === ip)) return undefined;
    if (names.ips.length === 0) return `x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs`;
    return `x509: certificate is valid for ${names.ips.join(', ')}, not ${host}`;
  }
  if (names.dns.some((d) => matchHostname(d, bare))) return undefined;
  if (names.dns.length === 0) return `x509: certificate is not valid for any names, but wanted to match ${host}`;
  return `x509: certificate is valid for ${names.dns.join(', ')}, not ${host}`;
}

/**
 * kubeadm's validateCertificateWithConfig: `certificate <baseName> is invalid: <x509 error>` for the first requested
 * DNS name (then IP) that `names` does not cover, or undefined when all are covered.
 */
export function validateCertificateWithConfig(names: CertificateNames, baseName: string, wanted: AltNames): string | undefined {
  for (const host of [...wanted.dns, ...wanted.ips]) {
    const err = verifyHostname(names, host);
    if (err) return `certificate ${baseName} is invalid: ${err}`;
  }
  return undefined;
}
