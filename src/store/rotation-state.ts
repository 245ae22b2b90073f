/**
 * The persisted state of a CA rotation (`ca rotate`), in `<state-dir>/rotation/` (folders 0700, files 0600):
 * `plan.json` (targets and the SHA-256 fingerprints of the old and new CAs and service-account keys; its presence
 * marks "prepared"), `staging/` (the new CA certificates and keys and the new `sa.key`), `backups/<phase>/` (every
 * file a phase replaced, as it was, plus `index.json`, so rollback restores it byte for byte) and the commit journal.
 * Nothing here is needed to learn the phase: that comes from the live files (plan.ts), the state only adds the
 * new keys before they are live and the backups.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir, writeFileAtomic } from './fs-atomic.js';
import { checkPrivateFolder } from './backup.js';
import { errnoText, KubecertsError, RotateError } from '../errors.js';
import { CA_SPECS, KUBECONFIG_SPECS, LEAF_SPECS } from '../pki/specs.js';
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

/**
 * Checks the state folder and every folder kubecerts makes in it (rotation/, staging/, backups/, backups/<phase>/)
 * that exists: each must be a real directory (not a symbolic link) owned by the running user or root and writable by
 * no one else, since it holds the new CA keys and the backups rollback writes back as root. Throws RotateError
 * ROTATE_STATE naming the folder and why.
 */
export function checkStateFolders(p: RotationPaths): void {
  const dirs = [p.stateDir, rotationDir(p), stagingDir(p), join(rotationDir(p), 'backups'), ...(['trust', 'reissue', 'finalize'] as const).map((ph) => backupDir(p, ph))];
  for (const dir of dirs) {
    try {
      if (!checkPrivateFolder(dir, 'the rotation state folder', 'BACKUP', STATE_HINT, true)) return;
    } catch (err) {
      if (!(err instanceof KubecertsError)) throw err;
      throw new RotateError('ROTATE_STATE', err.message.replace(/^cannot back up to/, 'cannot use the rotation state folder'), { hint: STATE_HINT });
    }
  }
}

const STATE_HINT = 'give --state-dir a folder of your own (default /var/lib/kubecerts) that only you can write (mode 0700), not a symbolic link';

/** Largest state file read (plan.json, in-cluster.json, index.json, a staged key or a backed-up file), bytes. */
const STATE_FILE_MAX = 4 * 1024 * 1024;

/**
 * The content of a state file, or undefined when it does not exist. Opened with O_NOFOLLOW|O_NONBLOCK and read only
 * when it is a regular file of at most STATE_FILE_MAX bytes (a symbolic link, FIFO, device or folder is refused, so
 * nothing can hang the command or make it echo another file). Throws RotateError ROTATE_STATE naming the file.
 */
export function readStateFile(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new RotateError('ROTATE_STATE', `refusing the rotation state file "${path}": it is a symbolic link`, { hint: STATE_HINT });
    throw stateError(path, err);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new RotateError('ROTATE_STATE', `refusing the rotation state file "${path}": not a regular file`, { hint: STATE_HINT });
    if (st.size > STATE_FILE_MAX) throw new RotateError('ROTATE_STATE', `refusing the rotation state file "${path}": larger than ${STATE_FILE_MAX} bytes`, { hint: STATE_HINT });
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } catch (err) {
    if (err instanceof RotateError) throw err;
    throw stateError(path, err);
  } finally {
    closeSync(fd);
  }
}

/** JSON.parse of a state file's text; a syntax error names the file, never its content. */
function parseStateJson(path: string, text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RotateError('ROTATE_STATE', `${what} "${path}" is corrupt: not valid JSON`, { hint: 'restore the state folder from a backup, or remove the file' });
  }
}

/** Creates the rotation folder (0700) and its parents, after and before checking them; RotateError ROTATE_STATE on failure. */
export function ensureRotationDir(p: RotationPaths): void {
  checkStateFolders(p);
  try {
    ensureDir(rotationDir(p), 0o700);
  } catch (err) {
    throw stateError(rotationDir(p), err);
  }
  checkStateFolders(p);
}

