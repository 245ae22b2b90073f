/** Shared body of `init`, `init phase certs` and `init phase kubeconfig`. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hasCode, KubeconfigError, PkiError, UsageError } from '../../errors.js';
import { Warner } from '../../ops/external-ca.js';
import { backupFiles, backupFolderName, DEFAULT_KEEP_BACKUPS, pruneBackups } from '../../store/backup.js';
import { CertPhases, KubeconfigPhases } from '../../ops/init.js';
import { KUBECONFIG_SPECS, PKI_SPECS } from '../../pki/specs.js';
import type { RunConfig } from '../../config/types.js';
import { pkiJournal, type JournalPlace } from '../../store/journal.js';
import { Workspace } from '../../store/workspace.js';
import { beginWrite } from '../../store/write-session.js';
import { runConfigFrom } from '../config-flags.js';
import { line, type Io } from '../io.js';
import { realNodeHost } from '../../store/node-host.js';
import { recoverNodeIfPresent } from './node-common.js';

export interface InitSelection {
  readonly certs?: string;
  readonly kubeconfig?: string;
}

/**
 * The kubeadm flags of init and its phases that kubeadm's ValidateMixedArguments refuses next to --config
 * (cmd/kubeadm/app/apis/kubeadm/validation): commander's option key → flag name. --node-name, --kubeconfig-dir,
 * --dry-run and --rootfs may be mixed; kubecerts' own flags (--encryption-algorithm, --reissue) too.
 */
const NOT_WITH_CONFIG: readonly (readonly [string, string])[] = [
  ['apiserverAdvertiseAddress', 'apiserver-advertise-address'],
  ['apiserverBindPort', 'apiserver-bind-port'],
  ['apiserverCertExtraSans', 'apiserver-cert-extra-sans'],
  ['certDir', 'cert-dir'],
  ['controlPlaneEndpoint', 'control-plane-endpoint'],
  ['kubernetesVersion', 'kubernetes-version'],
  ['serviceCidr', 'service-cidr'],
  ['serviceDnsDomain', 'service-dns-domain'],
];

/** kubeadm's ValidateMixedArguments: `can not mix '--config' with arguments [cert-dir service-cidr]` (names sorted, as pflag visits them). */
function validateMixedArguments(opts: Record<string, unknown>): void {
  if (opts['config'] === undefined) return;
  const mixed = NOT_WITH_CONFIG.filter(([key]) => opts[key] !== undefined).map(([, flag]) => flag);
  if (mixed.length > 0) throw new UsageError(`can not mix '--config' with arguments [${mixed.join(' ')}]`, { hint: 'put these settings into the config file' });
}

export async function runInit(selection: InitSelection, opts: Record<string, unknown>, io: Io): Promise<void> {
  validateMixedArguments(opts);
  const cfg = runConfigFrom(opts);
  // an init killed in its renames is completed before anything is read, so the re-run sees the finished PKI
  const journal = pkiJournal(cfg.certificatesDir, cfg.kubeconfigDir);
  // a manifest an interrupted control-plane restart left out (default manifests folder) goes back first
  if (!opts['dryRun']) recoverNodeIfPresent(realNodeHost(), opts, io);
  const release = opts['dryRun']
    ? () => undefined
    : beginWrite({ lockDir: cfg.certificatesDir, journal, tempDirs: journal.roots, what: 'init', notice: line(io.stderr), lockDirMode: 0o755 });
  try {
    await initPhases(cfg, selection, opts, io, journal);
  } finally {
    release();
  }
}

async function initPhases(cfg: RunConfig, selection: InitSelection, opts: Record<string, unknown>, io: Io, journal: JournalPlace): Promise<void> {
  const out = line(io.stdout);
  const ctx = { cfg, start: io.now(), ws: new Workspace(), out, warner: new Warner(line(io.stderr)), reissue: opts['reissue'] === true };
  const certs = new CertPhases(ctx);
  const kubeconfigs = new KubeconfigPhases(ctx);
  const certSpecs = selection.certs ? PKI_SPECS.filter((s) => selection.certs === 'all' || s.name === selection.certs) : [];
  const kcSpecs = selection.kubeconfig
    ? KUBECONFIG_SPECS.filter((s) => selection.kubeconfig === 'all' || s.phase === selection.kubeconfig)
    : [];
  // kubeadm's newInitData, before `init` and every `init phase`: the keyless CAs' leaves must load and chain, and in
  // external-CA mode all five kubeconfigs must exist and match, before anything is printed
  if (certs.checkExternalCa('ca')) kubeconfigs.validateForExternalCa(KUBECONFIG_SPECS);
  certs.checkExternalCa('front-proxy-ca');
  // every missing key is started now, so both cores generate them while certificates are signed in order
  certs.prefetchKeys(certSpecs);
  kubeconfigs.prefetchKeys(kcSpecs);
  if (certSpecs.length > 0) {
    // printed by kubeadm's parent phase, which runs for `all` (and init) but not for a single phase
    if (selection.certs === 'all') out(`[certs] Using certificateDir folder "${cfg.certificatesDir}"`);
    for (const spec of certSpecs) await inPhase(`certs/${spec.name}`, () => certs.run(spec));
  }
  if (kcSpecs.length > 0) {
    if (selection.kubeconfig === 'all') out(`[kubeconfig] Using kubeconfig folder "${cfg.kubeconfigDir}"`);
    for (const spec of kcSpecs) await inPhase(`kubeconfig/${spec.phase}`, () => kubeconfigs.run(spec));
  }
  if (opts['dryRun']) {
    for (const w of ctx.ws.planned()) out(`[dryrun] Would write file "${w.path}" with mode ${w.mode.toString(8).padStart(4, '0')}`);
    out('[dryrun] Nothing was written');
    return;
  }
  // only --reissue replaces existing files: keep copies of them first, as renew does
  const replaced = ctx.ws.planned().map((w) => w.path).filter((p) => existsSync(p));
  if (replaced.length > 0) {
    // <cert-dir>/../tmp: /etc/kubernetes/tmp by default, where renew and kubeadm keep their backups too
    const root = join(dirname(cfg.certificatesDir), 'tmp');
    const backupDir = backupFiles(replaced, root, backupFolderName(ctx.start), [{ dir: cfg.certificatesDir, as: 'pki' }, { dir: cfg.kubeconfigDir, as: '.' }]);
    pruneBackups(root, DEFAULT_KEEP_BACKUPS);
    io.stderr.write(`backup of the replaced files: ${backupDir}\n`);
  }
  await ctx.ws.commit(journal);
}

/**
 * Runs one phase as kubeadm's workflow runner does: a failure reads "error execution phase <phase>: <error>"
 * (e.g. "error execution phase kubeconfig/admin: a kubeconfig file ... has got the wrong CA cert"), the text operators
 * search for. The external-CA checks kubeadm runs before any phase (newInitData) keep their bare wording, and so do
 * usage and lock errors.
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
