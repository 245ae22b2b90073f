/**
 * The persisted state of a CA rotation (`ca rotate`), in `<state-dir>/rotation/` (folders 0700, files 0600):
 * `plan.json` (targets and the SHA-256 fingerprints of the old and new CAs and service-account keys; its presence
 * marks "prepared"), `staging/` (the new CA certificates and keys and the new `sa.key`), `backups/<phase>/` (every
 * file a phase replaced, as it was, plus `index.json`, so rollback restores it byte for byte) and the commit journal.
 * Nothing here is needed to learn the phase: that comes from the live files (plan.ts), the state only adds the
 * new keys before they are live and the backups.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir, writeFileAtomic } from './fs-atomic.js';
import { errnoText, RotateError } from '../errors.js';
import type { JournalPlace } from './journal.js';

/** What a rotation rotates: the three kubeadm CAs and the service-account key pair. */
export const TARGETS = ['ca', 'front-proxy-ca', 'etcd-ca', 'sa'] as const;
export type Target = (typeof TARGETS)[number];

/** The folders a rotation reads and writes on one node. */
export interface RotationPaths {
  readonly certDir: string;
  readonly kubeconfigDir: string;
  readonly stateDir: string;
  readonly manifestsDir: string;
  readonly kubeletDir: string;
}

/** plan.json: written last by prepare (or import), read by every later phase. */
export interface RotationPlan {
  readonly version: 1;
  /** when prepare ran, RFC 3339 */
  readonly created: string;
  readonly targets: readonly Target[];
  /** SHA-256 (hex) of the old CA certificate DER, or of the old sa key's SPKI DER */
  readonly old: Partial<Record<Target, string>>;
  readonly new: Partial<Record<Target, string>>;
  /** --cross-sign: SHA-256 (hex) of each cross certificate (the new CA's subject and key, signed by the old CA) */
  readonly cross?: Partial<Record<Target, string>>;
}

/** Phases whose commit is backed up (and can be rolled back). */
export type CommitPhase = 'trust' | 'reissue' | 'finalize';

export const rotationDir = (p: RotationPaths): string => join(p.stateDir, 'rotation');
export const stagingDir = (p: RotationPaths): string => join(rotationDir(p), 'staging');
const planPath = (p: RotationPaths): string => join(rotationDir(p), 'plan.json');
export const backupDir = (p: RotationPaths, phase: CommitPhase): string => join(rotationDir(p), 'backups', phase);

/**
 * The journal of a rotation commit: in the state folder (not the PKI's own journal, whose roots exclude the
 * manifests and kubelet folders), allowed to touch the cert, etcd, kubeconfig, manifests and kubelet folders.
 */
export function rotationJournal(p: RotationPaths): JournalPlace {
  return { path: join(rotationDir(p), 'journal.json'), roots: [p.certDir, join(p.certDir, 'etcd'), p.kubeconfigDir, p.manifestsDir, p.kubeletDir] };
}

function stateError(path: string, err: unknown): RotateError {
  return new RotateError('ROTATE_STATE', `cannot use the rotation state "${path}": ${errnoText(err)}`, {
    hint: 'check --state-dir (default /var/lib/kubecerts) and its permissions',
  });
}

/** Creates the rotation folder (0700) and its parents; PkiError ROTATE_STATE on failure. */
export function ensureRotationDir(p: RotationPaths): void {
  try {
    ensureDir(rotationDir(p), 0o700);
  } catch (err) {
    throw stateError(rotationDir(p), err);
  }
}

