/**
 * `ca rotate` on one node, with real openssl and kubectl: the verify matrix after every phase (a generated tree with a
 * kubelet client certificate, and both real kubeadm trees), rollback round trips, refused bad inputs, service-account
 * tokens across the overlap, and kubectl through every rotated kubeconfig in every phase.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, createSign, createVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { cpSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestApiServer, kubectl } from '../helpers/apiserver.js';
import { runCli } from '../helpers/cli.js';
import { kubeconfigCredentials } from '../helpers/kubeconfig.js';
import { freePort } from '../helpers/net.js';
import { openssl } from '../helpers/openssl.js';
import { addKubeletClient, certificatesOf, pemsOf, rotate, rotateOk, verifies } from '../helpers/rotation.js';
import { copyFixture, kubecertsTemps, snapshotTree, tempDir } from '../helpers/tmp.js';

const CA_BASES = ['ca', 'front-proxy-ca', 'etcd/ca'] as const;
const STAGED: Record<string, string> = { ca: 'ca.crt', 'front-proxy-ca': 'front-proxy-ca.crt', 'etcd/ca': 'etcd-ca.crt' };
const PHASES = ['prepare', 'trust', 'reissue', 'finalize'] as const;

async function generatedTree(algorithm = 'RSA-2048'): Promise<string> {
  const k8s = join(tempDir(), 'kubernetes');
  const r = await runCli(['init', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s, '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'node1', '--encryption-algorithm', algorithm]);
  expect(r.code, r.stderr).toBe(0);
  addKubeletClient(k8s);
  return k8s;
}

const spki = (pemOrKey: string): string =>
  (pemOrKey.includes('CERTIFICATE') ? new X509Certificate(pemOrKey).publicKey : createPublicKey(createPrivateKey(pemOrKey))).export({ type: 'spki', format: 'der' }).toString('base64');

/** Checks the invariants every phase keeps: CA file's first certificate matches its key, ca-signer.crt one certificate, kubeconfig CA data = ca.crt. */
function assertInvariants(k8s: string, phase: string): void {
  for (const base of CA_BASES) {
    const certs = pemsOf(readFileSync(join(k8s, 'pki', `${base}.crt`), 'utf8'));
    expect(spki(certs[0] as string), `${base} first certificate matches key after ${phase}`).toBe(spki(readFileSync(join(k8s, 'pki', `${base}.key`), 'utf8')));
    expect(certs.length).toBe(phase === 'trust' || phase === 'reissue' ? 2 : 1);
  }
  const signer = join(k8s, 'pki', 'ca-signer.crt');
  if (phase === 'trust' || phase === 'reissue') {
    const s = pemsOf(readFileSync(signer, 'utf8'));
    expect(s.length).toBe(1);
    expect(spki(s[0] as string)).toBe(spki(readFileSync(join(k8s, 'pki', 'ca.key'), 'utf8')));
  } else {
    expect(existsSync(signer)).toBe(false);
  }
  const caCerts = pemsOf(readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8')).map((p) => new X509Certificate(p).fingerprint256).sort();
  for (const kc of ['admin.conf', 'controller-manager.conf', 'scheduler.conf', 'kubelet.conf']) {
    if (!existsSync(join(k8s, kc))) continue;
    const data = pemsOf(`${kubeconfigCredentials(join(k8s, kc)).ca}\n`).map((p) => new X509Certificate(p).fingerprint256).sort();
    expect(data, `${kc} CA data after ${phase}`).toEqual(caCerts);
  }
}

/**
 * Runs the phases and checks, after each, every certificate against the live CA file (pass), the old CA alone and the
 * new CA alone (pass/fail by phase), its kubeconfig's own CA data (pass), and finally an old-signed leaf (fails).
 */
async function matrix(k8s: string, noTime: boolean): Promise<void> {
  const scratch = join(k8s, '..', 'scratch');
  const state = join(k8s, '..', 'state', 'rotation', 'staging');
  const oldCa: Record<string, string> = {};
  const newCa: Record<string, string> = {};
  for (const base of CA_BASES) {
    oldCa[base] = join(scratch, `old-${base.replace('/', '-')}.crt`);
    cpSync(join(k8s, 'pki', `${base}.crt`), oldCa[base]);
  }
  const oldApiserver = join(scratch, 'old-apiserver.crt');
  cpSync(join(k8s, 'pki', 'apiserver.crt'), oldApiserver);
  let checked = 0;
  for (const phase of ['before', ...PHASES] as const) {
    if (phase !== 'before') await rotateOk(k8s, phase);
    if (phase === 'prepare') for (const base of CA_BASES) newCa[base] = join(state, STAGED[base] as string);
    if (phase !== 'before' && phase !== 'prepare') assertInvariants(k8s, phase);
    for (const c of certificatesOf(k8s, join(scratch, phase))) {
      const newSigned = phase === 'reissue' || phase === 'finalize';
      // reissued certificates are fresh: their time is checked even in the fixture trees
      const nt = noTime && !newSigned;
      expect(verifies(join(k8s, 'pki', `${c.ca}.crt`), c.file, nt), `${c.name} vs live ${c.ca}.crt after ${phase}`).toBe(true);
      expect(verifies(oldCa[c.ca] as string, c.file, nt), `${c.name} vs old CA after ${phase}`).toBe(!newSigned);
      if (newCa[c.ca]) expect(verifies(newCa[c.ca] as string, c.file, nt), `${c.name} vs new CA after ${phase}`).toBe(newSigned);
      checked++;
    }
  }
  expect(verifies(join(k8s, 'pki', 'ca.crt'), oldApiserver, true)).toBe(false);
  expect(checked).toBeGreaterThan(30);
  expect(kubecertsTemps(k8s)).toEqual([]);
  expect((await rotate(k8s, 'status')).stdout).toMatch(/^phase: finalize/);
}

describe('ca rotate: openssl verify matrix after every phase', () => {
  it('generated RSA-2048 tree with a kubelet client certificate', async () => {
    const k8s = await generatedTree();
    await matrix(k8s, false);
    // the kubelet client file keeps cert + key and stays a link
    const kubelet = readFileSync(join(k8s, 'kubelet', 'kubelet-client-current.pem'), 'utf8');
    expect(spki(pemsOf(kubelet)[0] as string)).toBe(spki(kubelet.slice(kubelet.indexOf('-----BEGIN', kubelet.indexOf('END CERTIFICATE')))));
  });
  it.each(['v1.16', 'v1.29'] as const)('real kubeadm %s tree', async (v) => {
    const k8s = copyFixture(v);
    await matrix(k8s, true);
    // kubeadm's key encoding is kept: RSA keys stay PKCS#1
    expect(readFileSync(join(k8s, 'pki', 'ca.key'), 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(readFileSync(join(k8s, 'pki', 'sa.key'), 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
  });
});

describe('ca rotate: rollback', () => {
  it('trust -> rollback is byte-identical, reissue -> rollback is the trust file set, finalize -> rollback the reissue set; nothing else is touched', async () => {
    const k8s = await generatedTree('ECDSA-P256');
    const extra = join(k8s, 'pki', 'unrelated.pem');
    writeFileSync(extra, 'not ours\n');
    const extraTime = statSync(extra).mtimeMs;
    const before = snapshotTree(k8s);
    await rotateOk(k8s, 'prepare');
    expect(snapshotTree(k8s)).toEqual(before);
    const leafTime = statSync(join(k8s, 'pki', 'apiserver.crt')).mtimeMs;
    await rotateOk(k8s, 'trust');
    // trust changes no leaf
    expect(statSync(join(k8s, 'pki', 'apiserver.crt')).mtimeMs).toBe(leafTime);
    const r1 = await rotateOk(k8s, 'rollback');
    expect(r1.stdout).toMatch(/rollback: trust -> prepared/);
    expect(snapshotTree(k8s)).toEqual(before);
    await rotateOk(k8s, 'trust');
    const atTrust = snapshotTree(k8s);
    await rotateOk(k8s, 'reissue');
    const atReissue = snapshotTree(k8s);
    // the state folder holds CA keys: folders 0700, files 0600; new keys in the PKI 0600
    const rot = join(k8s, '..', 'state', 'rotation');
    const mode = (p: string): number => statSync(p).mode & 0o777;
    expect([mode(rot), mode(join(rot, 'staging')), mode(join(rot, 'backups', 'trust')), mode(join(rot, 'backups', 'reissue'))]).toEqual([0o700, 0o700, 0o700, 0o700]);
    expect([mode(join(rot, 'plan.json')), mode(join(rot, 'staging', 'ca.key')), mode(join(rot, 'backups', 'reissue', 'index.json')), mode(join(rot, 'backups', 'reissue', '0'))]).toEqual([0o600, 0o600, 0o600, 0o600]);
    expect([mode(join(k8s, 'pki', 'ca.key')), mode(join(k8s, 'pki', 'etcd', 'ca.key')), mode(join(k8s, 'pki', 'sa.key')), mode(join(k8s, 'pki', 'ca.crt')), mode(join(k8s, 'pki', 'ca-signer.crt'))]).toEqual([0o600, 0o600, 0o600, 0o644, 0o644]);
    expect(atReissue).not.toEqual(atTrust);
    const r2 = await rotateOk(k8s, 'rollback');
    expect(snapshotTree(k8s)).toEqual(atTrust);
    // the restored files are listed and the components told to restart (they read these files only at start)
    expect(r2.stdout).toMatch(/apiserver\.crt/);
    expect(r2.stdout).toContain('[rotate] restart the control-plane components');
    expect((await rotate(k8s, 'status')).stdout).toMatch(/^phase: trust/);
    // the trust state works: every certificate verifies against its live CA bundle
    for (const c of certificatesOf(k8s, join(k8s, '..', 'scratch'))) expect(verifies(join(k8s, 'pki', `${c.ca}.crt`), c.file, false), c.name).toBe(true);
    await rotateOk(k8s, 'reissue');
    const atReissue2 = snapshotTree(k8s);
    await rotateOk(k8s, 'finalize');
    const r3 = await rotateOk(k8s, 'rollback');
    expect(snapshotTree(k8s)).toEqual(atReissue2);
    expect(r3.stdout).toContain('[rotate] restart the control-plane components');
    await rotateOk(k8s, 'finalize');
    // back to the start: prepared -> none removes the staging folder
    await rotateOk(k8s, 'purge');
    expect(existsSync(join(k8s, '..', 'state', 'rotation'))).toBe(false);
    expect(statSync(extra).mtimeMs).toBe(extraTime);
    expect(readFileSync(extra, 'utf8')).toBe('not ours\n');
  });
  it('rollback of prepare removes the new material; dry runs write nothing', async () => {
    const k8s = await generatedTree('ECDSA-P256');
    const dry = await rotateOk(k8s, 'prepare', '--dry-run');
    expect(dry.stdout).toMatch(/\[dryrun\] Nothing was written/);
    expect(existsSync(join(k8s, '..', 'state'))).toBe(false);
    await rotateOk(k8s, 'prepare');
    const before = snapshotTree(k8s);
    const t = await rotateOk(k8s, 'trust', '--dry-run');
    expect(t.stdout).toMatch(/would write .*ca\.crt/);
    expect(snapshotTree(k8s)).toEqual(before);
    await rotateOk(k8s, 'rollback');
    expect(existsSync(join(k8s, '..', 'state', 'rotation', 'staging'))).toBe(false);
    expect((await rotate(k8s, 'status')).stdout).toMatch(/^phase: none/);
  });
});

describe('ca rotate: bad input is refused with the reason, nothing changed', () => {
  const refused = async (k8s: string, phase: string, reason: RegExp, ...extra: string[]): Promise<void> => {
    const pki = snapshotTree(k8s);
    const stateDir = join(k8s, '..', 'state');
    const state = existsSync(stateDir) ? snapshotTree(stateDir) : undefined;
    const r = await rotate(k8s, phase, ...extra);
    expect(r.code, r.stdout + r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(reason);
    expect(snapshotTree(k8s)).toEqual(pki);
    if (state) expect(snapshotTree(stateDir)).toEqual(state);
    else expect(existsSync(join(stateDir, 'rotation', 'plan.json'))).toBe(false);
  };
  it('mismatched CA key, external-CA mode, a short-lived new CA', async () => {
    const k8s = await generatedTree('ECDSA-P256');
    const fp = join(k8s, 'pki', 'front-proxy-ca.key');
    const saved = readFileSync(fp);
    cpSync(join(k8s, 'pki', 'apiserver.key'), fp);
    await refused(k8s, 'prepare', /does not match .*front-proxy-ca\.key \(mismatched CA key\)/);
    writeFileSync(fp, saved);
    const ca = join(k8s, 'pki', 'ca.key');
    const caKey = readFileSync(ca);
    rmSync(ca);
    await refused(k8s, 'prepare', /external-CA mode/);
    writeFileSync(ca, caKey, { mode: 0o600 });
    await refused(k8s, 'prepare', /shorter than the leaves/, '--ca-validity-period', '100h');
  });
  it('phases out of order, a signer file with two certificates, a kubeconfig bundle without the old CA', async () => {
    const k8s = await generatedTree('ECDSA-P256');
    await refused(k8s, 'trust', /node is at phase "none".*|the next phase here is "prepare"/s);
    await refused(k8s, 'purge', /phase "none"/);
    await rotateOk(k8s, 'prepare');
    await refused(k8s, 'reissue', /phase "prepared"/);
    await refused(k8s, 'finalize', /phase "prepared"/);
    const signer = join(k8s, 'pki', 'ca-signer.crt');
    writeFileSync(signer, readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8') + readFileSync(join(k8s, 'pki', 'front-proxy-ca.crt'), 'utf8'));
    await refused(k8s, 'trust', /ca-signer\.crt holds 2 certificates/);
    rmSync(signer);
    const admin = join(k8s, 'admin.conf');
    const adminText = readFileSync(admin, 'utf8');
    const otherCa = Buffer.from(readFileSync(join(k8s, 'pki', 'front-proxy-ca.crt'))).toString('base64');
    writeFileSync(admin, adminText.replace(/certificate-authority-data: \S+/, `certificate-authority-data: ${otherCa}`));
    await refused(k8s, 'trust', /admin\.conf: its CA data does not hold the old CA/);
    writeFileSync(admin, adminText);
    await rotateOk(k8s, 'trust');
    await refused(k8s, 'finalize', /phase "trust"/);
    await rotateOk(k8s, 'reissue');
    // a restored old admin.conf (signed by the old CA) blocks finalize
    const backup = readFileSync(join(k8s, '..', 'state', 'rotation', 'backups', 'reissue', 'index.json'), 'utf8');
    const entry = (JSON.parse(backup) as { path: string; file: string }[]).find((e) => e.path.endsWith('admin.conf'));
    const oldAdmin = readFileSync(join(k8s, '..', 'state', 'rotation', 'backups', 'reissue', entry?.file as string), 'utf8');
    const current = readFileSync(admin, 'utf8');
    const oldClient = /client-certificate-data: (\S+)/.exec(oldAdmin)?.[1] as string;
    const oldKey = /client-key-data: (\S+)/.exec(oldAdmin)?.[1] as string;
    writeFileSync(admin, current.replace(/client-certificate-data: \S+/, `client-certificate-data: ${oldClient}`).replace(/client-key-data: \S+/, `client-key-data: ${oldKey}`), { mode: 0o600 });
    await refused(k8s, 'finalize', /still signed by the old CA: .*admin\.conf/);
  });
});

/** A compact RS256/ES256 JWT, as the apiserver's service-account token signer makes them. */
function jwt(key: KeyObject): string {
  const alg = key.asymmetricKeyType === 'rsa' ? 'RS256' : 'ES256';
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg, typ: 'JWT' })}.${b64({ iss: 'https://kubernetes.default.svc.cluster.local', sub: 'system:serviceaccount:default:default' })}`;
  const sig = createSign('SHA256').update(input).sign(alg === 'RS256' ? key : { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return `${input}.${sig}`;
}

/** True when any key of sa.pub verifies the token (the apiserver accepts any key of --service-account-key-file). */
function acceptedBySaPub(k8s: string, token: string): boolean {
  const [h, p, s] = token.split('.') as [string, string, string];
  const keys = (readFileSync(join(k8s, 'pki', 'sa.pub'), 'utf8').match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? []).map((b) => createPublicKey(b));
  return keys.some((k) => {
    try {
      return createVerify('SHA256').update(`${h}.${p}`).verify(k.asymmetricKeyType === 'rsa' ? k : { key: k, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
    } catch {
      return false;
    }
  });
}

describe('ca rotate: service-account tokens', () => {
  it('a token of the old key verifies until finalize; one of the new key from trust on; sa.key signs with the new key from reissue', async () => {
    const k8s = copyFixture('v1.29');
    const oldToken = jwt(createPrivateKey(readFileSync(join(k8s, 'pki', 'sa.key'))));
    await rotateOk(k8s, 'prepare');
    const newKey = createPrivateKey(readFileSync(join(k8s, '..', 'state', 'rotation', 'staging', 'sa.key')));
    const newToken = jwt(newKey);
    const seen: Record<string, [boolean, boolean]> = { prepare: [acceptedBySaPub(k8s, oldToken), acceptedBySaPub(k8s, newToken)] };
    for (const phase of ['trust', 'reissue', 'finalize'] as const) {
      await rotateOk(k8s, phase);
      seen[phase] = [acceptedBySaPub(k8s, oldToken), acceptedBySaPub(k8s, newToken)];
      if (phase !== 'trust') expect(acceptedBySaPub(k8s, jwt(createPrivateKey(readFileSync(join(k8s, 'pki', 'sa.key')))))).toBe(true);
    }
    expect(seen).toEqual({ prepare: [true, false], trust: [true, true], reissue: [true, true], finalize: [false, true] });
    expect(spki(readFileSync(join(k8s, 'pki', 'sa.key'), 'utf8'))).toBe(spki(newKey.export({ type: 'pkcs1', format: 'pem' }).toString()));
  });
});

describe('ca rotate: kubectl through every rotated kubeconfig', () => {
  it('a server with the live apiserver certificate, requiring client certificates of the live ca.crt, accepts every kubeconfig in every phase; an old admin.conf fails after finalize', async () => {
    const k8s = await generatedTree('ECDSA-P256');
    const oldAdmin = join(k8s, '..', 'old-admin.conf');
    cpSync(join(k8s, 'admin.conf'), oldAdmin);
    const port = await freePort();
    const files = ['admin.conf', 'super-admin.conf', 'controller-manager.conf', 'scheduler.conf', 'kubelet.conf'];
    for (const phase of ['before', ...PHASES] as const) {
      if (phase !== 'before') await rotateOk(k8s, phase);
      // the server reads its files at start, as the apiserver does: a restart per phase
      const server = await startTestApiServer(join(k8s, 'pki'), port);
      try {
        for (const f of files) {
          const r = await kubectl(['--kubeconfig', join(k8s, f), '--server', `https://127.0.0.1:${port}`, 'version', '-o', 'json', '--request-timeout', '10s']);
          expect(r.code, `${f} after ${phase}: ${r.out}`).toBe(0);
        }
        const old = await kubectl(['--kubeconfig', oldAdmin, '--server', `https://127.0.0.1:${port}`, 'version', '-o', 'json', '--request-timeout', '10s']);
        expect(old.code === 0, `old admin.conf after ${phase}`).toBe(phase !== 'reissue' && phase !== 'finalize' ? true : false);
      } finally {
        await server.close();
      }
    }
    expect(openssl(['verify', '-CAfile', join(k8s, 'pki', 'ca.crt'), join(k8s, 'pki', 'apiserver.crt')]).code).toBe(0);
  });
});

