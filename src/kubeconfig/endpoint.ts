/** API server URLs for kubeconfigs (spec §2.1). Pure. */
import type { RunConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { canonicalIp, isDnsSubdomain, joinHostPort, splitHostPort } from '../lib/net.js';

export function localEndpoint(cfg: RunConfig): string {
  const ip = canonicalIp(cfg.advertiseAddress);
  if (!ip) {
    throw new ConfigError(
      'BAD_ADDRESS',
      `error parsing LocalAPIEndpoint AdvertiseAddress ${cfg.advertiseAddress}: is not a valid textual representation of an IP address`,
    );
  }
  return `https://${joinHostPort(ip, cfg.bindPort)}`;
}

/** kubeadm's warning when controlPlaneEndpoint names a port other than bindPort. */
export interface EndpointPortWarning {
  readonly kind: 'endpoint-port';
}

/** The API server URL for controlPlaneEndpoint (else the local endpoint); `warn` hears when its port overrides bindPort. */
export function controlPlaneEndpoint(cfg: RunConfig, warn: (w: EndpointPortWarning) => void): string {
  if (!cfg.controlPlaneEndpoint) return localEndpoint(cfg);
  const { host, port } = splitHostPort(cfg.controlPlaneEndpoint);
  if (!host || (!canonicalIp(host) && !isDnsSubdomain(host))) {
    throw new ConfigError('BAD_ENDPOINT', `error parsing cluster controlPlaneEndpoint "${cfg.controlPlaneEndpoint}"`);
  }
  let p = cfg.bindPort;
  if (port !== undefined) {
    p = Number(port);
    if (!/^\d+$/.test(port) || p < 1 || p > 65535) {
      throw new ConfigError('BAD_ENDPOINT', `error parsing cluster controlPlaneEndpoint "${cfg.controlPlaneEndpoint}": invalid port ${port}`);
    }
    if (p !== cfg.bindPort) warn({ kind: 'endpoint-port' });
  }
  return `https://${joinHostPort(canonicalIp(host) ?? host, p)}`;
}
