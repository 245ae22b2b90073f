/**
 * The global flags of this run (set once by main from -v/--v and --rootfs), readable from every layer: --rootfs
 * places every file path inside the host root it names (see hostPath).
 */
import { isAbsolute, join, relative, resolve } from 'node:path';

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
 * relative ones are placed under the rootfs. Without --rootfs the path is returned unchanged.
 */
export function hostPath(path: string): string {
  if (!current.rootfs) return path;
  return join(current.rootfs, resolve('/', path));
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