describe('ca rotate: status from the files alone, in-cluster steps, join hashes', () => {
  it('a lost state folder: status still derives the phase; reissue needs the archive again; finalize resumes from the files', async () => {
    const k8s = await generatedTree('ECDSA-P256');
    const archive = join(k8s, '..', 'rotation.enc');
    const key = 'd4'.repeat(32);
    await rotateOk(k8s, 'prepare', '--export', archive, '--archive-key', key);
    await rotateOk(k8s, 'trust');
    const state = join(k8s, '..', 'state');
    rmSync(state, { recursive: true });
    const s = await rotate(k8s, 'status');
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/^phase: trust\n/);
    expect(s.stdout).toMatch(/WARNING: no rotation plan .*told apart from the files/);
    const r = await rotate(k8s, 'reissue');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/prepare --import the archive again/);
    await rotateOk(k8s, 'prepare', '--import', archive, '--archive-key', key);
    await rotateOk(k8s, 'reissue');
    rmSync(state, { recursive: true });
    expect((await rotate(k8s, 'status')).stdout).toMatch(/^phase: reissue\n/);
    await rotateOk(k8s, 'finalize');
    const newCa = pemsOf(readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8'));
    expect(newCa.length).toBe(1);
    for (const c of certificatesOf(k8s, join(k8s, '..', 'scratch'))) expect(verifies(join(k8s, 'pki', `${c.ca}.crt`), c.file, false), c.name).toBe(true);
  });

  it('--in-cluster=print lists the in-cluster steps; the join hashes are the SPKI hashes openssl computes, old and new while both are trusted', async () => {
    const k8s = await generatedTree('ECDSA-P256');
    const hashOf = (pem: string): string => {
      const pub = execFileSync('openssl', ['x509', '-noout', '-pubkey'], { input: pem, encoding: 'utf8' });
      const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
      return `sha256:${createHash('sha256').update(der).digest('hex')}`;
    };
    const oldHash = hashOf(readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8'));
    await rotateOk(k8s, 'prepare');
    const newHash = hashOf(readFileSync(join(k8s, '..', 'state', 'rotation', 'staging', 'ca.crt'), 'utf8'));
    const t = await rotateOk(k8s, 'trust', '--in-cluster=print');
    expect(t.stdout).toContain(`--discovery-token-ca-cert-hash ${oldHash} (old CA, both accepted while both are trusted)`);
    expect(t.stdout).toContain(`--discovery-token-ca-cert-hash ${newHash} (new CA, both accepted while both are trusted)`);
    expect(t.stdout).toMatch(/In the cluster \(to run\):\n.*\n.*cluster-info/);
    expect(t.stdout).toContain('rollout restart daemonset/kube-proxy deployment/coredns');
    expect(t.stdout).toContain('caBundle');
    await rotateOk(k8s, 'reissue');
    const f = await rotateOk(k8s, 'finalize', '--in-cluster=print');
    expect(f.stdout).toContain(`--discovery-token-ca-cert-hash ${newHash} (new CA)`);
    expect(f.stdout).not.toContain(oldHash);
    // apply runs the kubectl steps with admin.conf: with no API server behind it, the first fails, the rest are skipped, the run fails
    // after the files are committed
    await rotateOk(k8s, 'rollback');
    const a = await rotate(k8s, 'finalize', '--in-cluster=apply');
    expect(a.code).toBe(1);
    expect(a.stdout).toMatch(/\[failed\] api-server: [^\n]*\n\s+error: kubectl get --raw \/version… exited 1: /);
    expect(a.stdout).toMatch(/\[skipped\] restart-kube-proxy/);
    expect(a.stderr).toMatch(/1 in-cluster step\(s\) failed \(api-server\); the node's files are committed/);
    expect((await rotate(k8s, 'status')).stdout).toMatch(/^phase: finalize/);
  });
});

describe('ca rotate: certs renew in the middle of a rotation', () => {
  it('renew signs with the first certificate of each CA file (old at trust, new at reissue) and the rotation goes on', async () => {
    const k8s = await generatedTree('ECDSA-P256');
    const renew = (): ReturnType<typeof runCli> => runCli(['certs', 'renew', 'all', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s, '--no-backup']);
    await rotateOk(k8s, 'prepare');
    await rotateOk(k8s, 'trust');
    const atTrust = await renew();
    expect(atTrust.code, atTrust.stderr).toBe(0);
    const oldCa = join(k8s, '..', 'old-ca.crt');
    writeFileSync(oldCa, pemsOf(readFileSync(join(k8s, 'pki', 'ca.crt'), 'utf8'))[0] as string);
    expect(verifies(oldCa, join(k8s, 'pki', 'apiserver.crt'), false)).toBe(true);
    // renew keeps the kubeconfigs' CA data whole: both CAs stay trusted
    expect(pemsOf(`${kubeconfigCredentials(join(k8s, 'admin.conf')).ca}\n`).length).toBe(2);
    expect((await rotate(k8s, 'status')).stdout).toMatch(/^phase: trust/);
    await rotateOk(k8s, 'reissue');
    const atReissue = await renew();
    expect(atReissue.code, atReissue.stderr).toBe(0);
    const newCa = join(k8s, '..', 'state', 'rotation', 'staging', 'ca.crt');
    expect(verifies(newCa, join(k8s, 'pki', 'apiserver.crt'), false)).toBe(true);
    expect(verifies(oldCa, join(k8s, 'pki', 'apiserver.crt'), false)).toBe(false);
    await rotateOk(k8s, 'finalize');
    for (const c of certificatesOf(k8s, join(k8s, '..', 'scratch'))) expect(verifies(join(k8s, 'pki', `${c.ca}.crt`), c.file, false), c.name).toBe(true);
  });
});
