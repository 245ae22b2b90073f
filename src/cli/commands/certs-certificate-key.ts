import { randomBytes } from 'node:crypto';
import { line, warnExposedStdout, type Io } from '../io.js';

/** 32 random bytes as 64 lowercase hex characters: the AES key of kubeadm's --upload-certs. */
export default async function certificateKey(_args: unknown[], _opts: Record<string, unknown>, io: Io): Promise<void> {
  warnExposedStdout(io, line(io.stderr), 'this key decrypts the certificates and keys uploaded with --upload-certs', 'chmod 600 it');
  io.stdout.write(`${randomBytes(32).toString('hex')}\n`);
}
