/**
 * The agent's adapters onto kubecerts' existing operations, in one file so they can be re-pointed when those
 * operations move (renew's orchestration to ops/renew): check-expiration's scan, `certs renew` as that command
 * does it (file lock, journal recovery, backup, all-or-nothing journaled commit) and `control-plane restart`.
 */
import { join } from 'node:path';
import type { RunConfig } from '../config/types.js';
import { textWarner } from '../output/events-text.js';
import { recoveredLine } from '../output/write-text.js';
import type { ExpirationReport } from '../pki/expiration.js';
import { checkExpiration } from '../ops/check-expiration.js';
import { backupFiles, backupFolderName, DEFAULT_KEEP_BACKUPS, pruneBackups } from '../store/backup.js';
import { pkiJournal } from '../store/journal.js';
import { Renewer } from '../ops/renew.js';
import { RENEWABLE_SPECS } from '../pki/specs.js';
import { Workspace } from '../store/workspace.js';
import { beginWrite } from '../store/write-session.js';
import { componentsToRestart, restartComponents, type RestartReport, type RestartStep } from '../ops/control-plane-restart.js';
import type { ComponentName } from '../node/manifests.js';

export type { ComponentName };
import { realNodeHost } from '../store/node-host.js';

/**
 * check-expiration's scan of this node as `-o prometheus` does it: tolerant of unreadable files (they become rows
 * with `error`), with the integrity findings (a pending journal, keys that do not match their certificates).
 */
export function checkNode(cfg: RunConfig, now: Date, warn: (line: string) => void): ExpirationReport {
  return checkExpiration({ cfg, now, warner: textWarner(warn), tolerant: true });
}

/** The `certs renew` names the agent may renew: leaves and kubeconfigs, the etcd ones only with a local etcd. */
export function renewableNames(cfg: RunConfig): ReadonlySet<string> {
  return new Set(RENEWABLE_SPECS.filter((s) => cfg.etcdLocal !== null || !('etcd' in s && s.etcd)).map((s) => s.name));
}

export interface RenewResult {
  /** `certs renew` names renewed */
  readonly renewed: readonly string[];
  /** every file replaced */
  readonly files: readonly string[];
  /** files an interrupted earlier renewal left half-written and this run completed (-1: there was no journal) */
  readonly recovered: number;
  readonly backupDir: string | undefined;
}

/**
 * Renews the certificates `names` (certs renew names) of the node as `certs renew <name>…` does: renew's write
 * session (lock in the certificate folder, completion of an interrupted journal, orphaned temp files removed),
 * everything signed in memory, a backup of the replaced files into `<kubeconfig-dir>/tmp/kubecerts-backup-…`
 * (the oldest pruned as renew prunes them), then one journaled commit. `beforeCommit` gets the paths about to be
 * replaced (the agent records which components to restart before anything changes). Throws LockedError when a
 * `certs renew` runs, PkiError when a certificate cannot be renewed (nothing written).
 */
export async function renewCertificates(
  cfg: RunConfig,
  names: readonly string[],
  o: { readonly now: Date; readonly warn: (line: string) => void; readonly beforeCommit: (paths: readonly string[]) => void },
): Promise<RenewResult> {
  const journal = pkiJournal(cfg.certificatesDir, cfg.kubeconfigDir);
  let recovered = -1;
  const hold = await beginWrite({
    lockDir: cfg.certificatesDir, journal, tempDirs: journal.roots, what: 'renewal',
    // the agent logs the line as a warning and the count as a field
    notice: (e) => {
      recovered = e.files;
      o.warn(recoveredLine(e));
    },
  });
  try {
    const ws = new Workspace();
    const renewer = new Renewer({ cfg, start: o.now, ws, warner: textWarner(o.warn), reuseKey: false, csrOnly: false });
    const specs = RENEWABLE_SPECS.filter((s) => names.includes(s.name));
    const outcomes = await Promise.all(specs.map((s) => renewer.renew(s)));
    const files = ws.planned().map((w) => w.path);
    const backupRoot = join(cfg.kubeconfigDir, 'tmp');
    let backupDir: string | undefined;
    if (files.length > 0) {
      backupDir = backupFiles(files, backupRoot, backupFolderName(o.now), [
        { dir: cfg.certificatesDir, as: 'pki' },
        { dir: cfg.kubeconfigDir, as: '.' },
      ]);
      o.beforeCommit(files);
    }
    await ws.commit(journal);
    if (backupDir) pruneBackups(backupRoot, DEFAULT_KEEP_BACKUPS);
    return { renewed: outcomes.filter((x) => x.kind === 'renewed').map((x) => x.spec.name), files, recovered, backupDir };
  } finally {
    await hold.release();
  }
}

/** The static pods of this node that use any of `paths`, in restart order; [] without a manifests folder. */
export function affectedComponents(manifestsDir: string, paths: readonly string[]): ComponentName[] {
  const host = realNodeHost();
  if (!host.exists(manifestsDir)) return [];
  return componentsToRestart(host, manifestsDir, paths);
}

/**
 * `control-plane restart <components>`: one at a time through the manifests folder, etcd only while quorum holds,
 * each verified healthy and serving the current certificate. The signal puts a moved manifest back and stops.
 */
export function restartAndVerify(
  components: readonly ComponentName[],
  o: { readonly manifestsDir: string; readonly holdingDir: string; readonly timeoutMs: number; readonly probeTimeoutMs: number; readonly now: () => Date; readonly sleep: (ms: number) => Promise<void>; readonly signal: AbortSignal; readonly onStep: (step: RestartStep) => void },
): Promise<RestartReport> {
  return restartComponents(components, { host: realNodeHost(), ...o });
}
