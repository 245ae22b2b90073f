/** Maps commander options to the ConfigFlags the config resolver understands. */
import { loadRunConfig } from '../store/config-file.js';
import type { ConfigFlags } from '../config/resolve.js';
import type { RunConfig } from '../config/types.js';
import { parseDuration } from '../lib/duration.js';
import { UsageError } from '../errors.js';
import { invalidFlag } from './usage-errors.js';
import { hostPath } from './global-flags.js';

type Opts = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function configFlags(opts: Opts): ConfigFlags {
  return {
    certDir: str(opts['certDir']),
    kubeconfigDir: str(opts['kubeconfigDir']),
    advertiseAddress: str(opts['apiserverAdvertiseAddress']),
    bindPort: typeof opts['apiserverBindPort'] === 'number' ? opts['apiserverBindPort'] : undefined,
    controlPlaneEndpoint: str(opts['controlPlaneEndpoint']),
    certExtraSans: Array.isArray(opts['apiserverCertExtraSans']) ? (opts['apiserverCertExtraSans'] as string[]) : undefined,
    serviceCidr: str(opts['serviceCidr']),
    serviceDnsDomain: str(opts['serviceDnsDomain']),
    nodeName: str(opts['nodeName']),
    encryptionAlgorithm: str(opts['encryptionAlgorithm']),
    clusterName: str(opts['clusterName']),
  };
}

/** The RunConfig of a command: its --config file (if any) under its flags. */
export function runConfigFrom(opts: Opts): RunConfig {
  const cfg = loadRunConfig(str(opts['config']), configFlags(opts));
  // flags were placed under --rootfs already; the defaults and the config file's folders are placed here
  return {
    ...cfg,
    certificatesDir: opts['certDir'] === undefined ? hostPath(cfg.certificatesDir) : cfg.certificatesDir,
    kubeconfigDir: opts['kubeconfigDir'] === undefined ? hostPath(cfg.kubeconfigDir) : cfg.kubeconfigDir,
  };
}

/** A duration flag such as --fail-within: undefined when absent, a usage error when not a duration of at least `min` ms. */
export function durationFlag(opts: Opts, key: string, flag: string, min: number): number | undefined {
  const text = str(opts[key]);
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms < min) throw invalidFlag(flag, text, 'use a duration such as 720h or 30d');
  return ms;
}

/** A duration flag in ms, `dflt` when absent; UsageError when it does not parse or is not positive. */
export function msFlag(opts: Opts, key: string, flag: string, dflt: number): number {
  const v = opts[key];
  if (v === undefined) return dflt;
  const ms = parseDuration(String(v));
  if (ms === undefined || ms <= 0) throw new UsageError(`invalid ${flag} "${String(v)}": use a duration such as 90s or 2m`);
  return ms;
}

/** A whole-number flag of at least 1 such as --keep-backups: `fallback` when absent, a usage error otherwise. */
export function positiveIntegerFlag(opts: Opts, key: string, flag: string, fallback: number): number {
  const v = opts[key];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw invalidFlag(flag, String(v), 'use a whole number of at least 1');
  return n;
}
