/** Reads the kubeadm config file and the host facts that kubeadm auto-detects. */
import { inRoot } from './rootfs.js';
import { readRegularFile } from './node-host.js';
import { hostname, networkInterfaces } from 'node:os';
import { ConfigError, describe } from '../errors.js';
import { parseConfigDocuments, resolveConfig, type ConfigDocuments, type ConfigFlags, type HostFacts } from '../config/resolve.js';
import { formatDuration } from '../lib/duration.js';
import { DEFAULTS, type RunConfig } from '../config/types.js';
import { decodeUtf8 } from '../lib/utf8.js';

const MAX_CONFIG_BYTES = 1 << 20;

export function readHostFacts(): HostFacts {
  let defaultAddress = '127.0.0.1';
  const candidates = Object.values(networkInterfaces()).flat();
  const v4 = candidates.find((a) => a && !a.internal && a.family === 'IPv4');
  const v6 = candidates.find((a) => a && !a.internal && a.family === 'IPv6' && !a.address.startsWith('fe80'));
  if (v4) defaultAddress = v4.address;
  else if (v6) defaultAddress = v6.address;
  return { hostname: hostname(), defaultAddress };
}

function readBounded(real: string, path: string): Buffer {
  try {
    return readRegularFile(real, MAX_CONFIG_BYTES);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EFBIG') throw new ConfigError('CONFIG_SIZE', `config file "${path}" is larger than 1 MiB`);
    throw err;
  }
}

export function readConfigDocuments(path: string): ConfigDocuments {
  let text: string;
  try {
    // non-blocking open and fstat first: a FIFO or device named as the config is refused, never waited on
    const buf = readBounded(inRoot(path), path);
    text = decodeUtf8(buf, (why) => new ConfigError('CONFIG_ENCODING', `unable to read config from "${path}": ${why}`));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError('CONFIG_READ', `unable to read config from "${path}": ${describe(err)}`);
  }
  return parseConfigDocuments(text, path);
}

/**
 * kubeadm's ValidateCertValidity (cmd/kubeadm/app/apis/kubeadm/validation): a warning for each validity period
 * in the file that is longer than kubeadm's default. Pure.
 */
export function validityWarnings(cfg: RunConfig): string[] {
  const out: string[] = [];
  if (cfg.certificateValidityMs > DEFAULTS.certificateValidityMs) {
    out.push(`WARNING: certificateValidityPeriod: the value ${formatDuration(cfg.certificateValidityMs)} is more than the recommended default for certificate expiration: ${formatDuration(DEFAULTS.certificateValidityMs)}`);
  }
  if (cfg.caCertificateValidityMs > DEFAULTS.caCertificateValidityMs) {
    out.push(`WARNING: caCertificateValidityPeriod: the value ${formatDuration(cfg.caCertificateValidityMs)} is more than the recommended default for CA certificate expiration: ${formatDuration(DEFAULTS.caCertificateValidityMs)}`);
  }
  return out;
}

/**
 * The RunConfig of this run: the config file (if any) under the flags. kubeadm's warnings about the file
 * (unknown fields, long validity periods) go to `warn`, one line each.
 */
export function loadRunConfig(
  configPath: string | undefined,
  flags: ConfigFlags,
  warn: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): RunConfig {
  const docs = configPath ? readConfigDocuments(configPath) : {};
  const cfg = resolveConfig(docs, flags, readHostFacts(), configPath);
  for (const w of [...(docs.warnings ?? []), ...(configPath ? validityWarnings(cfg) : [])]) warn(w);
  return cfg;
}