/** The plan, or undefined when no rotation is prepared. Unreadable or invalid is an error, never "absent". */
export function readPlan(p: RotationPaths): RotationPlan | undefined {
  let text: string;
  try {
    text = readFileSync(planPath(p), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw stateError(planPath(p), err);
  }
  try {
    const plan = JSON.parse(text) as RotationPlan;
    if (plan.version !== 1 || !Array.isArray(plan.targets)) throw new Error('unknown version');
    return plan;
  } catch (err) {
    throw new RotateError('ROTATE_STATE', `the rotation plan "${planPath(p)}" is not valid: ${(err as Error).message}`, {
      hint: 'restore the state folder from a backup, or remove it while the files are at the "before" phase',
    });
  }
}

/** Writes the new material into staging/ and then plan.json (atomically, 0600), in that order. */
export function writePrepared(p: RotationPaths, files: Readonly<Record<string, string>>, plan: RotationPlan): void {
  ensureRotationDir(p);
  const dir = stagingDir(p);
  for (const [name, data] of Object.entries(files)) {
    writeFileAtomic(join(dir, name), data, { mode: 0o600, dirMode: 0o700, secret: true });
  }
  writeFileAtomic(planPath(p), `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o600, dirMode: 0o700, secret: true });
}

/** The staged file `name` (e.g. "ca.crt", "etcd-ca.key", "sa.key"); PkiError ROTATE_STATE when unreadable. */
export function readStaged(p: RotationPaths, name: string): string {
  const path = join(stagingDir(p), name);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new RotateError('ROTATE_STATE', `cannot read the staged "${path}": ${errnoText(err)}`, {
      hint: 'the new keys are only in the state folder until reissue: restore it (or prepare --import the archive again)',
    });
  }
}

/** Every staged file by name. */
export function stagedFiles(p: RotationPaths): Record<string, string> {
  const out: Record<string, string> = {};
  let names: string[] = [];
  try {
    names = readdirSync(stagingDir(p));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw stateError(stagingDir(p), err);
  }
  for (const n of names.filter((x) => !x.startsWith('.')).sort()) out[n] = readStaged(p, n);
  return out;
}

/** One file of a phase backup: its content and mode, or `absent` when the phase created it. */
export interface BackedUpFile {
  readonly path: string;
  readonly absent: boolean;
  readonly data?: string;
  readonly mode?: number;
  readonly sha256?: string;
}

/**
 * Copies every path (following a symbolic link to its target's content) into `backups/<phase>/` (0700, files 0600,
 * index.json last). A folder left by an earlier, uncommitted attempt of the same phase is replaced. Throws PkiError
 * BACKUP naming the file.
 */
export function backupPhase(p: RotationPaths, phase: CommitPhase, paths: readonly string[]): string {
  const dir = backupDir(p, phase);
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new RotateError('ROTATE_BACKUP', `cannot back up to "${dir}": ${errnoText(err)}`);
  }
  const index: { path: string; absent: boolean; file?: string; mode?: number; sha256?: string }[] = [];
  paths.forEach((path, i) => {
    let data: Buffer;
    let mode: number;
    try {
      data = readFileSync(path);
      mode = statSync(path).mode & 0o7777;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !isDanglingLink(path)) {
        index.push({ path, absent: true });
        return;
      }
      throw new RotateError('ROTATE_BACKUP', `cannot back up "${path}": ${errnoText(err)}`);
    }
    const file = String(i);
    writeFileAtomic(join(dir, file), data, { mode: 0o600, dirMode: 0o700, secret: true });
    index.push({ path, absent: false, file, mode, sha256: createHash('sha256').update(data).digest('hex') });
  });
  writeFileAtomic(join(dir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`, { mode: 0o600, dirMode: 0o700, secret: true });
  return dir;
}

function isDanglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The files of `backups/<phase>/`, or undefined when there is no complete backup of that phase. */
export function readBackup(p: RotationPaths, phase: CommitPhase): BackedUpFile[] | undefined {
  const dir = backupDir(p, phase);
  if (!existsSync(join(dir, 'index.json'))) return undefined;
  try {
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { path: string; absent: boolean; file?: string; mode?: number; sha256?: string }[];
    return index.map((e) => {
      if (e.absent) return { path: e.path, absent: true };
      const data = readFileSync(join(dir, e.file as string), 'utf8');
      if (createHash('sha256').update(data).digest('hex') !== e.sha256) throw new Error(`backup of ${e.path} does not match its recorded SHA-256`);
      return { path: e.path, absent: false, data, mode: e.mode, sha256: e.sha256 };
    });
  } catch (err) {
    throw new RotateError('ROTATE_BACKUP', `the backup "${dir}" is not usable: ${(err as Error).message}`);
  }
}

/** Removes `backups/<phase>/` (after a rollback restored it). */
export function dropBackup(p: RotationPaths, phase: CommitPhase): void {
  rmSync(backupDir(p, phase), { recursive: true, force: true });
}

/** Removes the staging folder and plan.json (rollback of prepare). */
export function dropPrepared(p: RotationPaths): void {
  rmSync(planPath(p), { force: true });
  rmSync(stagingDir(p), { recursive: true, force: true });
}

/** Removes `path` when present (a file a phase deletes after its commit); other errors are thrown. */
export function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** The phases whose complete backups the state folder holds. */
export const backedUpPhases = (p: RotationPaths): CommitPhase[] =>
  (['trust', 'reissue', 'finalize'] as const).filter((ph) => existsSync(join(backupDir(p, ph), 'index.json')));

/** Removes the whole rotation folder: staging, backups (the old CA keys) and plan (purge). */
export function purgeRotation(p: RotationPaths): void {
  // the parent is left: it may hold other kubecerts state
  rmSync(rotationDir(p), { recursive: true, force: true });
}

/** What `--in-cluster=apply` has done for one phase and CA file: ids of steps not to repeat (rollout restarts). */
export interface InClusterRecord {
  readonly phase: string;
  /** SHA-256 (hex) of the ca.crt text the steps ran against; another file means another run */
  readonly caFile: string;
  readonly done: readonly string[];
  readonly at: string;
}

const inClusterPath = (p: RotationPaths): string => join(rotationDir(p), 'in-cluster.json');

/** The in-cluster record when it is for `phase` and `caFile`, else an empty list of done steps. */
export function readInClusterDone(p: RotationPaths, phase: string, caFile: string): string[] {
  let text: string;
  try {
    text = readFileSync(inClusterPath(p), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw stateError(inClusterPath(p), err);
  }
  try {
    const r = JSON.parse(text) as InClusterRecord;
    return r.phase === phase && r.caFile === caFile && Array.isArray(r.done) ? r.done.filter((d) => typeof d === 'string') : [];
  } catch {
    return [];
  }
}

/** Records the in-cluster steps done (atomically, 0600); nothing when the state folder does not exist (purged or lost). */
export function writeInClusterDone(p: RotationPaths, r: InClusterRecord): void {
  if (!existsSync(rotationDir(p))) return;
  writeFileAtomic(inClusterPath(p), `${JSON.stringify(r, null, 2)}\n`, { mode: 0o600, dirMode: 0o700, secret: true });
}

/** Forgets the in-cluster record (rollback: the steps of the phase rolled back are to be run again when it is redone). */
export function dropInClusterRecord(p: RotationPaths): void {
  rmSync(inClusterPath(p), { force: true });
}

/** SHA-256 (hex) of a text, for the in-cluster record. */
export const textDigest = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Appends one line to `<rotation>/forced.log` (0600): a barrier `--force` overrode, with the time and the reason, so
 * that the state folder tells afterwards what was not verified. Rewritten atomically (the log is short).
 */
export function recordForced(p: RotationPaths, line: string): void {
  ensureRotationDir(p);
  const path = join(rotationDir(p), 'forced.log');
  let before = '';
  try {
    before = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw stateError(path, err);
  }
  writeFileAtomic(path, `${before}${line}\n`, { mode: 0o600, dirMode: 0o700, secret: true });
}
