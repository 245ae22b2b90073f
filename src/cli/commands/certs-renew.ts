/** `certs renew <name|all>`: kubeadm's messages, plus lock, backup, journaled all-or-nothing commit and dry run. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { Warner } from '../../pki/authority.js';
import { backupFiles, backupFolderName, DEFAULT_KEEP_BACKUPS, pruneBackups } from '../../pki/backup.js';
import { checkIntegrity, integrityWarnings } from '../../pki/integrity.js';
import { pkiJournal } from '../../pki/journal.js';
import { Renewer, type RenewOutcome } from '../../pki/renewal.js';
import { CA_SPECS, RENEWABLE_SPECS } from '../../pki/specs.js';
import { Workspace } from '../../pki/workspace.js';
import { beginWrite } from '../../pki/write-session.js';
import { formatExpiryDate } from '../../output/time-format.js';
import { durationFlag, runConfigFrom } from '../config-flags.js';
import { line, type Io } from '../io.js';
import { RENEW_NAMES } from '../program.js';

const RESTART =
  'Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.';

function selectSpecs(name: string) {
  if (name === 'all') return RENEWABLE_SPECS;
  const spec = RENEWABLE_SPECS.find((s) => s.name === name);
  if (spec) return [spec];
  if (CA_SPECS.some((c) => c.name === name)) {
    throw new UsageError(`"${name}" is a certificate authority; kubecerts, like kubeadm, does not renew CAs`, {
      hint: 'a CA change re-trusts the whole cluster: follow https://kubernetes.io/docs/tasks/tls/manual-rotation-of-ca-certificates/',
    });
  }
  if (name === 'kubelet.conf') {
    throw new UsageError('kubelet.conf is not renewed: the kubelet rotates its own client certificate (/var/lib/kubelet/pki/kubelet-client-current.pem)', {
      hint: 'if it has expired, see https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/#kubelet-client-cert',
    });
  }
  // kubeadm has one subcommand per certificate, so cobra reports an unknown name as an unknown command
  throw new UsageError(`unknown command "${name}" for "kubecerts certs renew"`, { hint: `valid names: ${RENEW_NAMES.join(', ')}` });
}

function describeDryRun(o: RenewOutcome, backupDir: string | undefined): string {
  if (o.kind !== 'renewed' && o.kind !== 'csr') return o.message;
  const key = o.keyKept ? 'key kept' : 'new key';
  if (o.kind === 'csr') return `[dryrun] ${o.spec.name}: would write ${o.files.join(' and ')} (${key})`;
  const backup = backupDir ? `; backup to ${backupDir}` : '; no backup';
  return `[dryrun] ${o.spec.name}: would renew, NotAfter ${formatExpiryDate(o.oldNotAfter)} -> ${formatExpiryDate(o.newNotAfter)}, ${key}${backup}`;
}

/** A fresh folder name for --csr-only without --csr-dir: time and a random suffix, so nobody can plant it first. */
const csrFolderName = (start: Date): string => `kubecerts-csr-${start.toISOString().replace(/[:.]/g, '-')}-${randomBytes(8).toString('hex')}`;

/** --keep-backups: how many backup folders to keep (the newest, this run's included); at least 1. */
function keepBackups(opts: Record<string, unknown>): number {
  const v = opts['keepBackups'];
  if (v === undefined) return DEFAULT_KEEP_BACKUPS;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`invalid --keep-backups "${String(v)}": use a whole number of at least 1`);
  return n;
}

export default async function renew(args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const name = String(args[0]);
  const selected = selectSpecs(name);
  const expiringWithinMs = durationFlag(opts, 'expiringWithin', '--expiring-within', 0);
  if (opts['csrDir'] !== undefined && !opts['csrOnly']) throw new UsageError('--csr-dir needs --csr-only');
  const cfg = runConfigFrom(opts);
  // kubeadm's renewal manager has no etcd certificates when etcd is external: `all` does not list them
  const specs = name === 'all' && !cfg.etcdLocal ? selected.filter((s) => !s.etcd) : selected;
  const out = line(io.stdout);
  const dryRun = opts['dryRun'] === true;
  const csrOnly = opts['csrOnly'] === true;
  const start = io.now();
  const keep = keepBackups(opts);
  const journal = pkiJournal(cfg.certificatesDir, cfg.kubeconfigDir);
  const release = dryRun
    ? () => undefined
    : beginWrite({ lockDir: cfg.certificatesDir, journal, tempDirs: journal.roots, what: 'renewal', notice: line(io.stderr) });
  try {
    // a dry run does not complete an interrupted renewal, so it says what it found instead
    if (dryRun) for (const w of integrityWarnings(checkIntegrity(cfg))) out(`[dryrun] ${w}`);
    const ws = new Workspace();
    const renewer = new Renewer({
      cfg, start, ws, warner: new Warner(line(io.stderr)), reuseKey: opts['reuseKey'] === true, expiringWithinMs, csrOnly,
      // the default is a fresh folder, so a CSR run can never collide with (or replace) a live key
      csrDir: typeof opts['csrDir'] === 'string' ? opts['csrDir'] : join(cfg.kubeconfigDir, 'tmp', csrFolderName(start)),
    });
    // sign everything in memory first; nothing is written unless all of it succeeded
    const outcomes = await Promise.all(specs.map((s) => renewer.renew(s)));
    const overwritten = ws.planned().map((w) => w.path);
    const backupRoot = typeof opts['backupDir'] === 'string' ? opts['backupDir'] : join(cfg.kubeconfigDir, 'tmp');
    const backupFolder = opts['backup'] !== false && !csrOnly && overwritten.length > 0 ? backupFolderName(start) : undefined;
    let backupDir = backupFolder === undefined ? undefined : join(backupRoot, backupFolder);
    if (dryRun) {
      for (const o of outcomes) out(describeDryRun(o, backupDir));
      out('[dryrun] Nothing was written');
      return;
    }
    if (backupFolder) {
      backupDir = backupFiles(overwritten, backupRoot, backupFolder, [
        { dir: cfg.certificatesDir, as: 'pki' },
        { dir: cfg.kubeconfigDir, as: '.' },
      ]);
    }
    ws.commit(journal);
    if (backupFolder) pruneBackups(backupRoot, keep);
    for (const o of outcomes) out(o.message);
    if (backupDir) io.stderr.write(`backup of the replaced files: ${backupDir}\n`);
    if (name === 'all' && !csrOnly) out(`\n${RESTART}`);
  } finally {
    release();
  }
}
