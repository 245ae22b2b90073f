import { randomBytes } from 'node:crypto';
import type { Io } from '../io.js';

/** 32 random bytes as 64 lowercase hex characters: the AES key of kubeadm's --upload-certs. */
export default async function certificateKey(_args: unknown[], _opts: Record<string, unknown>, io: Io): Promise<void> {
  io.stdout.write(`${randomBytes(32).toString('hex')}\n`);
}
