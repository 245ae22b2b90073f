/**
 * The journal of `control-plane restart`, which is also its lock: `<holding dir>/restart.json` exists while a
 * restart runs and names the manifest that is out of the manifests folder, if any. Every kubecerts run that touches
 * the node calls `recoverHeldManifests` first, so a restart killed while a manifest was out has it put back.
 *
 * Order of a hold: journal written (atomic) → manifest renamed out → … → renamed back → journal cleared. A crash at
 * any point leaves either the manifest in place (nothing to do) or the manifest in the holding folder with a journal
 * naming it (put back). A rename never leaves a copy, so no second copy of a manifest can appear in the folder.
 *
 * Recovery is confined as the PKI journal's is (src/pki/journal.ts): it only ever moves
 * `<holding dir>/<component>.yaml` back to `<manifests dir>/<component>.yaml` for the four control-plane
 * components, and only from a holding folder owned by the running user, not writable by group or others and not
 * (after resolving links) inside the manifests folder. A journal naming anything else is refused whole, untouched.
 */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { KubecertsError, LockedError, describe as describeError } from '../errors.js';
import { COMPONENTS, manifestFileName } from '../node/manifests.js';
import type { NodeHost } from './node-host.js';
import { octalMode, writableByWhom } from '../lib/file-mode.js';

export interface HeldManifest {
  /** where it belongs, in the manifests folder */
  readonly manifest: string;
  /** where it is while held, outside the manifests folder */
  readonly held: string;
}

interface JournalDoc {
  readonly pid: number;
  readonly startTicks: number;
  readonly startedAt: string;
  readonly held: readonly HeldManifest[];
}

export const journalPath = (holdingDir: string): string => join(holdingDir, 'restart.json');

function readJournal(host: NodeHost, holdingDir: string): JournalDoc | undefined {
  let text: string;
  try {
    text = host.read(journalPath(holdingDir)).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KubecertsError('RESTART_JOURNAL', `cannot read restart journal "${journalPath(holdingDir)}": ${describeError(err)}`);
  }
  try {
    const doc = JSON.parse(text) as JournalDoc;
    if (typeof doc.pid !== 'number' || !Array.isArray(doc.held)) throw new Error('not a restart journal');
    return doc;
  } catch {
    // a journal torn before its first rename-into-place cannot exist (atomic writes); an empty file is the lock
    // being created by `openSync('wx')` and killed before its write: no manifest was out yet
    return { pid: 0, startTicks: 0, startedAt: '', held: [] };
  }
}

/** Held-manifest file names recovery may move: `<component>.yaml` of the four control-plane components. */
const HELD_NAMES: ReadonlySet<string> = new Set(COMPONENTS.map(manifestFileName));

