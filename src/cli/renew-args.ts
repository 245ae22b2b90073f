/** `certs renew <name>`: the certificates a name selects and the flags, with kubeadm's and kubecerts' refusals as usage errors. */
import { join } from 'node:path';
import type { RunConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { RENEW_NAMES } from '../pki/spec-tree.js';
import { CA_SPECS, RENEWABLE_SPECS } from '../pki/specs.js';
import type { RenewRunOptions, RenewSpec } from '../ops/renew.js';
import { DEFAULT_KEEP_BACKUPS } from '../store/backup.js';
import { hostPath } from '../store/rootfs.js';
import { durationFlag, msFlag, positiveIntegerFlag, runConfigFrom } from './config-flags.js';
import { requiresFlag, unknownCommand } from './usage-errors.js';

type Opts = Record<string, unknown>;

/** The specs `name` (a renew name or `all`) selects. Throws UsageError for a CA, kubelet.conf or an unknown name. */
export function renewSelection(name: string): readonly RenewSpec[] {
  if (name === 'all') return RENEWABLE_SPECS;
  const spec = RENEWABLE_SPECS.find((s) => s.name === name);
  if (spec) return [spec];
  if (CA_SPECS.some((c) => c.name === name)) {
    throw new UsageError(`"${name}" is a certificate authority; kubecerts, like kubeadm, does not renew CAs`, {
      hint: `a CA change re-trusts the whole cluster: rotate it with \`kubecerts ca rotate plan\` (then prepare, trust, reissue, finalize; --only ${name}), or follow https://kubernetes.io/docs/tasks/tls/manual-rotation-of-ca-certificates/`,
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

/** `certs renew`'s flags that are checked before anything touches the node. */
export interface RenewFlags {
  readonly name: string;
  /** the certificates to renew (`all` without a local etcd: no etcd certificates, as kubeadm's renewal manager) */
  readonly specs: readonly RenewSpec[];
  readonly cfg: RunConfig;
  /** -o: text, json or yaml */
  readonly format: string;
  readonly csrOnly: boolean;
  readonly dryRun: boolean;
  readonly restart: boolean;
  /** --expiring-within, ms (undefined when absent) */
  readonly expiringWithinMs: number | undefined;
  /** the --update-kubeconfig files, under --rootfs */
  readonly updates: readonly string[];
}

/**
 * Reads and checks `certs renew <name>`'s flags (`opts`, commander's parsed options), refusing combinations before
 * anything is renewed. Throws UsageError (a bad name, --csr-dir without --csr-only, --restart or
 * --update-kubeconfig with --csr-only, a bad --timeout) and what the config raises.
 */
export function renewFlags(name: string, opts: Opts): RenewFlags {
  const selected = renewSelection(name);
  const expiringWithinMs = durationFlag(opts, 'expiringWithin', '--expiring-within', 0);
  if (opts['csrDir'] !== undefined && !opts['csrOnly']) throw requiresFlag('csr-dir', 'csr-only');
  const cfg = runConfigFrom(opts);
  const [csrOnly, restart] = [opts['csrOnly'] === true, opts['restart'] === true];
  if (restart && csrOnly) throw new UsageError('--restart cannot be used with --csr-only: nothing is renewed until the CSRs are signed');
  msFlag(opts, 'timeout', '--timeout', 90_000); // a bad --timeout is refused before anything is renewed
  const updates = ((opts['updateKubeconfig'] as string[] | undefined) ?? []).map((f) => hostPath(f));
  if (updates.length > 0 && csrOnly) throw new UsageError('--update-kubeconfig cannot be used with --csr-only');
  // kubeadm's renewal manager has no etcd certificates when etcd is external: `all` does not list them
  const specs = name === 'all' && !cfg.etcdLocal ? selected.filter((s) => !s.etcd) : selected;
  return { name, specs, cfg, format: String(opts['output'] ?? 'text'), csrOnly, dryRun: opts['dryRun'] === true, restart, expiringWithinMs, updates };
}

/**
 * The renew op's options from the flags and `start` (the signing time), without its listeners: --reuse-key,
 * --csr-dir, --backup, --backup-dir (default `<kubeconfig-dir>/tmp`), --keep-backups. Throws UsageError for a bad
 * --keep-backups.
 */
export function renewRunOptions(f: RenewFlags, opts: Opts, start: Date): Omit<RenewRunOptions, 'warner' | 'notice'> {
  return {
    cfg: f.cfg, start, csrOnly: f.csrOnly, reuseKey: opts['reuseKey'] === true, expiringWithinMs: f.expiringWithinMs, dryRun: f.dryRun, specs: f.specs,
    csrDir: typeof opts['csrDir'] === 'string' ? opts['csrDir'] : undefined,
    backup: opts['backup'] !== false,
    backupRoot: typeof opts['backupDir'] === 'string' ? opts['backupDir'] : join(f.cfg.kubeconfigDir, 'tmp'),
    keepBackups: positiveIntegerFlag(opts, 'keepBackups', 'keep-backups', DEFAULT_KEEP_BACKUPS),
  };
}
