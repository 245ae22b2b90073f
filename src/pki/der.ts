/** A minimal DER reader: just enough to list a certificate's critical extensions. Pure; throws on malformed input. */
interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

function readTlv(buf: Uint8Array, off: number, limit: number): Tlv {
  if (off + 2 > limit) throw new Error('truncated DER');
  const tag = buf[off] ?? 0;
  let len = buf[off + 1] ?? 0;
  let start = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] ?? 0);
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new Error('DER length past the end');
  return { tag, start, end };
}

function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let off = parent.start; off < parent.end; ) {
    const t = readTlv(buf, off, parent.end);
    out.push(t);
    off = t.end;
  }
  return out;
}

function decodeOid(buf: Uint8Array, t: Tlv): string {
  const arcs: number[] = [];
  let v = 0;
  for (let i = t.start; i < t.end; i++) {
    const b = buf[i] ?? 0;
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (arcs.length === 0) arcs.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else arcs.push(v);
      v = 0;
    }
  }
  return arcs.join('.');
}

/** OIDs of the extensions a certificate marks critical. */
export function criticalExtensionOids(der: Uint8Array): string[] {
  const cert = readTlv(der, 0, der.length);
  const tbs = children(der, cert)[0];
  if (!tbs) throw new Error('no TBSCertificate');
  const extsWrapper = children(der, tbs).find((t) => t.tag === 0xa3);
  if (!extsWrapper) return [];
  const seq = children(der, extsWrapper)[0];
  if (!seq) return [];
  const out: string[] = [];
  for (const ext of children(der, seq)) {
    const [oid, second] = children(der, ext);
    if (!oid || oid.tag !== 0x06) continue;
    if (second && second.tag === 0x01 && (der[second.start] ?? 0) !== 0) out.push(decodeOid(der, oid));
  }
  return out;
}

/** Extensions Go's crypto/x509 understands; a critical one outside this list makes Go reject the certificate. */
export const HANDLED_EXTENSIONS: ReadonlySet<string> = new Set([
  '2.5.29.14', // subject key identifier
  '2.5.29.15', // key usage
  '2.5.29.17', // subject alternative name
  '2.5.29.19', // basic constraints
  '2.5.29.30', // name constraints
  '2.5.29.31', // CRL distribution points
  '2.5.29.32', // certificate policies
  '2.5.29.33', // policy mappings
  '2.5.29.35', // authority key identifier
  '2.5.29.36', // policy constraints
  '2.5.29.37', // extended key usage
  '2.5.29.54', // inhibit anyPolicy
  '1.3.6.1.5.5.7.1.1', // authority information access
]);
