/**
 * Minimal DER: a reader for the few certificate fields kubecerts needs without an X.509 library (critical
 * extensions, the issuer name and key identifier of a CA) and a writer for the one certificate shape it signs.
 * Pure; the reader throws on malformed input.
 */
interface Tlv {
  /** offset of the tag byte */
  readonly head: number;
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
  return { head: off, tag, start, end };
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

/** The fields of a certificate's TBSCertificate, with the optional version skipped: serial comes first. */
function tbsFields(der: Uint8Array): Tlv[] {
  const cert = readTlv(der, 0, der.length);
  const tbs = children(der, cert)[0];
  if (!tbs) throw new Error('no TBSCertificate');
  const fields = children(der, tbs);
  return fields[0]?.tag === 0xa0 ? fields.slice(1) : fields;
}

/** Each extension's OID and the TLV inside its OCTET STRING value (extensions whose shape is not that are skipped). */
function extensionValues(der: Uint8Array, fields: readonly Tlv[]): { oid: string; value: Tlv }[] {
  const extsWrapper = fields.find((t) => t.tag === 0xa3);
  const seq = extsWrapper ? children(der, extsWrapper)[0] : undefined;
  const out: { oid: string; value: Tlv }[] = [];
  for (const ext of seq ? children(der, seq) : []) {
    const parts = children(der, ext);
    const oid = parts[0];
    const value = parts[parts.length - 1];
    if (!oid || oid.tag !== 0x06 || !value || value.tag !== 0x04) continue;
    out.push({ oid: decodeOid(der, oid), value: readTlv(der, value.start, value.end) });
  }
  return out;
}

/** The raw subject Name (its whole TLV) and the subject key identifier of a certificate, for issuing under it. */
export function issuerFacts(der: Uint8Array): { readonly subject: Buffer; readonly subjectKeyId: Buffer | undefined } {
  const fields = tbsFields(der);
  // serial, signature, issuer, validity, subject
  const subject = fields[4];
  if (!subject || subject.tag !== 0x30) throw new Error('no subject');
  const ski = extensionValues(der, fields).find((e) => e.oid === '2.5.29.14' && e.value.tag === 0x04)?.value;
  return { subject: Buffer.from(der.subarray(subject.head, subject.end)), subjectKeyId: ski ? Buffer.from(der.subarray(ski.start, ski.end)) : undefined };
}

/** The key bits of a SubjectPublicKeyInfo (its BIT STRING without the unused-bits byte): what Go hashes into a key id. */
export function spkiKeyBits(spki: Uint8Array): Buffer {
  const seq = readTlv(spki, 0, spki.length);
  const bits = children(spki, seq)[1];
  if (!bits || bits.tag !== 0x03 || bits.end <= bits.start) throw new Error('no subjectPublicKey');
  return Buffer.from(spki.subarray(bits.start + 1, bits.end));
}

const RSA_OID = '1.2.840.113549.1.1.1';
const EC_OID = '1.2.840.10045.2.1';
const bytes = (buf: Uint8Array, t: Tlv): Buffer => Buffer.from(buf.subarray(t.start, t.end));

/**
 * The public half a private key file declares, as the bytes a certificate's SubjectPublicKeyInfo would hold: the
 * modulus and exponent of a PKCS#1 RSA key, or the curve and the public point a SEC1 EC key carries (its optional
 * publicKey field), PKCS#8 unwrapped to either. `type` is the PEM block type. undefined when the key does not
 * say (an EC key without its public point) or is not one of these shapes; never throws.
 */
export function privateKeyPublicHalf(der: Uint8Array, type: string): readonly Buffer[] | undefined {
  try {
    const top = readTlv(der, 0, der.length);
    const parts = children(der, top);
    if (type === 'PRIVATE KEY') {
      // PrivateKeyInfo: version, AlgorithmIdentifier, OCTET STRING holding the PKCS#1 or SEC1 key
      const [, algId, inner] = parts;
      if (!algId || !inner || inner.tag !== 0x04) return undefined;
      const [oid, params] = children(der, algId);
      if (!oid || oid.tag !== 0x06) return undefined;
      const key = der.subarray(inner.start, inner.end);
      const alg = decodeOid(der, oid);
      if (alg === RSA_OID) return privateKeyPublicHalf(key, 'RSA PRIVATE KEY');
      if (alg !== EC_OID || !params || params.tag !== 0x06) return undefined;
      const half = privateKeyPublicHalf(key, 'EC PRIVATE KEY');
      const curve = bytes(der, params);
      // a curve inside the SEC1 key too must be the same one
      return half && (half[0] as Buffer).length > 0 && !(half[0] as Buffer).equals(curve) ? undefined : half && [curve, half[1] as Buffer];
    }
    if (type === 'RSA PRIVATE KEY') {
      const [version, n, e] = parts;
      if (version?.tag !== 0x02 || n?.tag !== 0x02 || e?.tag !== 0x02) return undefined;
      return [Buffer.from(RSA_OID), bytes(der, n), bytes(der, e)];
    }
    if (type === 'EC PRIVATE KEY') {
      let curve: Buffer = Buffer.alloc(0);
      let point: Buffer | undefined;
      for (const t of parts.slice(2)) {
        const inner = children(der, t)[0];
        if (t.tag === 0xa0 && inner?.tag === 0x06) curve = bytes(der, inner);
        if (t.tag === 0xa1 && inner?.tag === 0x03) point = bytes(der, inner);
      }
      return point ? [curve, point] : undefined;
    }
  } catch {
    // malformed: the caller asks OpenSSL
  }
  return undefined;
}

/**
 * The same parts of a certificate's SubjectPublicKeyInfo (see privateKeyPublicHalf): [RSA OID, modulus, exponent]
 * or [curve OID, point]; undefined for another key type or a shape it does not know; never throws.
 */
export function certificatePublicHalf(cert: Uint8Array): readonly Buffer[] | undefined {
  try {
    const spki = tbsFields(cert)[5];
    if (!spki) return undefined;
    const [algId, bits] = children(cert, spki);
    if (!algId || bits?.tag !== 0x03) return undefined;
    const [oid, params] = children(cert, algId);
    if (oid?.tag !== 0x06) return undefined;
    const alg = decodeOid(cert, oid);
    if (alg === EC_OID && params?.tag === 0x06) return [bytes(cert, params), bytes(cert, bits)];
    if (alg !== RSA_OID || cert[bits.start] !== 0) return undefined;
    const rsa = readTlv(cert, bits.start + 1, bits.end);
    const [n, e] = children(cert, rsa);
    if (n?.tag !== 0x02 || e?.tag !== 0x02) return undefined;
    return [Buffer.from(RSA_OID), bytes(cert, n), bytes(cert, e)];
  } catch {
    return undefined;
  }
}

/** The fields of a certificate renewal copies and reports show, read without an X.509 library. */
export interface CertificateFields {
  readonly serialHex: string;
  /** subject attributes in certificate order, as [OID, value] */
  readonly subject: readonly (readonly [string, string])[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly dns: readonly string[];
  /** IP SANs as raw bytes (4 or 16) */
  readonly ips: readonly Uint8Array[];
  readonly extKeyUsages: readonly string[];
  readonly isCA: boolean;
}

function decodeString(buf: Uint8Array, t: Tlv): string {
  const b = Buffer.from(buf.subarray(t.start, t.end));
  switch (t.tag) {
    case 0x1e: // BMPString
      return b.swap16().toString('utf16le');
    case 0x1c: {
      // UniversalString
      let out = '';
      for (let i = 0; i + 3 < b.length; i += 4) out += String.fromCodePoint(b.readUInt32BE(i));
      return out;
    }
    case 0x14: // TeletexString, read as Latin-1 as Go does
      return b.toString('latin1');
    default:
      return b.toString('utf8');
  }
}

function decodeTime(buf: Uint8Array, t: Tlv): Date {
  const s = Buffer.from(buf.subarray(t.start, t.end)).toString('latin1');
  const m = t.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) throw new Error(`bad time ${s}`);
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** Reads a certificate's serial, subject, validity, SANs, EKUs and CA flag; throws on malformed DER. */
export function certificateFields(der: Uint8Array): CertificateFields {
  const fields = tbsFields(der);
  const [serial, , , validityTlv, subjectTlv] = fields;
  if (!serial || serial.tag !== 0x02 || !validityTlv || !subjectTlv) throw new Error('truncated TBSCertificate');
  let serialBytes = der.subarray(serial.start, serial.end);
  if (serialBytes.length > 1 && serialBytes[0] === 0 && (serialBytes[1] ?? 0) > 0x7f) serialBytes = serialBytes.subarray(1);
  const [nb, na] = children(der, validityTlv);
  if (!nb || !na) throw new Error('bad validity');
  const subject: [string, string][] = [];
  for (const rdn of children(der, subjectTlv)) {
    for (const atv of children(der, rdn)) {
      const [oid, value] = children(der, atv);
      if (oid?.tag === 0x06 && value) subject.push([decodeOid(der, oid), decodeString(der, value)]);
    }
  }
  const dns: string[] = [];
  const ips: Uint8Array[] = [];
  const extKeyUsages: string[] = [];
  let isCA = false;
  for (const { oid, value: inner } of extensionValues(der, fields)) {
    switch (oid) {
      case '2.5.29.17':
        for (const n of children(der, inner)) {
          if (n.tag === 0x82) dns.push(Buffer.from(der.subarray(n.start, n.end)).toString('latin1'));
          if (n.tag === 0x87 && (n.end - n.start === 4 || n.end - n.start === 16)) ips.push(Buffer.from(der.subarray(n.start, n.end)));
        }
        break;
      case '2.5.29.37':
        for (const o of children(der, inner)) if (o.tag === 0x06) extKeyUsages.push(decodeOid(der, o));
        break;
      case '2.5.29.19': {
        const first = children(der, inner)[0];
        isCA = first?.tag === 0x01 && (der[first.start] ?? 0) !== 0;
        break;
      }
    }
  }
  return {
    serialHex: Buffer.from(serialBytes).toString('hex'),
    subject,
    notBefore: decodeTime(der, nb),
    notAfter: decodeTime(der, na),
    dns,
    ips,
    extKeyUsages,
    isCA,
  };
}

// ---- writer ----

function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

/**
 * One DER element: tag, minimal length, the concatenated `contents` given as one list (a list whose size comes from
 * the input, e.g. 150,000 organizations, goes here: spread as 150,000 arguments it would overflow the stack).
 */
export function derTlvOf(tag: number, contents: readonly Uint8Array[]): Buffer {
  let len = 0;
  for (const c of contents) len += c.length;
  const parts: Uint8Array[] = [Buffer.from([tag, ...lengthBytes(len)])];
  for (const c of contents) parts.push(c);
  return Buffer.concat(parts);
}

/** One DER element: tag, minimal length, the concatenated contents (a few; derTlvOf for a list of any size). */
export const derTlv = (tag: number, ...contents: readonly Uint8Array[]): Buffer => derTlvOf(tag, contents);
export const derSequence = (...contents: readonly Uint8Array[]): Buffer => derTlvOf(0x30, contents);
export const derSet = (...contents: readonly Uint8Array[]): Buffer => derTlvOf(0x31, contents);
/** A SEQUENCE / SET of a list of elements of any size. */
export const derSequenceOf = (contents: readonly Uint8Array[]): Buffer => derTlvOf(0x30, contents);
export const derSetOf = (contents: readonly Uint8Array[]): Buffer => derTlvOf(0x31, contents);
export const DER_NULL: Buffer = Buffer.from([0x05, 0x00]);
export const DER_TRUE: Buffer = Buffer.from([0x01, 0x01, 0xff]);

const oids = new Map<string, Buffer>();

/** An OBJECT IDENTIFIER from its dotted form (memoised: a signer encodes the same few over and over). */
export function derOid(dotted: string): Buffer {
  let out = oids.get(dotted);
  if (!out) {
    const arcs = dotted.split('.').map(Number);
    const body: number[] = [(arcs[0] ?? 0) * 40 + (arcs[1] ?? 0)];
    for (const arc of arcs.slice(2)) {
      const chunk: number[] = [arc & 0x7f];
      for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
      body.push(...chunk);
    }
    out = derTlv(0x06, Buffer.from(body));
    oids.set(dotted, out);
  }
  return out;
}

/** A non-negative INTEGER from big-endian magnitude bytes: minimal, with a 0x00 byte when the top bit is set. */
export function derUnsignedInteger(magnitude: Uint8Array): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  if (m.length === 0) return Buffer.from([0x02, 0x01, 0x00]);
  return (m[0] ?? 0) & 0x80 ? derTlv(0x02, Buffer.from([0]), m) : derTlv(0x02, m);
}

/** A BIT STRING whose last `unusedBits` bits are padding. */
export const derBitString = (bytes: Uint8Array, unusedBits = 0): Buffer => derTlv(0x03, Buffer.from([unusedBits]), bytes);
export const derOctetString = (bytes: Uint8Array): Buffer => derTlv(0x04, bytes);

/** Go's encoding/asn1 PrintableString alphabet (no "*" or "&"). */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** A directory string as Go's encoding/asn1 marshals a Go string: PrintableString when it can, else UTF8String. */
export function derDirectoryString(text: string): Buffer {
  return derTlv(PRINTABLE.test(text) ? 0x13 : 0x0c, Buffer.from(text, 'utf8'));
}

export const derIa5String = (text: string): Buffer => derTlv(0x16, Buffer.from(text, 'ascii'));

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** RFC 5280 Time: UTCTime for 1950-2049, GeneralizedTime otherwise, in whole seconds UTC, as Go writes it. */
export function derTime(d: Date): Buffer {
  const y = d.getUTCFullYear();
  const rest = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return derTlv(0x17, Buffer.from(`${pad(y % 100)}${rest}`, 'ascii'));
  return derTlv(0x18, Buffer.from(`${pad(y, 4)}${rest}`, 'ascii'));
}
