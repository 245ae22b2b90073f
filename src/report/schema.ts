/** The fleet report: every node's certificates and CAs on one clock, sorted by residual time. */

/** Whose rows these are: one object per node report, shared by all its rows (output formats it once per node). */
export interface RowOwner {
  readonly node: string;
  readonly host: string;
  readonly file: string;
}

/** One certificate or CA of one node, as that node's `check-expiration -o json` reported it. */
export interface FleetRow {
  /** node, host and file as one shared object */
  readonly owner: RowOwner;
  readonly node: string;
  readonly host: string;
  /** the report file it came from */
  readonly file: string;
  readonly kind: 'certificate' | 'ca';
  readonly name: string;
  readonly caName: string;
  /** NotAfter in ms since the epoch; null when missing (numbers, not Dates: 10,000 nodes make 140,000 rows) */
  readonly expiresAt: number | null;
  /** the node's expirationDate as written in its report (RFC 3339), null when missing */
  readonly expirationDate: string | null;
  /** seconds from the report's `now` to expirationDate (negative once expired); 0 when missing */
  readonly residualSeconds: number;
  readonly externallyManaged: boolean;
  readonly missing: boolean;
}

/** One node's report as decoded from a file, its rows already on the fleet's clock. */
export interface NodeReport {
  readonly file: string;
  readonly node: string;
  readonly host: string;
  readonly checkTime: Date | undefined;
  readonly rows: readonly FleetRow[];
}

/** A file that is not a readable check-expiration report, by name, with why. */
export interface BadReport {
  readonly file: string;
  readonly error: string;
}

export interface FleetReport {
  readonly now: Date;
  readonly rows: readonly FleetRow[];
  readonly bad: readonly BadReport[];
  readonly totals: {
    readonly nodes: number;
    readonly certificates: number;
    readonly expired: number;
    /** within the --fail-within window, not yet expired */
    readonly expiring: number;
    readonly missing: number;
    readonly badFiles: number;
  };
}
