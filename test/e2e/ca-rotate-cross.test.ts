/**
 * `ca rotate prepare --cross-sign`: the old CA signs the new one; reissue sends that cross certificate after the
 * kube-apiserver and etcd serving certificates, so a client that holds only the old CA (a pod that was not restarted)
 * still verifies them; finalize removes it. Checked with real kubectl against a server presenting the rotated
 * apiserver.crt (and requiring client certificates of the live ca.crt), and with openssl for etcd's server.crt.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectl, startTestApiServer } from '../helpers/apiserver.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { openssl } from '../helpers/openssl.js';
import { initTree, pemsOf, rotate, rotateOk } from '../helpers/rotation.js';
import { tempDir } from '../helpers/tmp.js';

const tree = (): Promise<string> => initTree();

/** kubectl with the pre-rotation admin.conf (old CA only, old client certificate) against the node's apiserver.crt. */
async function oldClientWorks(k8s: string, oldAdmin: string): Promise<{ ok: boolean; out: string }> {
  const port = await freePort();
  const server = await startTestApiServer(join(k8s, 'pki'), port);
  try {
    const r = await kubectl(['--kubeconfig', oldAdmin, '--server', `https://127.0.0.1:${port}`, 'version', '-o', 'json', '--request-timeout', '10s']);
    return { ok: r.code === 0, out: r.out };
  } finally {
    await server.close();
  }
}

describe('ca rotate --cross-sign', () => {
  it('after reissue a client holding only the old CA verifies the new kube-apiserver and etcd serving certificates; without --cross-sign it does not; finalize drops the cross certificate', async () => {
    for (const cross of [true, false]) {
      const k8s = await tree();
      const oldAdmin = join(k8s, '..', 'old-admin.conf');
      cpSync(join(k8s, 'admin.conf'), oldAdmin);
      const oldCa = join(k8s, '..', 'old-ca.crt');
      const oldEtcdCa = join(k8s, '..', 'old-etcd-ca.crt');
      cpSync(join(k8s, 'pki', 'ca.crt'), oldCa);
      cpSync(join(k8s, 'pki', 'etcd', 'ca.crt'), oldEtcdCa);
      const p = await rotateOk(k8s, 'prepare', ...(cross ? ['--cross-sign'] : []));
      if (cross) {
        expect(p.stdout).toContain('check passed: ca: cross certificate has the new CA\'s subject and key and verifies under the old CA');
        expect(p.stdout).toContain('check passed: etcd-ca: cross certificate has the new CA\'s subject and key and verifies under the old CA');
        const x = join(k8s, '..', 'state', 'rotation', 'staging', 'ca-cross.crt');
        expect(openssl(['verify', '-CAfile', oldCa, x]).code).toBe(0);
        // same subject and key as the new CA
        const subj = (f: string): string => openssl(['x509', '-noout', '-subject', '-pubkey', '-in', f]).out;
        expect(subj(x)).toMatch(/^subject=CN ?= ?kubernetes\n-----BEGIN PUBLIC KEY-----/);
        expect(subj(x)).toBe(subj(join(k8s, '..', 'state', 'rotation', 'staging', 'ca.crt')));
        expect(openssl(['verify', '-CAfile', join(k8s, '..', 'state', 'rotation', 'staging', 'ca.crt'), x]).code).not.toBe(0);
      }
      await rotateOk(k8s, 'trust');
      expect((await oldClientWorks(k8s, oldAdmin)).ok).toBe(true);
      const r = await rotateOk(k8s, 'reissue');
      const chain = pemsOf(readFileSync(join(k8s, 'pki', 'apiserver.crt'), 'utf8'));
      const etcdChain = pemsOf(readFileSync(join(k8s, 'pki', 'etcd', 'server.crt'), 'utf8'));
      expect(chain.length).toBe(cross ? 2 : 1);
      expect(etcdChain.length).toBe(cross ? 2 : 1);
      const old = await oldClientWorks(k8s, oldAdmin);
      expect(old.ok, old.out).toBe(cross);
      if (!cross) expect(old.out).toMatch(/x509|certificate/);
      // openssl: the etcd server certificate against the old etcd CA alone, with what the server sends
      const sent = join(k8s, '..', 'etcd-chain.pem');
      writeFileSync(sent, etcdChain.slice(1).join(''));
      const leaf = join(k8s, '..', 'etcd-leaf.pem');
      writeFileSync(leaf, etcdChain[0] as string);
      expect(openssl(['verify', '-CAfile', oldEtcdCa, ...(cross ? ['-untrusted', sent] : []), leaf]).code).toBe(cross ? 0 : 2);
      if (cross) {
        expect(r.stdout).toMatch(/check passed: cross-signed: \S*apiserver\.crt, \S*etcd\/server\.crt also verify against the old CA alone/);
        // the first certificate of the file is the leaf: status and renew read it as before
        expect((await rotate(k8s, 'status')).stdout).toMatch(/^phase: reissue\n/);
      }
      const f = await rotateOk(k8s, 'finalize');
      expect(pemsOf(readFileSync(join(k8s, 'pki', 'apiserver.crt'), 'utf8'))).toEqual([chain[0]]);
      expect(pemsOf(readFileSync(join(k8s, 'pki', 'etcd', 'server.crt'), 'utf8'))).toEqual([etcdChain[0]]);
      if (cross) expect(f.stdout).toContain('the cross certificate removed');
      expect((await oldClientWorks(k8s, oldAdmin)).ok).toBe(false);
    }
  });

  it('--cross-sign goes with prepare only, and an archive carries the cross certificates to the other nodes', async () => {
    const k8s = await tree();
    expect((await rotate(k8s, 'trust', '--cross-sign')).stderr).toMatch(/--cross-sign goes with prepare/);
    const archive = join(k8s, '..', 'rotation.enc');
    await rotateOk(k8s, 'prepare', '--cross-sign', '--export', archive, '--archive-key', 'e5'.repeat(32));
    // a second node of the same cluster (a copy of the tree, another state folder)
    const k2 = join(tempDir(), 'kubernetes');
    cpSync(k8s, k2, { recursive: true, verbatimSymlinks: true });
    const imp = await runCli(['ca', 'rotate', 'prepare', '--import', archive, '--archive-key', 'e5'.repeat(32), '--cert-dir', join(k2, 'pki'), '--kubeconfig-dir', k2, '--state-dir', join(k2, '..', 'state'), '--manifests-dir', join(k2, 'manifests'), '--kubelet-dir', join(k2, 'kubelet')]);
    expect(imp.code, imp.stderr).toBe(0);
    expect(readFileSync(join(k2, '..', 'state', 'rotation', 'staging', 'ca-cross.crt'), 'utf8')).toBe(readFileSync(join(k8s, '..', 'state', 'rotation', 'staging', 'ca-cross.crt'), 'utf8'));
    await rotateOk(k2, 'trust');
    await rotateOk(k2, 'reissue');
    expect(pemsOf(readFileSync(join(k2, 'pki', 'apiserver.crt'), 'utf8')).length).toBe(2);
  });
});
