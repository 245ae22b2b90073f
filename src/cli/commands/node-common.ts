/** Flags, input reading and the start-up recovery shared by the commands that act on a node (control-plane, kubelet, kubeconfig refresh). */
import { defaultHoldingDir, restartComponents, type RestartReport, type RestartStep } from '../../ops/control-plane-restart.js';
import { nodeRecoveryText, restartStepLine } from '../../output/control-plane-text.js';
import type { NodeHost } from '../../store/node-host.js';
import { manifestsFolderVisible, recoverHeldManifests } from '../../store/restart-journal.js';
import { hostPath } from '../../store/rootfs.js';
import { msFlag } from '../config-flags.js';
import { clockOf, type Io } from '../io.js';
import { withSignalAbort } from '../signal-abort.js';

export type Opts = Record<string, unknown>;

/** A path option's value, else `dflt` placed under --rootfs (given values were placed there by withRootfs). */
export const pathOption = (opts: Opts, key: string, dflt: string): string => (typeof opts[key] === 'string' ? (opts[key] as string) : hostPath(dflt));

export const manifestsDirOf = (opts: Opts): string => pathOption(opts, 'manifestsDir', '/etc/kubernetes/manifests');
export const holdingDirOf = (opts: Opts): string => (typeof opts['holdingDir'] === 'string' ? opts['holdingDir'] : defaultHoldingDir(manifestsDirOf(opts)));

/**
 * Puts back any manifest an interrupted `control-plane restart` left out, and says so on stderr. Every command that
 * writes on a control-plane node calls this first: the control-plane commands, `certs renew`, `init` and its phases,
 * `kubelet fix-kubeconfig` and `kubelet serving enable` (with the default manifests folder where they have no
 * --manifests-dir).
 */
export function recoverNode(host: NodeHost, opts: Opts, io: Io): void {
  const text = nodeRecoveryText(recoverHeldManifests(host, holdingDirOf(opts), manifestsDirOf(opts), io.now()));
  if (text) io.stderr.write(text);
}

/**
 * `recoverNode` for the commands that write on a node but do not need its manifests folder (renew, init, kubelet):
 * when neither --manifests-dir nor --holding-dir was given and the default manifests folder cannot be seen (see
 * manifestsFolderVisible), there is nothing to recover, so a PKI outside a node still works.
 */
export function recoverNodeIfPresent(host: NodeHost, opts: Opts, io: Io): void {
  const named = typeof opts['manifestsDir'] === 'string' || typeof opts['holdingDir'] === 'string';
  if (named || manifestsFolderVisible(manifestsDirOf(opts))) recoverNode(host, opts, io);
}

/** An `onStep` that prints each restart step as its `[restart]` progress line on stderr. */
export const stepLines = (io: Io) => (s: RestartStep): void => void io.stderr.write(`${restartStepLine(s)}\n`);

/**
 * Restarts `names` as `control-plane restart` does (one at a time, a signal puts the current manifest back first),
 * with the command's --manifests-dir, --holding-dir, --timeout and --probe-timeout; `onStep` hears each step.
 */
export function restartWithFlags(names: readonly string[], host: NodeHost, opts: Opts, io: Io, onStep?: (step: RestartStep) => void): Promise<RestartReport> {
  return withSignalAbort((signal) => restartComponents(names, {
    host, manifestsDir: manifestsDirOf(opts), holdingDir: holdingDirOf(opts),
    timeoutMs: msFlag(opts, 'timeout', '--timeout', 90_000), probeTimeoutMs: msFlag(opts, 'probeTimeout', '--probe-timeout', 2000),
    now: () => io.now(), sleep: (ms) => clockOf(io).sleep(ms), signal, onStep,
  }));
}

// --timeout and --probe-timeout are parsed with the other flag parsers; re-exported for the node commands
export { msFlag };

// input-file reading and in-place replacement live in store/ (file access); re-exported for the node commands
export { readFileBytes, readTextFile, replaceFile } from '../../store/input-files.js';
