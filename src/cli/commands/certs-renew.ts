/** `certs renew <name|all>`: kubeadm's messages, plus lock, backup, journaled all-or-nothing commit and dry run. */
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { Warner } from '../../ops/external-ca.js';
import { DEFAULT_KEEP_BACKUPS } from '../../store/backup.js';
import { renewCertificates } from '../../ops/renew.js';
import { CA_SPECS, RENEWABLE_SPECS } from '../../pki/specs.js';
import { durationFlag, positiveIntegerFlag, runConfigFrom } from '../config-flags.js';
import { dryRunLine, RESTART_NOTICE } from '../../output/renew-text.js';
import { line, type Io } from '../io.js';
import { RENEW_NAMES } from '../../pki/spec-tree.js';
import { requiresFlag, unknownCommand } from '../usage-errors.js';

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
  throw unknownCommand(name, 'kubecerts certs renew', RENEW_NAMES);
}

export default async function renew(args: unknown[], opts: Record<string, unknown>, io: Io): Promise<void> {
  const name = String(args[0]);
  const selected = selectSpecs(name);
  const expiringWithinMs = durationFlag(opts, 'expiringWithin', '--expiring-within', 0);
  if (opts['csrDir'] !== undefined && !opts['csrOnly']) throw requiresFlag('csr-dir', 'csr-only');
  const cfg = runConfigFrom(opts);
  const out = line(io.stdout);
  const csrOnly = opts['csrOnly'] === true;
  const r = await renewCertificates({
    cfg, start: io.now(), csrOnly, reuseKey: opts['reuseKey'] === true, expiringWithinMs, dryRun: opts['dryRun'] === true,
    // kubeadm's renewal manager has no etcd certificates when etcd is external: `all` does not list them
    specs: name === 'all' && !cfg.etcdLocal ? selected.filter((s) => !s.etcd) : selected,
    csrDir: typeof opts['csrDir'] === 'string' ? opts['csrDir'] : undefined,
    backup: opts['backup'] !== false,
    backupRoot: typeof opts['backupDir'] === 'string' ? opts['backupDir'] : join(cfg.kubeconfigDir, 'tmp'),
    keepBackups: positiveIntegerFlag(opts, 'keepBackups', 'keep-backups', DEFAULT_KEEP_BACKUPS), warner: new Warner(line(io.stderr)), notice: line(io.stderr),
  });
  if (!r.written) {
    for (const w of r.integrityWarnings) out(`[dryrun] ${w}`);
    for (const o of r.outcomes) out(dryRunLine(o, r.backupDir));
    out('[dryrun] Nothing was written');
    return;
  }
  for (const o of r.outcomes) out(o.message);
  if (r.backupDir) io.stderr.write(`backup of the replaced files: ${r.backupDir}\n`);
  if (name === 'all' && !csrOnly) out(`\n${RESTART_NOTICE}`);
}
