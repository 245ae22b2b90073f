/** Flags, input reading and the start-up recovery shared by the commands that act on a node (control-plane, kubelet, kubeconfig refresh). */
import { statSync } from 'node:fs';
import { KubecertsError, UsageError, describe } from '../../errors.js';
import { parseDuration } from '../../lib/duration.js';
import { defaultHoldingDir, restartComponents, type RestartReport } from '../../ops/control-plane-restart.js';
import type { NodeHost } from '../../store/node-host.js';
import { recoverHeldManifests } from '../../store/restart-journal.js';
import { hostPath } from '../../store/rootfs.js';
import { clockOf, type Io } from '../io.js';

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
 * writes on a control-plane node calls this first: the control-plane commands, `certs renew`, `init` and its phases,
 * `kubelet fix-kubeconfig` and `kubelet serving enable` (with the default manifests folder where they have no
 * --manifests-dir).
 */
export function recoverNode(host: NodeHost, opts: Opts, io: Io): void {
  const r = recoverHeldManifests(host, holdingDirOf(opts), manifestsDirOf(opts), io.now());
  for (const m of r.restored) io.stderr.write(`[restart] put back ${m}, left out by an interrupted control-plane restart\n`);
  for (const w of r.warnings) io.stderr.write(`WARNING: ${w}\n`);
}

/**
 * `recoverNode` for the commands that write on a node but do not need its manifests folder (renew, init, kubelet):
 * when neither --manifests-dir nor --holding-dir was given and the default manifests folder does not exist or
 * cannot be seen by the running user, there is nothing to recover (a restart needs that folder, and a user who
 * cannot see it could neither have moved its manifests nor put them back), so a PKI outside a node still works.
 */
export function recoverNodeIfPresent(host: NodeHost, opts: Opts, io: Io): void {
  if (typeof opts['manifestsDir'] !== 'string' && typeof opts['holdingDir'] !== 'string') {
    try {
      statSync(manifestsDirOf(opts));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') return;
      throw new KubecertsError('RESTART_JOURNAL', `cannot look at the manifests folder "${manifestsDirOf(opts)}": ${describe(err)}`);
    }
  }
  recoverNode(host, opts, io);
}

/**
 * Runs `fn` with a signal that SIGINT, SIGTERM or SIGHUP aborts (a restart then puts the manifest back before the
 * process exits); returns what `fn` returns.
 */
export async function withSignalAbort<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSignal);
  try {
    return await fn(abort.signal);
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}

/**
 * Restarts `names` as `control-plane restart` does (one at a time, a signal puts the current manifest back first),
 * with the command's --manifests-dir, --holding-dir, --timeout and --probe-timeout; `onStep` hears each step.
 */
export function restartWithFlags(names: readonly string[], host: NodeHost, opts: Opts, io: Io, onStep?: (component: string, step: string) => void): Promise<RestartReport> {
  return withSignalAbort((signal) => restartComponents(names, {
    host, manifestsDir: manifestsDirOf(opts), holdingDir: holdingDirOf(opts),
    timeoutMs: msFlag(opts, 'timeout', '--timeout', 90_000), probeTimeoutMs: msFlag(opts, 'probeTimeout', '--probe-timeout', 2000),
    now: () => io.now(), sleep: (ms) => clockOf(io).sleep(ms), signal, onStep,
  }));
}

// input-file reading and in-place replacement live in store/ (file access); re-exported for the node commands
export { readFileBytes, readTextFile, replaceFile } from '../../store/input-files.js';
