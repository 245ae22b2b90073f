/** Reads the kubeadm config file and the host facts that kubeadm auto-detects. */
import { readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { ConfigError, describe } from '../errors.js';
import { parseConfigDocuments, resolveConfig, type ConfigDocuments, type ConfigFlags, type HostFacts } from './resolve.js';
import type { RunConfig } from './types.js';
import { decodeUtf8 } from '../utf8.js';

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

export function readConfigDocuments(path: string): ConfigDocuments {
  let text: string;
  try {
    const buf = readFileSync(path);
    if (buf.length > MAX_CONFIG_BYTES) throw new ConfigError('CONFIG_SIZE', `config file "${path}" is larger than 1 MiB`);
    text = decodeUtf8(buf, (why) => new ConfigError('CONFIG_ENCODING', `unable to read config from "${path}": ${why}`));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError('CONFIG_READ', `unable to read config from "${path}": ${describe(err)}`);
  }
  return parseConfigDocuments(text, path);
}

/** The RunConfig of this run: the config file (if any) under the flags. */
export function loadRunConfig(configPath: string | undefined, flags: ConfigFlags): RunConfig {
  const docs = configPath ? readConfigDocuments(configPath) : {};
  return resolveConfig(docs, flags, readHostFacts(), configPath);
}
