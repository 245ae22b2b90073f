/**
 * The global flags of this run (set once by main from -v/--v and --rootfs), readable from every layer: --rootfs
 * places every file path inside the host root it names (see hostPath).
 */
import { join, resolve } from 'node:path';

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

/** True when --rootfs was given. */
export const rootfsSet = (): boolean => current.rootfs !== undefined;
