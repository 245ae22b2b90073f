/** PEM framing. Pure. */
export interface PemBlock {
  readonly type: string;
  readonly hasHeaders: boolean;
  readonly der: Buffer;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
const BASE64 = /^[A-Za-z0-9+/=\s]*$/;

/** Every well-formed PEM block in `text`; malformed ones are skipped, as Go's pem.Decode does. */
export function parsePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const type = m[1] ?? '';
    let body = m[2] ?? '';
    let hasHeaders = false;
    const headerEnd = body.search(/\r?\n\r?\n/);
    if (headerEnd >= 0 && /^[A-Za-z-]+:/.test(body)) {
      hasHeaders = true;
      body = body.slice(headerEnd).trimStart();
    }
    if (!BASE64.test(body)) continue;
    const compact = body.replace(/\s+/g, '');
    if (compact.length % 4 !== 0 || /=[^=]/.test(compact)) continue;
    blocks.push({ type, hasHeaders, der: Buffer.from(compact, 'base64') });
  }
  return blocks;
}

/** Encodes DER as PEM with 64-character lines, as Go's pem.Encode does. */
export function encodePem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

/** The PEM of the first CERTIFICATE block without headers, re-encoded canonically; undefined if none. */
export function firstCertificatePem(text: string): string | undefined {
  const block = parsePemBlocks(text).find((b) => b.type === 'CERTIFICATE' && !b.hasHeaders);
  return block ? encodePem('CERTIFICATE', block.der) : undefined;
}

export function certificatePems(text: string): string[] {
  return parsePemBlocks(text)
    .filter((b) => b.type === 'CERTIFICATE' && !b.hasHeaders)
    .map((b) => encodePem('CERTIFICATE', b.der));
}
