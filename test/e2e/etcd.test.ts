/** A real etcd accepts the etcd certificates kubecerts writes, before and after `renew all`. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initPki, runCli } from '../helpers/cli.js';
import { etcdHealth, startEtcd, type RunningEtcd } from '../helpers/etcd.js';
import { tempDir } from '../helpers/tmp.js';

describe.each(['RSA-2048', 'ECDSA-P256'])('etcd with a %s PKI from kubecerts init', (algorithm) => {
  let dir = '';
  let certDir = '';
  let etcd: RunningEtcd | undefined;
  beforeAll(async () => {
    dir = tempDir();
    ({ certDir } = await initPki(dir, { algorithm }));
    etcd = await startEtcd(certDir, join(dir, 'etcd-data'));
  });
  afterAll(async () => {
    await etcd?.stop();
  });
  const client = (base: string): [string, string] => [join(certDir, `${base}.crt`), join(certDir, `${base}.key`)];

  it('accepts etcd/healthcheck-client', () => {
    const r = etcdHealth(etcd!.clientUrl, join(certDir, 'etcd', 'ca.crt'), ...client('etcd/healthcheck-client'));
    expect(r.out).toContain('is healthy');
    expect(r.code).toBe(0);
  });

  it('accepts apiserver-etcd-client', () => {
    const r = etcdHealth(etcd!.clientUrl, join(certDir, 'etcd', 'ca.crt'), ...client('apiserver-etcd-client'));
    expect(r.code).toBe(0);
  });

  it('rejects front-proxy-client, which another CA signed', () => {
    const r = etcdHealth(etcd!.clientUrl, join(certDir, 'etcd', 'ca.crt'), ...client('front-proxy-client'));
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('unhealthy');
  });

  it('after renew all and a restart, accepts the renewed healthcheck client', async () => {
    const r = await runCli(['certs', 'renew', 'all', '--cert-dir', certDir, '--kubeconfig-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('certificate for serving etcd renewed');
    await etcd?.stop();
    etcd = await startEtcd(certDir, join(dir, 'etcd-data'));
    const h = etcdHealth(etcd.clientUrl, join(certDir, 'etcd', 'ca.crt'), ...client('etcd/healthcheck-client'));
    expect(h.code).toBe(0);
    const f = etcdHealth(etcd.clientUrl, join(certDir, 'etcd', 'ca.crt'), ...client('front-proxy-client'));
    expect(f.code).not.toBe(0);
  });
});
