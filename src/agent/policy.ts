/**
 * `--renew-before`: when a certificate is due for renewal, either a window before NotAfter (a duration, "720h",
 * "30d") or a fraction of its lifetime that must have passed ("2/3": renew once two thirds of NotBefore..NotAfter
 * are over, as the kubelet's certificate manager and step's renewer do with 70-90 % and 2/3). Pure.
 */
import { parseDuration } from '../lib/duration.js';
import { UsageError } from '../errors.js';

export type RenewBefore =
  | { readonly kind: 'window'; readonly ms: number; readonly text: string }
  | { readonly kind: 'fraction'; readonly fraction: number; readonly text: string };

/** Parses "30d", "720h" or a fraction "a/b" (or "0.66") strictly between 0 and 1. Throws UsageError otherwise. */
export function parseRenewBefore(text: string): RenewBefore {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const fraction = m ? Number(m[1]) / Number(m[2]) : /^0?\.\d+$/.test(text.trim()) ? Number(text) : undefined;
  if (fraction !== undefined) {
    if (!(fraction > 0 && fraction < 1)) throw new UsageError(`invalid --renew-before "${text}": a fraction of the lifetime must be between 0 and 1, e.g. 2/3`);
    return { kind: 'fraction', fraction, text };
  }
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new UsageError(`invalid --renew-before "${text}": use a duration such as 720h or 30d, or a fraction of the lifetime such as 2/3`);
  return { kind: 'window', ms, text };
}

/** True when a certificate valid from `notBefore` to `notAfter` is due at `now` under `policy` (expired ones are). */
export function isDue(policy: RenewBefore, notBefore: Date | undefined, notAfter: Date, now: Date): boolean {
  if (notAfter.getTime() <= now.getTime()) return true;
  if (policy.kind === 'window') return notAfter.getTime() - now.getTime() <= policy.ms;
  if (!notBefore) return true;
  const life = notAfter.getTime() - notBefore.getTime();
  return now.getTime() - notBefore.getTime() >= life * policy.fraction;
}
