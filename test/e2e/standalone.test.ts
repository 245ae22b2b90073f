/**
 * Smoke suite of the two artefacts that run without node_modules: the single executable dist/kubecerts and the
 * single-file bundle dist/kubecerts.cjs. Each is copied alone into an empty folder and run from another empty folder
 * with NODE_PATH unset, so no node_modules is reachable: init, check-expiration text and json, renew all, and a
 * `kubeconfig user` kubeconfig that kubectl uses over real TLS.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kubectlVersion, startTestApiServer } from '../helpers/apiserver.js';
import { freePort } from '../helpers/net.js';
import { BUNDLE, ensureSea } from '../helpers/sea.js';
import { REPO, tempDir } from '../helpers/tmp.js';

const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

const ARTEFACTS = [
  { name: 'the single executable dist/kubecerts', file: 'kubecerts', source: ensureSea, cmd: (f: string) => [f] },
  { name: 'the single-file bundle dist/kubecerts.cjs under node', file: 'kubecerts.cjs', source: () => BUNDLE, cmd: (f: string) => [process.execPath, f] },
];

describe.each(ARTEFACTS)('$name, alone in an empty folder', ({ file, source, cmd }) => {
  let work = '';
  let argv0: string[] = [];
  let port = 0;
  const run = (args: string[]) => {
    const [exe, ...pre] = argv0;
    // no NODE_PATH, no HOME with a node_modules: only what the artefact carries
    return spawnSync(exe!, [...pre, ...args], { cwd: work, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: work } });
  };

  beforeAll(async () => {
    const bin = tempDir('kubecerts-smoke-bin-');
    copyFileSync(source(), join(bin, file));
    spawnSync('chmod', ['755', join(bin, file)]);
    work = tempDir('kubecerts-smoke-work-');
    argv0 = cmd(join(bin, file));
    port = await freePort();
  });

  it('--version: the version first, then commit and Node.js version', () => {
    const r = run(['--version']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${VERSION.replace(/\./g, '\\.')}\\ncommit: [0-9a-f]{7,}(-dirty)?\\nnode: ${process.version.replace(/\./g, '\\.')}\\n$`));
  });

  it('compiles its main script from the V8 code cache it carries (the single executable) or without one', () => {
    const r = spawnSync(argv0[0]!, [...argv0.slice(1), 'certs', 'certificate-key'], { cwd: work, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', KUBECERTS_DEBUG_CACHE: '1' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(r.stderr).toBe(file === 'kubecerts' ? 'main.cjs: code cache used\n' : '');
  });

  it('init writes the whole PKI into the folder', () => {
    const r = run(['init', '--cert-dir', 'pki', '--kubeconfig-dir', '.', '--apiserver-advertise-address', '127.0.0.1', '--apiserver-bind-port', String(port), '--node-name', 'smoke', '--encryption-algorithm', 'ECDSA-P256']);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(join(work, 'pki')).sort()).toEqual(expect.arrayContaining(['apiserver.crt', 'ca.key', 'etcd', 'sa.key', 'sa.pub']));
    expect(readdirSync(work).sort()).toEqual(expect.arrayContaining(['admin.conf', 'controller-manager.conf', 'kubelet.conf', 'scheduler.conf', 'super-admin.conf']));
  });

  it('check-expiration prints kubeadm text and JSON', () => {
    const text = run(['certs', 'check-expiration', '--cert-dir', 'pki', '--kubeconfig-dir', '.']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^CERTIFICATE +EXPIRES +RESIDUAL TIME +CERTIFICATE AUTHORITY +EXTERNALLY MANAGED/);
    expect(text.stdout).toMatch(/\nadmin\.conf +\w{3} \d\d, \d{4} \d\d:\d\d UTC +364d +ca +no/);
    const json = run(['certs', 'check-expiration', '--cert-dir', 'pki', '--kubeconfig-dir', '.', '-o', 'json']);
    expect(json.status, json.stderr).toBe(0);
    const info = JSON.parse(json.stdout) as { kind: string; certificates: { name: string; missing: boolean }[]; certificateAuthorities: unknown[] };
    expect(info.kind).toBe('CertificateExpirationInfo');
    expect(info.certificates.map((c) => c.name)).toContain('apiserver');
    expect(info.certificates.filter((c) => c.missing)).toEqual([]);
    expect(info.certificateAuthorities).toHaveLength(3);
  });

  it('renew all replaces every leaf certificate', () => {
    const before = readFileSync(join(work, 'pki', 'apiserver.crt'), 'utf8');
    const r = run(['certs', 'renew', 'all', '--cert-dir', 'pki', '--kubeconfig-dir', '.']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Done renewing certificates.');
    expect(readFileSync(join(work, 'pki', 'apiserver.crt'), 'utf8')).not.toBe(before);
  });

  it('kubeconfig user writes a kubeconfig kubectl uses against a server presenting apiserver.crt', async () => {
    const r = run(['kubeconfig', 'user', '--client-name', 'smoke-user', '--org', 'smoke-team', '--cert-dir', 'pki', '--kubeconfig-dir', '.']);
    expect(r.status, r.stderr).toBe(0);
    writeFileSync(join(work, 'smoke-user.conf'), r.stdout, { mode: 0o600 });
    const server = await startTestApiServer(join(work, 'pki'), port);
    try {
      const k = await kubectlVersion(join(work, 'smoke-user.conf'));
      expect(k.out).toContain('"gitVersion": "v1.31.0"');
      expect(k.code).toBe(0);
      expect(server.seen[0]).toEqual({ cn: 'smoke-user', o: 'smoke-team' });
    } finally {
      await server.close();
    }
  });
});

