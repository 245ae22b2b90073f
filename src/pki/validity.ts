/** Validity windows and serial numbers (spec §3.3, §3.4). Pure apart from the random source. */
import { randomBytes } from 'node:crypto';

const BACKDATE_MS = 5 * 60_000;
const truncSeconds = (ms: number): Date => new Date(Math.floor(ms / 1000) * 1000);

export interface Window {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** CAs and PKI leaves: NotBefore = start - 5 min, NotAfter = start + period. */
export function backdatedWindow(start: Date, periodMs: number): Window {
  return { notBefore: truncSeconds(start.getTime() - BACKDATE_MS), notAfter: truncSeconds(start.getTime() + periodMs) };
}

/** Kubeconfig client certificates: NotBefore = the CA's NotBefore, NotAfter = start + period. */
export function caAnchoredWindow(start: Date, caNotBefore: Date, periodMs: number): Window {
  return { notBefore: truncSeconds(caNotBefore.getTime()), notAfter: truncSeconds(start.getTime() + periodMs) };
}

const MAX = (1n << 63n) - 2n;

/** Uniform random serial in [1, 2^63-2], as minimal-length hex. */
export function randomSerialHex(random: (n: number) => Uint8Array = randomBytes): string {
  for (;;) {
    const bytes = random(8);
    let v = 0n;
    for (const b of bytes) v = (v << 8n) | BigInt(b);
    v &= (1n << 63n) - 1n;
    if (v < MAX) {
      let hex = (v + 1n).toString(16);
      if (hex.length % 2) hex = `0${hex}`;
      return hex;
    }
  }
}
