/** kubectl completes real TLS with the kubeconfigs kubecerts writes, against a server presenting apiserver.crt. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initPki, runCli } from '../helpers/cli.js';
import { kubectlVersion, startTestApiServer, type SeenClient } from '../helpers/apiserver.js';
import { freePort } from '../helpers/net.js';
import { tempDir } from '../helpers/tmp.js';

const CASES = [
  { file: 'admin.conf', cn: 'kubernetes-admin', o: 'kubeadm:cluster-admins' },
  { file: 'super-admin.conf', cn: 'kubernetes-super-admin', o: 'system:masters' },
  { file: 'controller-manager.conf', cn: 'system:kube-controller-manager', o: undefined },
  { file: 'scheduler.conf', cn: 'system:kube-scheduler', o: undefined },
] as const;

describe.each(['RSA-2048', 'ECDSA-P384'])('kubectl with a %s PKI', (algorithm) => {
  let dir = '';
  let certDir = '';
  let server: { seen: SeenClient[]; close: () => Promise<void> } | undefined;
  beforeAll(async () => {
    dir = tempDir();
    const port = await freePort();
    // the kubeconfigs point at https://127.0.0.1:<port>, and 127.0.0.1 is an apiserver SAN
    ({ certDir } = await initPki(dir, { algorithm, port }));
    server = await startTestApiServer(certDir, port);
  });
  afterAll(async () => server?.close());

  it.each(CASES)('$file: kubectl version succeeds and the server sees CN=$cn', async ({ file, cn, o }) => {
    const before = server!.seen.length;
    const r = await kubectlVersion(join(dir, file));
    expect(r.out).toContain('"gitVersion": "v1.31.0"');
    expect(r.code).toBe(0);
    const seen = server!.seen.slice(before);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]?.cn).toBe(cn);
    expect(seen[0]?.o).toBe(o);
  });

  it('renewed admin.conf still works, with a new certificate', async () => {
    const r = await runCli(['certs', 'renew', 'admin.conf', '--cert-dir', certDir, '--kubeconfig-dir', dir, '--no-backup']);
    expect(r.stdout).toBe('certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself renewed\n');
    expect(r.code).toBe(0);
    const k = await kubectlVersion(join(dir, 'admin.conf'));
    expect(k.code).toBe(0);
  });
});
