import { execFileSync, spawnSync } from 'node:child_process';

export function openssl(args: readonly string[], input?: string): { code: number; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8', input });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** `openssl verify -x509_strict -purpose <p> -CAfile ca leaf` */
export function verifyChain(ca: string, leaf: string, purpose: 'sslserver' | 'sslclient', strict = true): { code: number; out: string } {
  return openssl(['verify', ...(strict ? ['-x509_strict'] : []), '-purpose', purpose, '-CAfile', ca, leaf]);
}

export function x509Text(certPem: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-text', '-nameopt', 'RFC2253'], { input: certPem, encoding: 'utf8' });
}

export function x509Field(certPem: string, ...opts: string[]): string {
  return execFileSync('openssl', ['x509', '-noout', '-nameopt', 'RFC2253', ...opts], { input: certPem, encoding: 'utf8' }).trim();
}

/** The SPKI of a certificate and of a key, for "key matches certificate". */
export function certPublicKey(certPem: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-pubkey'], { input: certPem, encoding: 'utf8' });
}
export function keyPublicKey(keyPem: string): string {
  return execFileSync('openssl', ['pkey', '-pubout'], { input: keyPem, encoding: 'utf8' });
}
