/** The lines a write session's events become (stderr): an interrupted commit completed before this run. */
import type { RotationNotice } from '../ops/rotate-ca/phases.js';
import type { JournalRecovered } from '../store/write-session.js';

/** The notice of a completed interrupted commit, no newline: `recovered an interrupted <what>: completed <n> file(s)`. */
export const recoveredLine = (e: JournalRecovered): string => `recovered an interrupted ${e.what}: completed ${e.files} file(s)`;

/** A write session's `notice` that writes each event as one line through `line` (a stderr writer). */
export const textNotice = (line: (text: string) => void) => (e: JournalRecovered): void => line(recoveredLine(e));

/** A CA rotation's session notice (a completed commit, a removed leftover ca-signer.crt) as one line, no newline. */
export const rotationNoticeLine = (e: RotationNotice): string =>
  e.kind === 'journal-recovered' ? recoveredLine(e) : `removed ${e.path}, left by an interrupted finalize or rollback`;
