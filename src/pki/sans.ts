/** Subject alternative names kubeadm puts in the apiserver and etcd certificates (spec §1.3). Pure. */
import type { RunConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { canonicalIp, cidrAddress, isDnsSubdomain, LABEL, splitHostPort } from '../lib/net.js';
import type { SanRule } from './specs.js';

export interface AltNames {
  readonly dns: readonly string[];
  readonly ips: readonly string[];
}

const WILDCARD = new RegExp(`^\\*\\.${LABEL}(\\.${LABEL})*$`);

/** Sorted, de-duplicated DNS names and first-seen-order de-duplicated IPs: how kubeadm signs them. */
export function normalizeAltNames(alt: AltNames): AltNames {
  const dns = [...new Set(alt.dns)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ips: string[] = [];
  for (const ip of alt.ips) {
    const c = canonicalIp(ip) ?? ip;
    if (!ips.includes(c)) ips.push(c);
  }
  return { dns, ips };
}

export interface SanWarning {
  readonly kind: 'san-skipped';
  readonly san: string;
  readonly certName: string;
}


export function computeAltNames(rule: SanRule, cfg: RunConfig, warn: (w: SanWarning) => void): AltNames {
  const advertise = canonicalIp(cfg.advertiseAddress);
  if (!advertise) {
    throw new ConfigError(
      'BAD_ADDRESS',
      `error parsing LocalAPIEndpoint AdvertiseAddress ${cfg.advertiseAddress}: is not a valid textual representation of an IP address`,
    );
  }
  const dns: string[] = [];
  const ips: string[] = [];
  const addExtra = (extras: readonly string[], certName: string): void => {
    for (const san of extras) {
      const ip = canonicalIp(san);
      if (ip) ips.push(ip);
      else if (isDnsSubdomain(san) || WILDCARD.test(san)) dns.push(san);
      else warn({ kind: 'san-skipped', san, certName });
    }
  };
  if (rule === 'apiserver') {
    const firstCidr = cfg.serviceSubnet.split(',')[0] ?? '';
    const vip = cidrAddress(firstCidr, 1);
    if (!vip) {
      throw new ConfigError('BAD_CIDR', `unable to get internal Kubernetes Service IP from the given service CIDR (${cfg.serviceSubnet})`);
    }
    dns.push(cfg.nodeName, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${cfg.dnsDomain}`);
    ips.push(vip, advertise);
    if (cfg.controlPlaneEndpoint) {
      const { host } = splitHostPort(cfg.controlPlaneEndpoint);
      const ip = canonicalIp(host);
      if (ip) ips.push(ip);
      else if (host && isDnsSubdomain(host)) dns.push(host);
      else throw new ConfigError('BAD_ENDPOINT', `error parsing cluster controlPlaneEndpoint "${cfg.controlPlaneEndpoint}"`);
    }
    addExtra(cfg.apiServerCertSANs, 'apiserver.crt');
  } else {
    dns.push(cfg.nodeName, 'localhost');
    ips.push(advertise, '127.0.0.1', '::1');
    if (cfg.etcdLocal) {
      if (rule === 'etcd-server') addExtra(cfg.etcdLocal.serverCertSANs, 'etcd/server.crt');
      else addExtra(cfg.etcdLocal.peerCertSANs, 'etcd/peer.crt');
    }
  }
  return normalizeAltNames({ dns, ips });
}
