/**
 * `init`, `init phase certs` and `init phase kubeconfig` as one use case: under the PKI's lock (after completing an
 * interrupted commit), run the selected phases into a Workspace, then back up what --reissue replaces and commit
 * once. A dry run takes no lock and returns the planned writes instead (spec §1, §2.4, §9).
 */
import { dirname, join } from 'node:path';
import type { RunConfig } from '../config/types.js';
import { hasCode, KubeconfigError, PkiError } from '../errors.js';
import { KUBECONFIG_SPECS, PKI_SPECS } from '../pki/specs.js';
import { backupFiles, backupFolderName, DEFAULT_KEEP_BACKUPS, pruneBackups } from '../store/backup.js';
import { pkiJournal } from '../store/journal.js';
import { pathExists } from '../store/pki-files.js';
import { Workspace, type PlannedWrite } from '../store/workspace.js';
import { NO_HOLD, type Lock } from '../lib/lock.js';
import { beginWrite, type JournalRecovered } from '../store/write-session.js';
import type { Warner } from './events.js';
import { CertPhases } from './init-certs.js';
import type { InitEvent } from './init-events.js';
import { KubeconfigPhases } from './init-kubeconfig.js';

export interface InitOptions {
  readonly cfg: RunConfig;
  readonly start: Date;
  /** `all`, one certs phase name, or undefined (no certs phase) */
  readonly certs?: string | undefined;
  /** `all`, one kubeconfig phase name, or undefined */
  readonly kubeconfig?: string | undefined;
  readonly reissue: boolean;
  readonly dryRun: boolean;
  readonly emit: (event: InitEvent) => void;
  readonly warner: Warner;
  /** hears that the commit of an interrupted run was completed before this one (output/write-text.ts renders it) */
  readonly notice: (event: JournalRecovered) => void;
  /** the lock the write takes; default: the PKI folder's pid file */
  readonly lock?: Lock | undefined;
}

/** The writes planned (and, unless a dry run, made). */
export interface InitResult {
  readonly planned: readonly PlannedWrite[];
  readonly written: boolean;
}

/** Runs the selected init phases; throws what loading, checking, signing or writing raised (nothing written then). */
export async function runInit(o: InitOptions): Promise<InitResult> {
  const { cfg } = o;
  // an init killed in its renames is completed before anything is read, so the re-run sees the finished PKI
  const journal = pkiJournal(cfg.certificatesDir, cfg.kubeconfigDir);
  const hold = o.dryRun
    ? NO_HOLD
    : await beginWrite({ lockDir: cfg.certificatesDir, lock: o.lock, journal, tempDirs: journal.roots, what: 'init', notice: o.notice, lockDirMode: 0o755 });
  try {
    const ctx = { cfg, start: o.start, ws: new Workspace(), emit: o.emit, warner: o.warner, reissue: o.reissue };
    await runPhases(o, ctx);
    const planned = ctx.ws.planned();
    if (o.dryRun) return { planned, written: false };
    // only --reissue replaces existing files: keep copies of them first, as renew does
    const replaced = planned.map((w) => w.path).filter((p) => pathExists(p));
    if (replaced.length > 0) {
      // <cert-dir>/../tmp: /etc/kubernetes/tmp by default, where renew and kubeadm keep their backups too
      const root = join(dirname(cfg.certificatesDir), 'tmp');
      const dir = backupFiles(replaced, root, backupFolderName(o.start), [{ dir: cfg.certificatesDir, as: 'pki' }, { dir: cfg.kubeconfigDir, as: '.' }]);
      pruneBackups(root, DEFAULT_KEEP_BACKUPS);
      o.emit({ kind: 'backup', dir });
    }
    await ctx.ws.commit(journal);
    return { planned, written: true };
  } finally {
    await hold.release();
  }
}

async function runPhases(o: InitOptions, ctx: ConstructorParameters<typeof CertPhases>[0]): Promise<void> {
  const certs = new CertPhases(ctx);
  const kubeconfigs = new KubeconfigPhases(ctx);
  const certSpecs = o.certs ? PKI_SPECS.filter((s) => o.certs === 'all' || s.name === o.certs) : [];
  const kcSpecs = o.kubeconfig ? KUBECONFIG_SPECS.filter((s) => o.kubeconfig === 'all' || s.phase === o.kubeconfig) : [];
  // kubeadm's newInitData, before `init` and every `init phase`: the keyless CAs' leaves must load and chain, and in
  // external-CA mode all five kubeconfigs must exist and match, before anything is printed
  if (certs.checkExternalCa('ca')) kubeconfigs.validateForExternalCa(KUBECONFIG_SPECS);
  certs.checkExternalCa('front-proxy-ca');
  // every missing key is started now, so both cores generate them while certificates are signed in order
  certs.prefetchKeys(certSpecs);
  kubeconfigs.prefetchKeys(kcSpecs);
  if (certSpecs.length > 0) {
    // printed by kubeadm's parent phase, which runs for `all` (and init) but not for a single phase
    if (o.certs === 'all') o.emit({ kind: 'cert-dir', dir: o.cfg.certificatesDir });
    for (const spec of certSpecs) await inPhase(`certs/${spec.name}`, () => certs.run(spec));
  }
  if (kcSpecs.length > 0) {
    if (o.kubeconfig === 'all') o.emit({ kind: 'kubeconfig-dir', dir: o.cfg.kubeconfigDir });
    for (const spec of kcSpecs) await inPhase(`kubeconfig/${spec.phase}`, () => kubeconfigs.run(spec));
  }
}

/**
 * Runs one phase as kubeadm's workflow runner does: a failure reads "error execution phase <phase>: <error>"
 * (e.g. "error execution phase kubeconfig/admin: a kubeconfig file ... has got the wrong CA cert"), the text operators
 * search for. The external-CA checks kubeadm runs before any phase (newInitData) keep their bare wording, and so do
 * usage and lock errors. Throws what `run` threw, wrapped so (code and hint kept).
 */
async function inPhase(phase: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (hasCode(err, 'EXTERNAL_CA') || hasCode(err, 'EXTERNAL_KUBECONFIG')) throw err;
    const context = `error execution phase ${phase}`;
    if (err instanceof PkiError) throw PkiError.wrap(err, err.code, context, err.hint === undefined ? {} : { hint: err.hint });
    if (err instanceof KubeconfigError) throw KubeconfigError.wrap(err, err.code, context, err.hint === undefined ? {} : { hint: err.hint });
    throw err;
  }
}
