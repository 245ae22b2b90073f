/** `ca rotate <phase>`'s flags as the run's typed options (ops/rotate-ca/run.ts). */
import { UsageError } from '../errors.js';
import { parseDuration } from '../lib/duration.js';
import type { CommandFlag } from '../lib/command-line.js';
import { ROTATE_PHASES, type RotatePhase, type RotateRunOptions } from '../ops/rotate-ca/run.js';
import { TARGETS, type Target } from '../store/rotation-state.js';
import { msFlag, pathOption, type Opts } from './commands/node-common.js';

/** kubeadm's CA lifetime (10 years) and leaf lifetime (1 year), ms. */
const CA_VALIDITY_MS = 87600 * 3_600_000;
const LEAF_VALIDITY_MS = 8760 * 3_600_000;

function onlyOf(opts: Opts): Target[] | undefined {
  const v = opts['only'] as string[] | undefined;
  if (!v) return undefined;
  if (v.length === 0) throw new UsageError(`invalid --only "": use ${TARGETS.join(', ')}`);
  const bad = v.find((t) => !(TARGETS as readonly string[]).includes(t));
  if (bad) throw new UsageError(`invalid --only "${bad}": use ${TARGETS.join(', ')}`);
  return v as Target[];
}

/** --sa-grace in ms (default 24 h); 0 is allowed and says so explicitly. */
function saGraceOf(opts: Opts): number {
  if (opts['saGrace'] === undefined) return 86_400_000;
  const ms = parseDuration(String(opts['saGrace']));
  if (ms === undefined || ms < 0) throw new UsageError(`invalid --sa-grace "${String(opts['saGrace'])}"`);
  return ms;
}

/** An https:// URL given to a probe flag. */
function endpointOf(v: string, flag: string): string {
  if (!/^https:\/\/[^/\s]+\/?$/.test(v)) throw new UsageError(`invalid ${flag} "${v}": give https://host:port`);
  return v;
}

const LOCATION_FLAGS = [['certDir', '--cert-dir'], ['kubeconfigDir', '--kubeconfig-dir'], ['stateDir', '--state-dir'], ['manifestsDir', '--manifests-dir'], ['kubeletDir', '--kubelet-dir'], ['apiserverEndpoint', '--apiserver-endpoint'], ['kubeletEndpoint', '--kubelet-endpoint']] as const;

/**
 * The location flags of this run that differ from the defaults (--cert-dir, --kubeconfig-dir, --state-dir,
 * --manifests-dir, --kubelet-dir, --apiserver-endpoint, --kubelet-endpoint, --etcd-endpoints), as they go on a
 * printed command line (lib/command-line.ts), in that order.
 */
export function locationFlags(opts: Opts): CommandFlag[] {
  const out: CommandFlag[] = [];
  for (const [key, flag] of LOCATION_FLAGS) if (typeof opts[key] === 'string') out.push([flag, opts[key] as string]);
  if (Array.isArray(opts['etcdEndpoints'])) out.push(['--etcd-endpoints', (opts['etcdEndpoints'] as string[]).join(',')]);
  return out;
}

/**
 * `ca rotate`'s phase (`args[0]`) and commander's options (`opts`, --rootfs already applied to given paths) → the
 * run's options; `env` gives $KUBECERTS_ARCHIVE_KEY. Throws UsageError, in this order, for: --ca-validity-period
 * not a positive duration, an --only target not in TARGETS, --only after prepare, --export/--import without
 * prepare, --cross-sign without prepare or with --import, --probe-timeout not a positive duration, --sa-grace
 * negative or unparsable, --apiserver-endpoint/--kubelet-endpoint not https://host:port, an unknown phase.
 * --timeout is read when a restart runs (cli), as before.
 */
export function caRotateOptions(args: readonly unknown[], opts: Opts, env: Readonly<Record<string, string | undefined>>): RotateRunOptions {
  const phase = String(args[0]);
  const paths = {
    certDir: pathOption(opts, 'certDir', '/etc/kubernetes/pki'),
    kubeconfigDir: pathOption(opts, 'kubeconfigDir', '/etc/kubernetes'),
    stateDir: pathOption(opts, 'stateDir', '/var/lib/kubecerts'),
    manifestsDir: pathOption(opts, 'manifestsDir', '/etc/kubernetes/manifests'),
    kubeletDir: pathOption(opts, 'kubeletDir', '/var/lib/kubelet/pki'),
  };
  const caValidity = opts['caValidityPeriod'] === undefined ? CA_VALIDITY_MS : parseDuration(String(opts['caValidityPeriod']));
  if (caValidity === undefined || caValidity <= 0) throw new UsageError(`invalid --ca-validity-period "${String(opts['caValidityPeriod'])}"`);
  const only = onlyOf(opts);
  if (only && !['plan', 'prepare', 'status'].includes(phase)) throw new UsageError('--only is chosen at prepare; later phases follow the rotation plan');
  if ((opts['export'] || opts['import']) && phase !== 'prepare') throw new UsageError('--export and --import go with prepare');
  if (opts['crossSign'] === true && (phase !== 'prepare' || opts['import'])) throw new UsageError('--cross-sign goes with prepare (an imported archive brings its cross certificates)');
  const probeTimeoutMs = msFlag(opts, 'probeTimeout', '--probe-timeout', 3000);
  const saGraceMs = saGraceOf(opts);
  const apiserverEndpoint = typeof opts['apiserverEndpoint'] === 'string' ? endpointOf(opts['apiserverEndpoint'], '--apiserver-endpoint') : undefined;
  const kubeletEndpoint = typeof opts['kubeletEndpoint'] === 'string' ? endpointOf(opts['kubeletEndpoint'], '--kubelet-endpoint') : undefined;
  if (!(ROTATE_PHASES as readonly string[]).includes(phase)) throw new UsageError(`unknown phase "${phase}"`);
  const archiveKey = typeof opts['archiveKey'] === 'string' ? opts['archiveKey'] : env['KUBECERTS_ARCHIVE_KEY'];
  const str = (key: string): string | undefined => (typeof opts[key] === 'string' ? (opts[key] as string) : undefined);
  const inCluster = str('inCluster');
  return {
    phase: phase as RotatePhase, paths, dryRun: opts['dryRun'] === true, ...(only ? { only } : {}), caValidityMs: caValidity, leafValidityMs: LEAF_VALIDITY_MS,
    cmdFlags: locationFlags(opts),
    ...(Array.isArray(opts['etcdEndpoints']) ? { etcdEndpoints: opts['etcdEndpoints'] as string[] } : {}),
    probeTimeoutMs, saGraceMs,
    ...(opts['crossSign'] === true ? { crossSign: true } : {}),
    ...(opts['force'] === true ? { force: true } : {}),
    ...(apiserverEndpoint !== undefined ? { apiserverEndpoint } : {}),
    ...(kubeletEndpoint !== undefined ? { kubeletEndpoint } : {}),
    ...(str('import') !== undefined ? { importArchive: str('import') as string } : {}),
    ...(str('export') !== undefined ? { exportArchive: str('export') as string } : {}),
    ...(archiveKey !== undefined ? { archiveKey } : {}),
    restart: opts['restart'] === true,
    ...(inCluster === 'print' || inCluster === 'apply' ? { inCluster } : {}),
    manifestsFlags: typeof opts['manifestsDir'] === 'string' ? [['--manifests-dir', paths.manifestsDir]] : [],
    holdingFlags: typeof opts['holdingDir'] === 'string' ? [['--holding-dir', opts['holdingDir']]] : [],
  };
}
