import { describe, expect, it } from 'vitest';
import { CERT_PHASES, KUBECONFIG_PHASES, RENEW_NAMES } from './spec-tree.js';
import { ALL_SPECS, CA_SPECS, KUBECONFIG_SPECS, LEAF_SPECS, PKI_SPECS, RENEWABLE_SPECS, type Spec } from './specs.js';

const storageOf = (s: Spec): string => (s.kind === 'kubeconfig' ? `kubeconfig:${s.fileName}` : `pki:${s.baseName}`);

describe('the spec table', () => {
  it('has unique names and unique storage paths', () => {
    expect(new Set(ALL_SPECS.map((s) => s.name)).size).toBe(ALL_SPECS.length);
    expect(new Set(ALL_SPECS.map(storageOf)).size).toBe(ALL_SPECS.length);
  });

  it('names an existing CA as the parent of every leaf and kubeconfig, and lists each CA before its leaves', () => {
    for (const s of [...LEAF_SPECS, ...KUBECONFIG_SPECS]) {
      const ca = CA_SPECS.find((c) => c.name === s.ca);
      expect(ca, s.name).toBeDefined();
      if (s.kind === 'leaf') expect(PKI_SPECS.indexOf(ca!)).toBeLessThan(PKI_SPECS.indexOf(s));
    }
  });

  it('has kubeconfigs signed by the root CA only', () => {
    expect(KUBECONFIG_SPECS.every((k) => k.ca === 'ca')).toBe(true);
  });

  it('has kubeadm counts: 3 CAs, 7 leaves, sa, 5 kubeconfigs; 11 renewable names sorted byte-wise', () => {
    expect(CA_SPECS).toHaveLength(3);
    expect(LEAF_SPECS).toHaveLength(7);
    expect(PKI_SPECS.filter((s) => s.kind === 'keypair').map((s) => s.name)).toEqual(['sa']);
    expect(KUBECONFIG_SPECS).toHaveLength(5);
    expect(RENEWABLE_SPECS.map((s) => s.name)).toEqual([
      'admin.conf', 'apiserver', 'apiserver-etcd-client', 'apiserver-kubelet-client', 'controller-manager.conf',
      'etcd-healthcheck-client', 'etcd-peer', 'etcd-server', 'front-proxy-client', 'scheduler.conf', 'super-admin.conf',
    ]);
  });

  it('keeps init phase order: ca, apiserver, apiserver-kubelet-client, front-proxy-ca, ... sa', () => {
    expect(PKI_SPECS.map((s) => s.name)).toEqual([
      'ca', 'apiserver', 'apiserver-kubelet-client', 'front-proxy-ca', 'front-proxy-client', 'etcd-ca', 'etcd-server',
      'etcd-peer', 'etcd-healthcheck-client', 'apiserver-etcd-client', 'sa',
    ]);
  });

  it('is frozen all the way down: every list, record and nested array', () => {
    const unfrozen: string[] = [];
    const walk = (v: unknown, at: string): void => {
      if (v === null || typeof v !== 'object') return;
      if (!Object.isFrozen(v)) unfrozen.push(at);
      for (const [k, child] of Object.entries(v)) walk(child, `${at}.${k}`);
    };
    const lists = { PKI_SPECS, KUBECONFIG_SPECS, ALL_SPECS, CA_SPECS, LEAF_SPECS, RENEWABLE_SPECS, RENEW_NAMES, CERT_PHASES, KUBECONFIG_PHASES };
    for (const [name, list] of Object.entries(lists)) walk(list, name);
    expect(unfrozen).toEqual([]);
    // and a write fails loudly (ES modules are strict mode)
    const leaf = LEAF_SPECS[1] as unknown as { orgs: string[]; usages: string[] };
    expect(() => leaf.orgs.push('system:masters')).toThrow(TypeError);
    expect(() => (leaf.usages as string[]).splice(0, 1)).toThrow(TypeError);
    expect(() => Object.assign(CA_SPECS[0] as object, { cn: 'evil' })).toThrow(TypeError);
  });

  it('derives the renew names and the init phase choices from the table', () => {
    expect(RENEW_NAMES).toEqual(['all', ...RENEWABLE_SPECS.map((s) => s.name)]);
    expect(CERT_PHASES).toEqual(['all', ...PKI_SPECS.map((s) => s.name)]);
    expect(KUBECONFIG_PHASES).toEqual(['all', 'admin', 'super-admin', 'kubelet', 'controller-manager', 'scheduler']);
  });
});
