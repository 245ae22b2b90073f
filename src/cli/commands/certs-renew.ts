/** `certs renew <name|all>`: kubeadm's messages, plus lock, backup, journaled all-or-nothing commit and dry run. */
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { Warner } from '../../pki/authority.js';
import { acquireLock } from '../../pki/lock.js';
import { backupFiles, Renewer, type RenewOutcome } from '../../pki/renewal.js';
import { CA_SPECS, RENEWABLE_SPECS } from '../../pki/specs.js';
import { recoverJournal, removeOrphanTemps, Workspace } from '../../pki/workspace.js';
import { formatExpiryDate } from '../../lib/time-format.js';
import { durationFlag, runConfigFrom } from '../config-flags.js';
import { line, type Io } from '../io.js';
import { RENEW_NAMES } from '../../pki/spec-tree.js';
import { requiresFlag, unknownArgument } from '../usage-errors.js';

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
  throw unknownArgument('certificate', name, RENEW_NAMES);
}

function describeDryRun(o: RenewOutcome, backupDir: string | undefined): string {
  if (o.kind !== 'renewed' && o.kind !== 'csr') return o.message;
  const key = o.keyKept ? 'key kept' : 'new key';
  if (o.kind === 'csr') return `[dryrun] ${o.spec.name}: would write ${o.files.join(' and ')} (${key})`;
  const backup = backupDir ? `; backup to ${backupDir}` : '; no backup';
  return `[dryrun] ${o.spec.name}: would renew, NotAfter ${formatExpiryDate(o.oldNotAfter)} -> ${formatExpiryDate(o.newNotAfter)}, ${key}${backup}`;
}

const stamp = (d: Date): string => d.toISOString().replace(/[:.]/g, '-');

export default async function renew(args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const name = String(args[0]);
  const specs = selectSpecs(name);
  const expiringWithinMs = durationFlag(opts, 'expiringWithin', '--expiring-within', 0);
  if (opts['csrDir'] !== undefined && !opts['csrOnly']) throw requiresFlag('csr-dir', 'csr-only');
  const cfg = runConfigFrom(opts);
  const out = line(io.stdout);
  const dryRun = opts['dryRun'] === true;
  const csrOnly = opts['csrOnly'] === true;
  const start = io.now();
  const journal = join(cfg.certificatesDir, '.kubecerts-journal.json');
  const release = dryRun ? () => undefined : acquireLock(join(cfg.certificatesDir, '.kubecerts.lock'));
  try {
    if (!dryRun) {
      const completed = recoverJournal(journal);
      if (completed >= 0) io.stderr.write(`recovered an interrupted renewal: completed ${completed} file(s)\n`);
      removeOrphanTemps([cfg.certificatesDir, join(cfg.certificatesDir, 'etcd'), cfg.kubeconfigDir]);
    }
    const ws = new Workspace();
    const renewer = new Renewer({
      cfg, start, ws, warner: new Warner(line(io.stderr)), reuseKey: opts['reuseKey'] === true, expiringWithinMs, csrOnly,
      csrDir: typeof opts['csrDir'] === 'string' ? opts['csrDir'] : undefined,
    });
    // sign everything in memory first; nothing is written unless all of it succeeded
    const outcomes = await Promise.all(specs.map((s) => renewer.renew(s)));
    const overwritten = ws.planned().map((w) => w.path);
    const backupRoot = typeof opts['backupDir'] === 'string' ? opts['backupDir'] : join(cfg.kubeconfigDir, 'tmp');
    const backupDir = opts['backup'] !== false && !csrOnly && overwritten.length > 0 ? join(backupRoot, `kubecerts-backup-${stamp(start)}`) : undefined;
    if (dryRun) {
      for (const o of outcomes) out(describeDryRun(o, backupDir));
      out('[dryrun] Nothing was written');
      return;
    }
    if (backupDir) {
      backupFiles(overwritten, backupDir, [
        { dir: cfg.certificatesDir, as: 'pki' },
        { dir: cfg.kubeconfigDir, as: '.' },
      ]);
    }
    ws.commit(journal);
    for (const o of outcomes) out(o.message);
    if (backupDir) io.stderr.write(`backup of the replaced files: ${backupDir}\n`);
    if (name === 'all' && !csrOnly) out(`\n${RESTART}`);
  } finally {
    release();
  }
}
