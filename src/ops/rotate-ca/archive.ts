/**
 * The archive that carries a prepared rotation to the other control-plane nodes (`prepare --export/--import`): the
 * new CA certificates and keys, the new service-account key and plan.json, as JSON encrypted with AES-256-GCM.
 * The key is derived with HKDF-SHA256 from a secret of the kind `kubeadm certs certificate-key` prints (32 random
 * bytes, 64 hex digits); the header is authenticated. Nothing else is ever copied between nodes: each node re-signs
 * its own leaves with its own SANs.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { RotateError } from '../../errors.js';
import type { PreparedMaterial } from './phases.js';
import type { RotationPlan } from '../../store/rotation-state.js';

const MAGIC = Buffer.from('KUBECERTS-CA-ROTATION-1\n');
const INFO = Buffer.from('kubecerts ca rotate archive');

/** A new secret: 32 random bytes as 64 lowercase hex digits (as `certs certificate-key`). */
export const newArchiveSecret = (): string => randomBytes(32).toString('hex');

/** Throws RotateError ROTATE_ARCHIVE unless `secret` is an archive key: 64 hex digits. */
export function checkArchiveSecret(secret: string): void {
  if (!/^[0-9a-fA-F]{64}$/.test(secret)) {
    throw new RotateError('ROTATE_ARCHIVE', 'the archive key must be 64 hex digits (32 bytes), as `kubecerts certs certificate-key` prints');
  }
}

function keyOf(secret: string, salt: Buffer): Buffer {
  checkArchiveSecret(secret);
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'hex'), salt, INFO, 32));
}

/** Encrypts the prepared material: MAGIC | salt(16) | iv(12) | tag(16) | ciphertext. */
export function sealArchive(m: PreparedMaterial, secret: string): Buffer {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', keyOf(secret, salt), iv);
  c.setAAD(MAGIC);
  const body = Buffer.concat([c.update(JSON.stringify({ plan: m.plan, files: m.files }), 'utf8'), c.final()]);
  return Buffer.concat([MAGIC, salt, iv, c.getAuthTag(), body]);
}

/**
 * Decrypts and parses an archive. Throws PkiError ROTATE_ARCHIVE when it is not an archive, the key is wrong or it
 * was altered (GCM authentication), or its content is malformed.
 */
export function openArchive(data: Buffer, secret: string): PreparedMaterial {
  if (data.length < MAGIC.length + 44 || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new RotateError('ROTATE_ARCHIVE', 'not a kubecerts CA rotation archive');
  }
  let at = MAGIC.length;
  const salt = data.subarray(at, (at += 16));
  const iv = data.subarray(at, (at += 12));
  const tag = data.subarray(at, (at += 16));
  const d = createDecipheriv('aes-256-gcm', keyOf(secret, salt), iv);
  d.setAAD(MAGIC);
  d.setAuthTag(tag);
  let text: string;
  try {
    text = Buffer.concat([d.update(data.subarray(at)), d.final()]).toString('utf8');
  } catch {
    throw new RotateError('ROTATE_ARCHIVE', 'the archive does not decrypt: wrong key, or the file was altered');
  }
  const parsed = JSON.parse(text) as { plan?: RotationPlan; files?: Record<string, string> };
  if (!parsed.plan || parsed.plan.version !== 1 || typeof parsed.files !== 'object' || parsed.files === null) {
    throw new RotateError('ROTATE_ARCHIVE', 'the archive content is malformed');
  }
  for (const [n, v] of Object.entries(parsed.files)) {
    if (!/^(ca|front-proxy-ca|etcd-ca)\.(crt|key)$|^(ca|etcd-ca)-cross\.crt$|^sa\.key$/.test(n) || typeof v !== 'string') throw new RotateError('ROTATE_ARCHIVE', `the archive names an unexpected file "${n}"`);
  }
  return { plan: parsed.plan, files: parsed.files };
}
