/** Chain checks: was a certificate signed by a CA, and does it verify at a given time (Go's wording). Pure. */
import type { X509Certificate } from 'node:crypto';
import { validity } from './certificate.js';

/** True when `ca` issued and signed `leaf` (names and signature; time is not considered). */
export function signedBy(leaf: X509Certificate, ca: X509Certificate): boolean {
  return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
}

/** Go's x509 chain error for `leaf` against `ca` at `now`, or undefined when it verifies. */
export function chainError(leaf: X509Certificate, ca: X509Certificate, now: Date, intermediates: readonly X509Certificate[] = []): string | undefined {
  let issuer = ca;
  let signed = signedBy(leaf, ca);
  if (!signed) {
    // try one intermediate from the leaf's own file
    const mid = intermediates.find((m) => signedBy(leaf, m) && signedBy(m, ca));
    if (mid) {
      signed = true;
      issuer = mid;
    }
  }
  if (!signed) return 'x509: certificate signed by unknown authority';
  for (const c of [leaf, issuer, ca]) {
    const { notBefore, notAfter } = validity(c);
    if (now < notBefore || now > notAfter) {
      const when = now > notAfter ? `is after ${notAfter.toISOString().replace(/\.\d{3}Z$/, 'Z')}` : `is before ${notBefore.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
      return `x509: certificate has expired or is not yet valid: current time ${now.toISOString().replace(/\.\d{3}Z$/, 'Z')} ${when}`;
    }
  }
  return undefined;
}
