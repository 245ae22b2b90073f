/** Flags, input reading and the start-up recovery shared by the commands that act on a node (control-plane, kubelet, kubeconfig refresh). */
import { readFileSync, realpathSync } from 'node:fs';
import { writeFileAtomic } from '../../store/fs-atomic.js';
import { KubecertsError, UsageError, describe } from '../../errors.js';
import { parseDuration } from '../../lib/duration.js';
import { defaultHoldingDir } from '../../ops/control-plane-restart.js';
import type { NodeHost } from '../../store/node-host.js';
import { recoverHeldManifests } from '../../store/restart-journal.js';
import { hostPath } from '../../lib/rootfs.js';
import type { Io } from '../io.js';

export type Opts = Record<string, unknown>;

/** A path option's value, else `dflt` placed under --rootfs (given values were placed there by withRootfs). */
export const pathOption = (opts: Opts, key: string, dflt: string): string => (typeof opts[key] === 'string' ? (opts[key] as string) : hostPath(dflt));

export const manifestsDirOf = (opts: Opts): string => pathOption(opts, 'manifestsDir', '/etc/kubernetes/manifests');
export const holdingDirOf = (opts: Opts): string => (typeof opts['holdingDir'] === 'string' ? opts['holdingDir'] : defaultHoldingDir(manifestsDirOf(opts)));

/** A duration flag in ms, `dflt` when absent; UsageError when it does not parse or is not positive. */
export function msFlag(opts: Opts, key: string, flag: string, dflt: number): number {
  const v = opts[key];
  if (v === undefined) return dflt;
  const ms = parseDuration(String(v));
  if (ms === undefined || ms <= 0) throw new UsageError(`invalid ${flag} "${String(v)}": use a duration such as 90s or 2m`);
  return ms;
}

/**
 * Puts back any manifest an interrupted `control-plane restart` left out, and says so on stderr. Every command that
 * touches a control-plane node calls this first (today the control-plane commands; renew, init and the kubelet
 * commands once they share the node's ports).
 */
export function recoverNode(host: NodeHost, opts: Opts, io: Io): void {
  const r = recoverHeldManifests(host, holdingDirOf(opts), io.now());
  for (const m of r.restored) io.stderr.write(`[restart] put back ${m}, left out by an interrupted control-plane restart\n`);
  for (const w of r.warnings) io.stderr.write(`WARNING: ${w}\n`);
}

/** The text of an input file; an unreadable file is an error naming it (never taken for a missing one). */
export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new KubecertsError('FILE_READ', `cannot read "${path}": ${describe(err)}`);
  }
}

/**
 * Replaces an existing file atomically at its real path, so a symlink (e.g. ~/.kube/config pointing elsewhere)
 * survives; the file keeps its mode and owner, narrowed to at most 0600 when `secret`.
 */
export function replaceFile(path: string, text: string, secret: boolean): void {
  writeFileAtomic(realpathSync(path), text, { mode: secret ? 0o600 : 0o644, secret });
}
