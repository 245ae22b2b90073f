/**
 * The global flags of this run (set once by main from -v/--v and --rootfs), readable from every layer: --rootfs
 * places every file path inside the host root it names (see hostPath).
 */
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';

export interface GlobalFlags {
  readonly verbosity: number;
  readonly rootfs: string | undefined;
}

let current: GlobalFlags = { verbosity: 0, rootfs: undefined };

/** Sets the global flags of this run (once, from main). */
export function setGlobalFlags(flags: GlobalFlags): void {
  current = flags;
}

/** The global flags of this run. */
export function globalFlags(): GlobalFlags {
  return current;
}

/**
 * `path` as seen from the host root given with --rootfs: absolute paths and, as after kubeadm's chroot + chdir("/"),
 * relative ones are placed under the rootfs, and the links on the existing part of the path are resolved inside it
 * (inRoot), so folders created or locked below it stay inside the root. A loop is left for the read or write that
 * follows to report. Without --rootfs the path is returned unchanged.
 */
export function hostPath(path: string): string {
  if (!current.rootfs) return path;
  const placed = join(current.rootfs, resolve('/', path));
  try {
    return inRoot(placed);
  } catch {
    return placed;
  }
}

/**
 * The inverse of hostPath: `path` (as kubecerts reaches it, relative ones taken from the working directory) made
 * absolute and, under --rootfs, with the rootfs prefix removed, i.e. the path the host itself uses. What a file that
 * the host's programs read (kubelet.conf naming a certificate file) must contain. Returns undefined when `path` lies
 * outside the rootfs (the host cannot name it).
 */
export function pathOnHost(path: string): string | undefined {
  const abs = resolve(path);
  if (!current.rootfs) return abs;
  const rel = relative(current.rootfs, abs);
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return `/${rel}`;
}

/** True when --rootfs was given. */
export const rootfsSet = (): boolean => current.rootfs !== undefined;

/** Linux's limit on symbolic links followed while resolving one path (MAXSYMLINKS). */
const MAX_LINKS = 40;

/**
 * `path` with every symbolic link on it resolved as the kernel would after kubeadm's chroot into --rootfs: an
 * absolute link target /x means ROOT/x and `..` never climbs above ROOT. Components that do not exist (or cannot
 * be examined) are kept as written, so the caller's own open/stat reports them. Without --rootfs, or for a path
 * outside the root, `path` is returned unchanged (the kernel follows links itself).
 * Throws an errno-style error with code ELOOP ("too many levels of symbolic links") past 40 links: a loop is an
 * error, never a missing file. Mirrors the path walk of chroot(2) + open(2) (fs/namei.c), not any kubeadm code.
 */
export function inRoot(path: string): string {
  const root = current.rootfs;
  if (!root) return path;
  const rel = relative(root, resolve(path));
  if (rel === '') return root;
  if (rel.startsWith('..') || isAbsolute(rel)) return path;
  let pending = rel.split(sep).filter((c) => c !== '');
  let done: string[] = [];
  let links = 0;
  let walking = true;
  while (pending.length > 0) {
    const c = pending.shift() as string;
    if (c === '.') continue;
    if (c === '..') {
      done.pop();
      continue;
    }
    if (!walking) {
      done.push(c);
      continue;
    }
    // the parts joined first, not join(root, ...done): a spread of 100,000+ arguments overflows the stack
    const here = join(root, done.join('/'), c);
    let link: string | undefined;
    try {
      if (lstatSync(here).isSymbolicLink()) link = readlinkSync(here);
    } catch {
      // missing or unexaminable: the rest is kept as written and the caller's own call reports it
      walking = false;
    }
    if (link === undefined) {
      done.push(c);
      continue;
    }
    if (++links > MAX_LINKS) {
      throw Object.assign(new Error(`ELOOP: too many levels of symbolic links, stat '${path}'`), { code: 'ELOOP', errno: -40, syscall: 'stat', path });
    }
    if (isAbsolute(link)) done = [];
    pending = [...link.split('/').filter((x) => x !== ''), ...pending];
  }
  return join(root, done.join('/'));
}

/**
 * The real path of `path` (links resolved): under --rootfs inside the root (see inRoot), else realpath(3).
 * Throws the errno error (ENOENT for a missing file, ELOOP for a loop).
 */
export function realPath(path: string): string {
  if (!current.rootfs) return realpathSync(path);
  const real = inRoot(path);
  statSync(real);
  return real;
}
