/** Private and public keys through node:crypto only, in kubeadm's PEM formats. */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import type { EncryptionAlgorithm } from '../config/types.js';
import { PkiError } from '../errors.js';
import { certificatePublicHalf, privateKeyPublicHalf } from './der.js';
import { parsePemBlocks } from './pem.js';

/** Generates a key on libuv's thread pool, so several keys are made in parallel. */
export function generateKey(algorithm: EncryptionAlgorithm): Promise<KeyObject> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, _pub: KeyObject, priv: KeyObject): void => (err ? reject(err) : resolve(priv));
    switch (algorithm) {
      case 'RSA-2048':
      case 'RSA-3072':
      case 'RSA-4096':
        generateKeyPair('rsa', { modulusLength: Number(algorithm.slice(4)), publicExponent: 0x10001 }, done);
        break;
      case 'ECDSA-P256':
        generateKeyPair('ec', { namedCurve: 'prime256v1' }, done);
        break;
      case 'ECDSA-P384':
        generateKeyPair('ec', { namedCurve: 'secp384r1' }, done);
        break;
    }
  });
}

/** Keys by name, each generated once; starting several early lets them be made in parallel while work goes on. */
export class KeyPool {
  private readonly keys = new Map<string, Promise<KeyObject>>();
  constructor(private readonly algorithm: EncryptionAlgorithm) {}

  get(id: string): Promise<KeyObject> {
    let p = this.keys.get(id);
    if (!p) {
      p = generateKey(this.algorithm);
      // a key started early and never used must not become an unhandled rejection
      p.catch(() => undefined);
      this.keys.set(id, p);
    }
    return p;
  }
}

/** PKCS#1 "RSA PRIVATE KEY" or SEC1 "EC PRIVATE KEY", never PKCS#8, as kubeadm writes them. */
export function encodePrivateKey(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return key.export({ type: 'pkcs1', format: 'pem' }) as string;
  if (key.asymmetricKeyType === 'ec') return key.export({ type: 'sec1', format: 'pem' }) as string;
  throw new PkiError('KEY_TYPE', `unsupported key type ${key.asymmetricKeyType}`);
}

/** PKIX "PUBLIC KEY", as sa.pub. */
export function encodePublicKey(key: KeyObject): string {
  return createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string;
}

const KEY_BLOCKS: Record<string, 'pkcs1' | 'sec1' | 'pkcs8'> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
  'PRIVATE KEY': 'pkcs8',
};

/**
 * Parses the first RSA or ECDSA private key in `text`, skipping other blocks, as kubeadm's keyutil does.
 * Throws PkiError with kubeadm's wording; `path` names the file.
 */
export function parsePrivateKey(text: string, path: string): KeyObject {
  for (const block of parsePemBlocks(text)) {
    const type = KEY_BLOCKS[block.type];
    if (!type) continue;
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: block.der, format: 'der', type });
    } catch {
      continue;
    }
    if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec') {
      throw new PkiError('KEY_TYPE', `the private key file ${path} is neither in RSA nor ECDSA format`);
    }
    return key;
  }
  throw new PkiError(
    'KEY_PARSE',
    `couldn't load the private key file ${path}: error reading private key file ${path}: data does not contain a valid RSA or ECDSA private key`,
  );
}

/** "RSA-2048", "ECDSA-P256"...: the algorithm of an existing key. */
export function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return `RSA-${d.modulusLength ?? '?'}`;
  if (key.asymmetricKeyType === 'ec') {
    const curve = d.namedCurve === 'prime256v1' ? 'P256' : d.namedCurve === 'secp384r1' ? 'P384' : d.namedCurve;
    return `ECDSA-${curve}`;
  }
  return String(key.asymmetricKeyType);
}

/** True when the public halves are the same key. */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const der = (k: KeyObject): Buffer => (k.type === 'public' ? k : createPublicKey(k)).export({ type: 'spki', format: 'der' });
  return der(a).equals(der(b));
}


/**
 * True when `keyPem` holds exactly one private key block and the public key that block declares (an RSA key's
 * modulus and exponent, an EC key's curve and public point) is byte for byte the one in the certificate `certDer`;
 * false otherwise, including whenever this cannot be told without decoding the key (then ask OpenSSL, e.g.
 * X509Certificate.checkPrivateKey). It reads DER only: OpenSSL's key decoding is the slow part of checking a dozen
 * key pairs at start-up. With one block a positive answer cannot hide anything: had the key been unreadable,
 * the check that decodes it would have reported nothing either.
 */
export function keyDeclaresCertificateKey(keyPem: string, certDer: Uint8Array): boolean {
  const keys = parsePemBlocks(keyPem).filter((b) => KEY_BLOCKS[b.type] !== undefined);
  const key = keys.length === 1 ? keys[0] : undefined;
  const mine = key && privateKeyPublicHalf(key.der, key.type);
  const theirs = mine && certificatePublicHalf(certDer);
  return !!mine && !!theirs && mine.length === theirs.length && mine.every((b, i) => b.equals(theirs[i] as Buffer));
}