/** The plan, or undefined when no rotation is prepared. Unreadable or invalid is an error, never "absent". */
export function readPlan(p: RotationPaths): RotationPlan | undefined {
  checkStateFolders(p);
  const data = readStateFile(planPath(p));
  if (data === undefined) return undefined;
  const plan = parseStateJson(planPath(p), data.toString('utf8'), 'the rotation plan') as RotationPlan;
  const fps = (v: unknown): boolean => typeof v === 'object' && v !== null && Object.values(v).every((x) => typeof x === 'string');
  if (typeof plan !== 'object' || plan === null || plan.version !== 1 || !Array.isArray(plan.targets) || !plan.targets.every((t) => (TARGETS as readonly unknown[]).includes(t)) || !fps(plan.old) || !fps(plan.new) || (plan.cross !== undefined && !fps(plan.cross))) {
    throw new RotateError('ROTATE_STATE', `the rotation plan "${planPath(p)}" is not valid: unknown version or fields`, {
      hint: 'restore the state folder from a backup, or remove it while the files are at the "before" phase',
    });
  }
  return plan;
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

/** The staged file `name` (e.g. "ca.crt", "etcd-ca.key", "sa.key"); RotateError ROTATE_STATE when absent or unreadable. */
export function readStaged(p: RotationPaths, name: string): string {
  const path = join(stagingDir(p), name);
  const text = readStagedIfPresent(p, name);
  if (text === undefined) {
    throw new RotateError('ROTATE_STATE', `cannot read the staged "${path}": no such file`, {
      hint: 'the new keys are only in the state folder until reissue: restore it (or prepare --import the archive again)',
    });
  }
  return text;
}

/** The staged file `name`, or undefined when the state folder does not have it; folders and file checked (readStateFile). */
export function readStagedIfPresent(p: RotationPaths, name: string): string | undefined {
  checkStateFolders(p);
  return readStateFile(join(stagingDir(p), name))?.toString('utf8');
}

/** Every staged file by name. */
export function stagedFiles(p: RotationPaths): Record<string, string> {
  const out: Record<string, string> = {};
  checkStateFolders(p);
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
  ensureRotationDir(p);
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new RotateError('ROTATE_BACKUP', `cannot back up to "${dir}": ${errnoText(err)}`);
  }
  checkStateFolders(p);
  const index: { path: string; absent: boolean; file?: string; mode?: number; sha256?: string }[] = [];
  paths.forEach((path, i) => {
    let data: Buffer;
    let mode: number;
    try {
      data = readFileSync(path);
      mode = statSync(path).mode & 0o777;
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

/**
 * The files a phase's commit can change (its change set, kubeadm layout): rollback restores nothing else. Absolute
 * paths under the cert, kubeconfig, manifests and kubelet folders.
 */
export function phaseChangeSet(p: RotationPaths, phase: CommitPhase): Set<string> {
  const out = new Set<string>();
  const cert = (n: string): string => join(p.certDir, n);
  for (const c of CA_SPECS) {
    out.add(cert(`${c.baseName}.crt`));
    if (phase === 'reissue') out.add(cert(`${c.baseName}.key`));
  }
  for (const k of KUBECONFIG_SPECS) out.add(join(p.kubeconfigDir, k.fileName));
  out.add(cert('ca-signer.crt')).add(cert('sa.pub'));
  if (phase !== 'reissue') out.add(join(p.manifestsDir, 'kube-controller-manager.yaml'));
  if (phase === 'reissue') {
    out.add(cert('sa.key')).add(join(p.kubeletDir, 'kubelet-client-current.pem'));
    for (const l of LEAF_SPECS) out.add(cert(`${l.baseName}.crt`)).add(cert(`${l.baseName}.key`));
  }
  if (phase === 'finalize') for (const l of LEAF_SPECS) out.add(cert(`${l.baseName}.crt`));
  return out;
}

/** Whether a file holds a private key (written 0600 whatever its backup says). */
const keyBearing = (p: RotationPaths, path: string): boolean =>
  path.endsWith('.key') || path.endsWith('.pem') || KUBECONFIG_SPECS.some((k) => join(p.kubeconfigDir, k.fileName) === path);

/**
 * The files of `backups/<phase>/`, or undefined when there is no complete backup of that phase. Every entry must name
 * a file of the phase's change set (phaseChangeSet) and a data file of the backup; modes are masked to 0777 (0600 for
 * key-bearing files). Throws RotateError ROTATE_BACKUP naming the index for a corrupt or foreign entry.
 */
export function readBackup(p: RotationPaths, phase: CommitPhase): BackedUpFile[] | undefined {
  checkStateFolders(p);
  const dir = backupDir(p, phase);
  const indexPath = join(dir, 'index.json');
  const raw = readStateFile(indexPath);
  if (raw === undefined) return undefined;
  const bad = (why: string): RotateError =>
    new RotateError('ROTATE_BACKUP', `the backup "${dir}" is not usable: ${why}`, { hint: 'restore the state folder from a backup, or go forward' });
  let index: unknown;
  try {
    index = parseStateJson(indexPath, raw.toString('utf8'), 'the backup index');
  } catch (err) {
    throw bad((err as Error).message);
  }
  if (!Array.isArray(index)) throw bad(`${indexPath} is not a list`);
  const allowed = phaseChangeSet(p, phase);
  const seen = new Set<string>();
  return index.map((e: unknown, i): BackedUpFile => {
    const r = (typeof e === 'object' && e !== null ? e : {}) as { path?: unknown; absent?: unknown; file?: unknown; mode?: unknown; sha256?: unknown };
    if (typeof r.path !== 'string' || !allowed.has(r.path) || seen.has(r.path)) {
      throw bad(`entry ${i} of ${indexPath} names ${typeof r.path === 'string' ? `"${r.path.replace(/[^\x20-\x7e]/g, '?')}"` : 'no path'}, not a file the ${phase} phase changes`);
    }
    seen.add(r.path);
    if (r.absent === true) return { path: r.path, absent: true };
    if (typeof r.file !== 'string' || !/^\d{1,6}$/.test(r.file) || typeof r.sha256 !== 'string' || (r.mode !== undefined && typeof r.mode !== 'number')) throw bad(`entry ${i} of ${indexPath} is corrupt`);
    const data = readStateFile(join(dir, r.file));
    if (data === undefined) throw bad(`the backed-up copy of ${r.path} is missing`);
    if (createHash('sha256').update(data).digest('hex') !== r.sha256) throw bad(`backup of ${r.path} does not match its recorded SHA-256`);
    const mode = keyBearing(p, r.path) ? 0o600 : ((r.mode as number | undefined) ?? 0o600) & 0o777;
    return { path: r.path, absent: false, data: data.toString('utf8'), mode, sha256: r.sha256 };
  });
}

/** Removes `backups/<phase>/` (after a rollback restored it). */
export function dropBackup(p: RotationPaths, phase: CommitPhase): void {
  checkStateFolders(p);
  rmSync(backupDir(p, phase), { recursive: true, force: true });
}

/** Removes the staging folder and plan.json (rollback of prepare). */
export function dropPrepared(p: RotationPaths): void {
  checkStateFolders(p);
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
export const backedUpPhases = (p: RotationPaths): CommitPhase[] => {
  checkStateFolders(p);
  return (['trust', 'reissue', 'finalize'] as const).filter((ph) => existsSync(join(backupDir(p, ph), 'index.json')));
};

/** Removes the whole rotation folder: staging, backups (the old CA keys) and plan (purge). */
export function purgeRotation(p: RotationPaths): void {
  // the parent is left: it may hold other kubecerts state
  checkStateFolders(p);
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

/**
 * The in-cluster record when it is for `phase` and `caFile`, else an empty list of done steps. A corrupt record is
 * an error naming the file (RotateError ROTATE_STATE), never "nothing done".
 */
export function readInClusterDone(p: RotationPaths, phase: string, caFile: string): string[] {
  checkStateFolders(p);
  const path = inClusterPath(p);
  const data = readStateFile(path);
  if (data === undefined) return [];
  const r = parseStateJson(path, data.toString('utf8'), 'the in-cluster record') as Partial<InClusterRecord> | null;
  if (typeof r !== 'object' || r === null || typeof r.phase !== 'string' || typeof r.caFile !== 'string' || !Array.isArray(r.done) || !r.done.every((d) => typeof d === 'string')) {
    throw new RotateError('ROTATE_STATE', `the in-cluster record "${path}" is corrupt: unknown fields`, { hint: 'remove the file: the in-cluster steps run again (they are idempotent)' });
  }
  return r.phase === phase && r.caFile === caFile ? [...r.done] : [];
}

/** Records the in-cluster steps done (atomically, 0600); nothing when the state folder does not exist (purged or lost). */
export function writeInClusterDone(p: RotationPaths, r: InClusterRecord): void {
  checkStateFolders(p);
  if (!existsSync(rotationDir(p))) return;
  writeFileAtomic(inClusterPath(p), `${JSON.stringify(r, null, 2)}\n`, { mode: 0o600, dirMode: 0o700, secret: true });
}

/** Forgets the in-cluster record (rollback: the steps of the phase rolled back are to be run again when it is redone). */
export function dropInClusterRecord(p: RotationPaths): void {
  checkStateFolders(p);
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
  const before = readStateFile(path)?.toString('utf8') ?? '';
  writeFileAtomic(path, `${before}${line}\n`, { mode: 0o600, dirMode: 0o700, secret: true });
}
