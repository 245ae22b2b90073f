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
import { closeSync, openSync, writeSync } from 'node:fs';
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

/**
 * Why `holdingDir` may not hold manifests, or undefined when it may: it must (resolving symbolic links) lie outside
 * `manifestsDir`, and, when it exists, be a folder owned by the running user and not writable by group or others
 * (anyone else who can write there could plant a manifest or a journal for recovery to act on).
 */
export function holdingDirProblem(host: NodeHost, holdingDir: string, manifestsDir: string): string | undefined {
  if (inside(realOrResolved(host, manifestsDir), realOrResolved(host, holdingDir)) || inside(resolve(manifestsDir), resolve(holdingDir))) {
    return `holding folder "${holdingDir}" is inside the manifests folder "${manifestsDir}": the kubelet would run what is held there`;
  }
  const ancestor = unsafeAncestor(host, holdingDir);
  if (ancestor) return `holding folder "${holdingDir}" is unsafe: its parent ${ancestor}`;
  const t = host.times(holdingDir);
  if (!t) return undefined;
  const uid = process.getuid?.() ?? t.uid;
  if (t.uid !== uid) return `holding folder "${holdingDir}" is owned by uid ${t.uid}, not by the running user (uid ${uid})`;
  const writers = writableByWhom(t.mode);
  if (writers) return `holding folder "${holdingDir}" is writable by ${writers} (mode ${octalMode(t.mode)})`;
  return undefined;
}

/**
 * The first existing folder above `path` through which another user could swap the holding folder for one of their
 * own (owned by someone other than root or the running user, or writable by group or others without the sticky bit),
 * described for a message; undefined when every existing ancestor is safe.
 */
function unsafeAncestor(host: NodeHost, path: string): string | undefined {
  const uid = process.getuid?.();
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    const t = host.times(dir);
    if (t) {
      if (t.uid !== 0 && uid !== undefined && t.uid !== uid) return `"${dir}" is owned by uid ${t.uid}, not by root or the running user (uid ${uid})`;
      const writers = writableByWhom(t.mode);
      if (writers && (t.mode & 0o1000) === 0) return `"${dir}" is writable by ${writers} (mode ${octalMode(t.mode)})`;
    }
    if (dir === dirname(dir)) return undefined;
  }
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
  assertHoldingDir(host, holdingDir, manifestsDir);
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
      host.move(h.held, h.manifest);
      restored.push(h.manifest);
    } else if (heldThere && inPlace) {
      const aside = `${h.held}.conflict-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}`;
      host.move(h.held, aside);
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
  ) {}

  /**
   * Creates the journal exclusively (after recovering a dead run's). Throws LockedError when another restart runs,
   * KubecertsError RESTART_HOLDING_DIR when the holding folder is unsafe (see holdingDirProblem).
   */
  static open(host: NodeHost, holdingDir: string, manifestsDir: string, now: Date): { journal: RestartJournal; recovery: Recovery } {
    assertHoldingDir(host, holdingDir, manifestsDir);
    host.mkdir(holdingDir, 0o700);
    // checked again once it exists: an existing folder is reused only when it is ours and closed to others
    assertHoldingDir(host, holdingDir, manifestsDir);
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
    return { journal: new RestartJournal(host, holdingDir, owner), recovery };
  }

  /** Records that `h` is about to be out (written before the rename) or that nothing is out. */
  record(held: readonly HeldManifest[]): void {
    this.host.writeAtomic(journalPath(this.holdingDir), JSON.stringify({ ...this.owner, held }), 0o600);
  }

  close(): void {
    this.host.remove(journalPath(this.holdingDir));
  }
}
