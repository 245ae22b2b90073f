/** A lock file per PKI so two renewals never interleave. A lock whose process is gone is taken over. */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { LockedError, PkiError, describe } from '../errors.js';
import { removeQuietly } from '../fs-atomic.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireLock(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => removeQuietly(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PkiError('LOCK', `cannot create lock file "${path}": ${describe(err)}`);
      }
      let pid = NaN;
      try {
        pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // vanished meanwhile: try again
      }
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new LockedError(`another kubecerts process (pid ${pid}) holds the lock "${path}"`, {
          hint: 'wait for it to finish; remove the file only if that process is not kubecerts',
        });
      }
      removeQuietly(path);
    }
  }
  throw new LockedError(`cannot take the lock "${path}"`);
}
