/**
 * FIFOs and devices where kubecerts expects a certificate, key, kubeconfig, config or users file: every read opens
 * non-blocking, checks the open descriptor and refuses anything that is not a regular file with one line, so no
 * command hangs (renew would hang while holding its lock).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, initPki } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** Runs the CLI with a 10 s bound; `timedOut` when it had to be killed. */
function run(args: readonly string[]): { code: number | null; stdout: string; stderr: string; timedOut: boolean } {
  const r = spawnSync('timeout', ['-s', 'KILL', '10', process.execPath, BIN, ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', HOME: '/tmp' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.status === 137 || r.signal !== null };
}

const dirs = (k8s: string): string[] => ['--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s];

describe('special files in place of input files', () => {
  for (const kind of ['a FIFO', 'a link to /dev/zero'] as const) {
    const plant = (p: string): void => {
      rmSync(p, { force: true });
      if (kind === 'a FIFO') expect(spawnSync('mkfifo', [p]).status).toBe(0);
      else symlinkSync('/dev/zero', p);
    };
    const what = kind === 'a FIFO' ? /is a FIFO, not a regular file/ : /is a device, not a regular file/;

    it(`certs check-expiration and certs renew refuse ${kind} at apiserver.crt at once`, async () => {
      const k8s = tempDir();
      await initPki(k8s);
      plant(join(k8s, 'pki', 'apiserver.crt'));
      const ce = run(['certs', 'check-expiration', ...dirs(k8s)]);
      expect(ce.timedOut, 'check-expiration hung').toBe(false);
      expect(ce.stdout + ce.stderr).toMatch(what);
      const key = readFileSync(join(k8s, 'pki', 'apiserver.key'));
      const rn = run(['certs', 'renew', 'apiserver', ...dirs(k8s)]);
      expect(rn.timedOut, 'renew hung').toBe(false);
      expect(rn.code).not.toBe(0);
      expect(rn.stderr).toMatch(what);
      expect(rn.stderr).toContain('apiserver.crt');
      expect(readFileSync(join(k8s, 'pki', 'apiserver.key')).equals(key)).toBe(true);
      // the lock was released: another renew of a healthy certificate runs
      const ok = run(['certs', 'renew', 'front-proxy-client', ...dirs(k8s)]);
      expect(ok.code, ok.stderr).toBe(0);
    });

    it(`a kubeconfig, a --config file and a users file that are ${kind} are refused at once`, async () => {
      const k8s = tempDir();
      await initPki(k8s);
      plant(join(k8s, 'admin.conf'));
      const ce = run(['certs', 'check-expiration', ...dirs(k8s)]);
      expect(ce.timedOut, 'check-expiration hung on admin.conf').toBe(false);
      expect(ce.stdout + ce.stderr).toMatch(what);
      const cfg = join(tempDir(), 'config.yaml');
      plant(cfg);
      const c = run(['certs', 'check-expiration', ...dirs(k8s), '--config', cfg]);
      expect(c.timedOut, 'hung on --config').toBe(false);
      expect(c.code).not.toBe(0);
      expect(c.stderr).toMatch(what);
      const users = join(tempDir(), 'users.txt');
      plant(users);
      const u = run(['kubeconfig', 'user', '--from-file', users, '--cert-dir', join(k8s, 'pki'), '--out-dir', tempDir()]);
      expect(u.timedOut, 'hung on the users file').toBe(false);
      expect(u.code).not.toBe(0);
      expect(u.stderr).toMatch(what);
    });
  }

  it('a folder at ca.key is an error naming ca.key, never taken for an absent key (external-CA mode)', async () => {
    const k8s = tempDir();
    await initPki(k8s);
    rmSync(join(k8s, 'pki', 'ca.key'));
    mkdirSync(join(k8s, 'pki', 'ca.key'));
    const crt = readFileSync(join(k8s, 'pki', 'apiserver.crt'));
    const rn = run(['certs', 'renew', 'apiserver', ...dirs(k8s)]);
    expect(rn.code).not.toBe(0);
    expect(rn.stderr).toMatch(/ca\.key: is a directory/);
    expect(rn.stderr).not.toContain('apiserver.key');
    expect(readFileSync(join(k8s, 'pki', 'apiserver.crt')).equals(crt)).toBe(true);
    const ce = run(['certs', 'check-expiration', ...dirs(k8s)]);
    // kubeadm's os.Stat finds something at ca.key: the CA is not externally managed
    expect(ce.stdout).toMatch(/^ca {2,}.* no {2,}$/m);
    expect(ce.stdout).not.toMatch(/ yes\s*$/m);
  });
});
