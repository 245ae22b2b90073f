/** The expiration report: rows for certificates and CAs, and what --fail-within decides. Pure. */


export interface CertificateFacts {
  readonly name: string;
  readonly path: string;
  readonly caName: string;
  readonly missing: boolean;
  /** set when the file is present but could not be read (prometheus output reports it instead of failing) */
  readonly error?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly externallyManaged: boolean;
  readonly serial?: string;
  readonly keyAlgorithm?: string;
}

export interface ExpirationRow extends CertificateFacts {
  readonly residualTime: number;
}

export interface ExpirationReport {
  readonly now: Date;
  /** a pending journal and keys that do not match their certificates, when checked */
  readonly integrity?: IntegrityFindings;
  readonly certificates: readonly ExpirationRow[];
  readonly authorities: readonly ExpirationRow[];
}

export function buildExpirationReport(
  certificates: readonly CertificateFacts[],
  authorities: readonly CertificateFacts[],
  now: Date,
): ExpirationReport {
  const toRow = (f: CertificateFacts): ExpirationRow => ({
    ...f,
    residualTime: f.notAfter && !f.missing ? residualSeconds(f.notAfter, now) : 0,
  });
  const byName = (a: CertificateFacts, b: CertificateFacts): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { now, certificates: [...certificates].sort(byName).map(toRow), authorities: [...authorities].sort(byName).map(toRow) };
}

/** Rows that are present and expire within `windowMs` of the report time (or have expired). */
export function rowsExpiringWithin(report: ExpirationReport, windowMs: number): ExpirationRow[] {
  return [...report.certificates, ...report.authorities].filter(
    (r) => !r.missing && !r.error && r.notAfter !== undefined && r.notAfter.getTime() - report.now.getTime() <= windowMs,
  );
}

/** Whole seconds from now until `notAfter`, truncated toward zero. */
export function residualSeconds(notAfter: Date, now: Date): number {
  return Math.trunc((notAfter.getTime() - now.getTime()) / 1000);
}

export interface IntegrityFindings {
  /** the journal file of an interrupted commit, when one is pending */
  readonly pendingJournal?: string;
  /** names (as in check-expiration) of certificates whose private key does not match */
  readonly keyMismatch: readonly string[];
}
