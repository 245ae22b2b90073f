/**
 * Typed warnings the use cases raise while they run (kubeadm prints them on stderr as it goes). The core emits
 * data; `output/events-text.ts` renders kubeadm's lines.
 */
import type { X509Certificate } from 'node:crypto';
import type { EndpointPortWarning } from '../kubeconfig/endpoint.js';
import { validity } from '../pki/certificate.js';
import type { SanWarning } from '../pki/sans.js';

export type CoreEvent =
  /** kubeadm's CheckCertificatePeriodValidity: a certificate outside its validity window (not fatal) */
  | { readonly kind: 'validity'; readonly name: string; readonly state: 'not-yet-valid' | 'expired'; readonly notBefore: Date; readonly notAfter: Date }
  /** an extra SAN that is neither an IP nor a DNS name was left out */
  | SanWarning
  /** controlPlaneEndpoint's port overrides bindPort */
  | EndpointPortWarning
  /** a renewed certificate outlives the CA that signed it */
  | { readonly kind: 'ca-expires-first'; readonly ca: string; readonly name: string; readonly caNotAfter: Date; readonly notAfter: Date }
  /** init: an existing private key does not belong to its certificate */
  | { readonly kind: 'key-mismatch'; readonly keyPath: string; readonly certPath: string }
  /** init: the CA file an existing kubeconfig names cannot be read (kubeadm's validateKubeConfig) */
  | { readonly kind: 'kubeconfig-ca-unreadable'; readonly caFile: string; readonly path: string; readonly reason: string }
  /** init: an existing kubeconfig points at another API server */
  | { readonly kind: 'kubeconfig-server'; readonly path: string; readonly expected: string; readonly got: string }
  /** kubeconfig user: a validity above kubeadm's default */
  | { readonly kind: 'validity-too-long'; readonly validityMs: number };

/** Passes events on, and checks certificate validity windows, each name once per run as kubeadm does. */
export class Warner {
  private readonly seen = new Set<string>();
  constructor(private readonly emit: (event: CoreEvent) => void) {}
  warn(event: CoreEvent): void {
    this.emit(event);
  }
  /** Emits a `validity` event when `cert` is not valid at `now` (only the first time for `name`). */
  checkPeriod(name: string, cert: X509Certificate, now: Date): void {
    if (this.seen.has(name)) return;
    this.seen.add(name);
    const { notBefore, notAfter } = validity(cert);
    if (now < notBefore) this.emit({ kind: 'validity', name, state: 'not-yet-valid', notBefore, notAfter });
    else if (now > notAfter) this.emit({ kind: 'validity', name, state: 'expired', notBefore, notAfter });
  }
}