const inside = (dir: string, p: string): boolean => {
  const rel = relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

function realOrResolved(host: NodeHost, p: string): string {
  // the nearest existing ancestor resolved, the rest appended: a folder not created yet resolves where it will be
  const abs = resolve(p);
  try {
    return host.realpath(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(abs) === abs) return abs;
    return join(realOrResolved(host, dirname(abs)), basename(abs));
  }
}

/** The running user's uid (undefined off POSIX, where no owner check applies). */
const selfUid = (): number | undefined => process.getuid?.();
const ownedByUs = (uid: number): boolean => uid === 0 || selfUid() === undefined || uid === selfUid();

/** Why the folder `dir` lets another user swap what is inside it, for a message; undefined when it does not. */
function folderProblem(dir: string, t: { uid: number; mode: number }): string | undefined {
  if (!ownedByUs(t.uid)) return `"${dir}" is owned by uid ${t.uid}, not by root or the running user (uid ${selfUid()})`;
  const writers = writableByWhom(t.mode);
  // a sticky folder (/tmp) of root or ours lets nobody else rename or remove what we own in it
  if (writers && (t.mode & 0o1000) === 0) return `"${dir}" is writable by ${writers} (mode ${octalMode(t.mode)})`;
  return undefined;
}

/** Where the holding path really is, or why another user could redirect it. */
interface ResolvedHolding {
  /** the path with every symbolic link resolved; the part that does not exist yet appended as written */
  readonly real: string;
  readonly problem?: string;
}

/**
 * Resolves `path` one component at a time as the kernel does (lstat, readlink), checking every folder a name is
 * looked up in, i.e. every real ancestor of the result and of each link on the way: owned by root or the running
 * user, not writable by group or others unless sticky; and every symbolic link on the way: owned by root or the
 * running user. A folder or link anyone else controls could be swapped between the check and a rename (their own
 * folder put in place of the holding folder, so "putting back" moves their manifest into the manifests folder).
 * Mirrors the walk of path_lookupat (fs/namei.c), not any kubeadm code. Throws Node's errno error on an lstat
 * failure other than ENOENT.
 */
function resolveHolding(host: NodeHost, path: string): ResolvedHolding {
  const abs = isAbsolute(path) ? path : `${process.cwd()}/${path}`;
  let parts = abs.split('/').filter((x) => x !== '' && x !== '.');
  let cur = '/';
  let links = 0;
  // the rest joined as one string below, not join(next, ...parts): a spread of 100,000+ arguments overflows the stack
  while (parts.length > 0) {
    const name = parts.shift() as string;
    if (name === '..') {
      cur = dirname(cur);
      continue;
    }
    const dirT = host.entry(cur);
    const bad = dirT && folderProblem(cur, dirT);
    if (bad) return { real: join(cur, name, parts.join('/')), problem: `its parent ${bad}` };
    const next = join(cur, name);
    const t = host.entry(next);
    if (!t) return { real: join(next, parts.join('/')) };
    if (t.isLink) {
      if (!ownedByUs(t.uid)) return { real: join(next, parts.join('/')), problem: `the symbolic link "${next}" on its path is owned by uid ${t.uid}, not by root or the running user (uid ${selfUid()})` };
      if (++links > 40) return { real: join(next, parts.join('/')), problem: `too many levels of symbolic links at "${next}"` };
      const target = host.readlink(next);
      if (isAbsolute(target)) cur = '/';
      parts = [...target.split('/').filter((x) => x !== '' && x !== '.'), ...parts];
      continue;
    }
    if (!t.isDir && parts.length > 0) return { real: join(next, parts.join('/')), problem: `"${next}" on its path is not a folder` };
    cur = next;
  }
  return { real: cur };
}

/** The holding folder with every symbolic link resolved (see resolveHolding); the missing part appended. */
export const realHoldingDir = (host: NodeHost, holdingDir: string): string => resolveHolding(host, holdingDir).real;

/**
 * Why `holdingDir` may not hold manifests, or undefined when it may: it must (resolving symbolic links) lie outside
 * `manifestsDir`; every folder on its real path and every link on the way must be out of other users' reach (see
 * resolveHolding); and, when it exists, it must be a folder owned by the running user and not writable by group or
 * others (anyone else who can write there could plant a manifest or a journal for recovery to act on).
 */
export function holdingDirProblem(host: NodeHost, holdingDir: string, manifestsDir: string): string | undefined {
  const r = resolveHolding(host, holdingDir);
  if (inside(realOrResolved(host, manifestsDir), r.real) || inside(resolve(manifestsDir), resolve(holdingDir))) {
    return `holding folder "${holdingDir}" is inside the manifests folder "${manifestsDir}": the kubelet would run what is held there`;
  }
  if (r.problem) return `holding folder "${holdingDir}" is unsafe: ${r.problem}`;
  const t = host.entry(r.real);
  if (!t) return undefined;
  const uid = selfUid() ?? t.uid;
  if (!t.isDir) return `holding folder "${holdingDir}" is not a folder`;
  if (t.uid !== uid) return `holding folder "${holdingDir}" is owned by uid ${t.uid}, not by the running user (uid ${uid})`;
  const writers = writableByWhom(t.mode);
  if (writers) return `holding folder "${holdingDir}" is writable by ${writers} (mode ${octalMode(t.mode)})`;
  return undefined;
}

/** The identity of the holding folder when it was checked: a rename into or out of it first checks it is still that folder. */
interface HoldingIdentity {
  readonly real: string;
  readonly dev: number;
  readonly ino: number;
}

/** Checks the holding folder and records its identity; throws RESTART_HOLDING_DIR as assertHoldingDir. */
function holdingIdentity(host: NodeHost, holdingDir: string, manifestsDir: string): HoldingIdentity {
  assertHoldingDir(host, holdingDir, manifestsDir);
  const real = realHoldingDir(host, holdingDir);
  const t = host.entry(real);
  if (!t) throw new KubecertsError('RESTART_HOLDING_DIR', `holding folder "${holdingDir}" vanished while it was being checked: refusing to use it`);
  return { real, dev: t.dev, ino: t.ino };
}

/**
 * Why the holding folder is no longer the one `id` recorded (another folder at its path, a link on its path, a new
 * owner or mode, an ancestor opened to others), or undefined when it still is. Checked right before every rename.
 */
function identityProblem(host: NodeHost, holdingDir: string, manifestsDir: string, id: HoldingIdentity): string | undefined {
  const problem = holdingDirProblem(host, holdingDir, manifestsDir);
  if (problem) return problem;
  if (realHoldingDir(host, holdingDir) !== id.real) return `holding folder "${holdingDir}" now leads to "${realHoldingDir(host, holdingDir)}", not "${id.real}"`;
  const t = host.entry(id.real);
  if (!t) return `holding folder "${id.real}" is gone`;
  if (t.dev !== id.dev || t.ino !== id.ino) return `holding folder "${id.real}" was replaced by another folder`;
  return undefined;
}

/**
 * rename(2) `from` → `to` (one of them in the holding folder) after checking the holding folder is still the one
 * `id` recorded. On a mismatch nothing is moved and a KubecertsError RESTART_HOLDING_DIR names both paths.
 */
function guardedMove(host: NodeHost, holdingDir: string, manifestsDir: string, id: HoldingIdentity, from: string, to: string): void {
  const problem = identityProblem(host, holdingDir, manifestsDir, id);
  if (problem) {
    throw new KubecertsError('RESTART_HOLDING_DIR', `not moving "${from}" to "${to}": ${problem}; everything was left where it is and the journal kept`, {
      hint: `inspect ${holdingDir} and ${manifestsDir}, put the manifest back by hand, then remove ${journalPath(holdingDir)}`,
    });
  }
  host.move(from, to);
}

function assertHoldingDir(host: NodeHost, holdingDir: string, manifestsDir: string): void {
  const problem = holdingDirProblem(host, holdingDir, manifestsDir);
  if (problem) {
    throw new KubecertsError('RESTART_HOLDING_DIR', `${problem}: refusing to use it`, {
      hint: 'choose another --holding-dir (the default is <manifests-dir>/../tmp/kubecerts-held-manifests), or fix its owner and mode (chmod 700)',
    });
  }
}

/** True when `e` moves `<holdingDir>/<component>.yaml` back to `<manifestsDir>/<component>.yaml`. */
function entryAllowed(e: unknown, holdingDir: string, manifestsDir: string): e is HeldManifest {
  if (typeof e !== 'object' || e === null) return false;
  const { manifest, held } = e as Record<string, unknown>;
  if (typeof manifest !== 'string' || typeof held !== 'string') return false;
  const name = basename(held);
  return HELD_NAMES.has(name) && resolve(held) === resolve(holdingDir, name) && resolve(manifest) === resolve(manifestsDir, name);
}

export interface Recovery {
  /** manifests put back in the manifests folder */
  readonly restored: readonly string[];
  /** things that need an operator: a held copy next to a manifest that exists again, a manifest found nowhere */
  readonly warnings: readonly string[];
  /** a live restart owns the journal; nothing was touched */
  readonly busyPid?: number;
}

/**
 * Puts back every manifest a dead restart left in `holdingDir`, then removes its journal. Leaves a live restart
 * alone (reports its pid). Never overwrites a manifest that exists again: the held copy is renamed aside inside the
 * holding folder (outside the manifests folder) and reported. Throws KubecertsError RESTART_HOLDING_DIR (nothing
 * touched) when the holding folder is unsafe (see holdingDirProblem), RESTART_JOURNAL when the journal is unreadable
 * or names any move other than `<holdingDir>/<component>.yaml` → `<manifestsDir>/<component>.yaml`.
 */
export function recoverHeldManifests(host: NodeHost, holdingDir: string, manifestsDir: string, now: Date): Recovery {
  if (!host.exists(journalPath(holdingDir))) return { restored: [], warnings: [] };
  const id = holdingIdentity(host, holdingDir, manifestsDir);
  const doc = readJournal(host, holdingDir);
  if (!doc) return { restored: [], warnings: [] };
  if (doc.pid !== 0 && host.alive(doc.pid, doc.startTicks)) return { restored: [], warnings: [], busyPid: doc.pid };
  const bad = doc.held.find((h) => !entryAllowed(h, holdingDir, manifestsDir));
  if (bad !== undefined) {
    throw new KubecertsError('RESTART_JOURNAL', `restart journal "${journalPath(holdingDir)}" names a move other than ${holdingDir}/<component>.yaml -> ${manifestsDir}/<component>.yaml: refusing to recover from it (${JSON.stringify(bad)})`, {
      hint: 'inspect it and remove it; nothing was changed',
    });
  }
  const restored: string[] = [];
  const warnings: string[] = [];
  for (const h of doc.held) {
    const heldThere = host.exists(h.held);
    const inPlace = host.exists(h.manifest);
    if (heldThere && !inPlace) {
      guardedMove(host, holdingDir, manifestsDir, id, h.held, h.manifest);
      restored.push(h.manifest);
    } else if (heldThere && inPlace) {
      const aside = `${h.held}.conflict-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}`;
      guardedMove(host, holdingDir, manifestsDir, id, h.held, aside);
      warnings.push(`${h.manifest} exists again; the copy a killed restart held was kept as ${aside}`);
    } else if (!heldThere && !inPlace) {
      warnings.push(`${h.manifest} is missing and no held copy was found in ${holdingDir}`);
    }
  }
  host.remove(journalPath(holdingDir));
  return { restored, warnings };
}

/** A running restart's hold on the journal. */
export class RestartJournal {
  private constructor(
    private readonly host: NodeHost,
    readonly holdingDir: string,
    private readonly owner: { pid: number; startTicks: number; startedAt: string },
    private readonly manifestsDir: string,
    private readonly id: HoldingIdentity,
  ) {}

  /** what the journal says is out of the manifests folder */
  private held: readonly HeldManifest[] = [];

  /**
   * Creates the journal exclusively (after recovering a dead run's). Throws LockedError when another restart runs,
   * KubecertsError RESTART_HOLDING_DIR when the holding folder is unsafe (see holdingDirProblem).
   */
  static open(host: NodeHost, holdingDir: string, manifestsDir: string, now: Date): { journal: RestartJournal; recovery: Recovery } {
    assertHoldingDir(host, holdingDir, manifestsDir);
    host.mkdir(holdingDir, 0o700);
    // checked again once it exists: an existing folder is reused only when it is ours and closed to others; its
    // identity (device and inode) is what every later rename into or out of it checks first
    const id = holdingIdentity(host, holdingDir, manifestsDir);
    const recovery = recoverHeldManifests(host, holdingDir, manifestsDir, now);
    if (recovery.busyPid !== undefined) {
      throw new LockedError(`another control-plane restart (pid ${recovery.busyPid}) is running on this node`, { hint: `it holds ${journalPath(holdingDir)}` });
    }
    const owner = { ...host.self(), startedAt: now.toISOString() };
    let fd: number;
    try {
      fd = openSync(journalPath(holdingDir), 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new LockedError(`another control-plane restart started on this node just now`);
      throw new KubecertsError('RESTART_JOURNAL', `cannot create restart journal "${journalPath(holdingDir)}": ${describeError(err)}`);
    }
    try {
      writeSync(fd, JSON.stringify({ ...owner, held: [] }));
    } finally {
      closeSync(fd);
    }
    return { journal: new RestartJournal(host, holdingDir, owner, manifestsDir, id), recovery };
  }

  /** Records that `h` is about to be out (written before the rename) or that nothing is out. */
  record(held: readonly HeldManifest[]): void {
    this.host.writeAtomic(journalPath(this.holdingDir), JSON.stringify({ ...this.owner, held }), 0o600);
    this.held = held;
  }

  /**
   * Renames `h.manifest` into the holding folder (record `h` first), after checking the holding folder is still the
   * one checked at open. Throws KubecertsError RESTART_HOLDING_DIR naming both paths (nothing moved) when it is not,
   * or Node's errno error from rename.
   */
  moveOut(h: HeldManifest): void {
    guardedMove(this.host, this.holdingDir, this.manifestsDir, this.id, h.manifest, h.held);
  }

  /**
   * Renames `h.held` back to `h.manifest` and records that nothing is out, after the same check as moveOut. On a
   * mismatch nothing is moved and the journal keeps naming `h` (so close() keeps it for recovery or an operator).
   */
  moveBack(h: HeldManifest): void {
    guardedMove(this.host, this.holdingDir, this.manifestsDir, this.id, h.held, h.manifest);
    this.record([]);
  }

  /** Removes the journal (the lock), unless it still names a manifest that is out: then it stays for recovery. */
  close(): void {
    if (this.held.length > 0) return;
    this.host.remove(journalPath(this.holdingDir));
  }
}

/**
 * Whether the manifests folder `dir` can be seen by the running user, for the commands that recover a node only
 * when it has one: false when it does not exist or cannot be looked at (ENOENT, EACCES, ENOTDIR), since a restart
 * needs that folder and a user who cannot see it could neither have moved its manifests nor put them back.
 * Throws KubecertsError RESTART_JOURNAL for any other error.
 */
export function manifestsFolderVisible(dir: string): boolean {
  try {
    statSync(dir);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') return false;
    throw new KubecertsError('RESTART_JOURNAL', `cannot look at the manifests folder "${dir}": ${describeError(err)}`);
  }
}
