/** Domain-free network names: IP/CIDR in Go's net package textual forms, host:port, DNS-1123 names. Pure. */
import { isIP } from 'node:net';

/** Parses an IPv4 or IPv6 address to its bytes (4 or 16); undefined when it is not one. */
export function parseIp(text: string): Uint8Array | undefined {
  const kind = isIP(text);
  if (kind === 4) return Uint8Array.from(text.split('.').map(Number));
  if (kind !== 6) return undefined;
  let s = text;
  const out = new Uint8Array(16);
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  let tail: number[] = [];
  if (v4?.[1]) {
    const b = v4[1].split('.').map(Number);
    tail = [((b[0] ?? 0) << 8) | (b[1] ?? 0), ((b[2] ?? 0) << 8) | (b[3] ?? 0)];
    s = s.slice(0, -v4[1].length) + '0:0';
  }
  const [head = '', rest] = s.split('::');
  const h = head === '' ? [] : head.split(':');
  const r = rest === undefined ? [] : rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? 0 : 8 - h.length - r.length;
  const groups = [...h, ...Array<string>(fill).fill('0'), ...r].map((g) => parseInt(g, 16));
  if (tail.length) groups.splice(6, 2, ...tail);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** Go's net.IP.String(): dotted IPv4 (also for v4-mapped IPv6), RFC 5952 compressed IPv6. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const isV4Mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isV4Mapped) return Array.from(bytes.slice(12)).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text of an IP address, or undefined. */
export function canonicalIp(text: string): string | undefined {
  const b = parseIp(text);
  return b ? formatIp(b) : undefined;
}

/** The address at `index` inside a CIDR such as 10.96.0.0/12 (index 1 = 10.96.0.1). */
export function cidrAddress(cidr: string, index: number): string | undefined {
  const [addr = '', bitsText] = cidr.trim().split('/');
  const bytes = parseIp(addr);
  const bits = Number(bitsText);
  if (!bytes || bitsText === undefined || !Number.isInteger(bits) || bits < 0 || bits > bytes.length * 8) {
    return undefined;
  }
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  const total = BigInt(bytes.length * 8);
  const mask = ((1n << total) - 1n) ^ ((1n << (total - BigInt(bits))) - 1n);
  value = (value & mask) + BigInt(index);
  const out = new Uint8Array(bytes.length);
  for (let i = bytes.length - 1; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return formatIp(out);
}

/** One DNS-1123 label (lower case), as a regular-expression source. */
export const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);

/** apimachinery's IsDNS1123Subdomain: dot-separated lower-case labels, at most 253 characters. */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && SUBDOMAIN.test(name);
}

/** Splits host:port; returns the host without brackets and the port text (undefined when there is none). */
export function splitHostPort(endpoint: string): { host: string; port: string | undefined } {
  const bracketed = /^\[([^\]]+)\](?::(\d*))?$/.exec(endpoint);
  if (bracketed) return { host: bracketed[1] ?? '', port: bracketed[2] };
  const parts = endpoint.split(':');
  if (parts.length === 2) return { host: parts[0] ?? '', port: parts[1] };
  return { host: endpoint, port: undefined };
}

/** Go's net.JoinHostPort: brackets an IPv6 host ("[::1]:6443"). */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
