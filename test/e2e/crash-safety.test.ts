/**
 * `renew all` killed with SIGKILL: every file is the complete old or the complete new version, and once no journal
 * is left (or the next run completed it) every key matches its certificate.
 */
import { spawn } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, initPki, runCli } from '../helpers/cli.js';
import { kubeconfigCredentials } from '../helpers/kubeconfig.js';
import { KUBECONFIG_FILES, LEAF_FILES } from '../helpers/pki-facts.js';
import { tempDir } from '../helpers/tmp.js';

const RUNS = 60;

function files(k8s: string): string[] {
  return [...LEAF_FILES.flatMap((f) => [join(k8s, 'pki', `${f}.crt`), join(k8s, 'pki', `${f}.key`)]), ...KUBECONFIG_FILES.map((f) => join(k8s, f))];
}

/** Throws unless the file is a complete certificate, key or kubeconfig. */
function assertComplete(path: string, text: string): void {
  if (path.endsWith('.crt')) new X509Certificate(text);
  else if (path.endsWith('.key')) createPrivateKey(text);
  else {
    const c = kubeconfigCredentials(path);
    new X509Certificate(c.cert);
    createPrivateKey(c.key);
  }
}

function spki(pemOrKey: string, isCert: boolean): string {
  const key = isCert ? new X509Certificate(pemOrKey).publicKey : createPublicKey(createPrivateKey(pemOrKey));
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}

function assertKeysMatch(k8s: string): void {
  for (const f of LEAF_FILES) {
    const crt = readFileSync(join(k8s, 'pki', `${f}.crt`), 'utf8');
    const key = readFileSync(join(k8s, 'pki', `${f}.key`), 'utf8');
    expect(spki(key, false), f).toBe(spki(crt, true));
  }
  for (const f of KUBECONFIG_FILES) {
    const c = kubeconfigCredentials(join(k8s, f));
    expect(spki(c.key, false), f).toBe(spki(c.cert, true));
  }
}

function runAndKill(k8s: string, afterMs: number, env: Record<string, string> = {}): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'certs', 'renew', 'all', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s], {
      stdio: 'ignore',
      env: { PATH: process.env['PATH'] ?? '', ...env },
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(signal ?? code);
    });
  });
}

describe('crash safety of renew all', () => {
  it(`survives SIGKILL at ${RUNS} random moments`, async () => {
    const k8s = tempDir();
    await initPki(k8s);
    const t0 = Date.now();
    expect((await runCli(['certs', 'renew', 'all', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s])).code).toBe(0);
    const duration = Date.now() - t0;
    let killed = 0;
    let midCommit = 0;
    for (let i = 0; i < RUNS; i++) {
      const old = new Map(files(k8s).map((p) => [p, readFileSync(p, 'utf8')]));
      const outcome = await runAndKill(k8s, Math.random() * duration * 1.1);
      if (outcome === 'SIGKILL') killed++;
      for (const [p, before] of old) {
        const now = readFileSync(p, 'utf8');
        if (now !== before) assertComplete(p, now);
      }
      if (existsSync(join(k8s, 'pki', '.kubecerts-journal.json'))) midCommit++;
      else assertKeysMatch(k8s);
    }
    const last = await runCli(['certs', 'renew', 'all', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s]);
    expect(last.code).toBe(0);
    assertKeysMatch(k8s);
    expect(killed).toBeGreaterThan(RUNS / 2);
    console.log(`crash-safety: ${killed}/${RUNS} runs killed, ${midCommit} in the middle of the commit`);
  });

  it.each([0, 1, 5, 14])('a kill after %i of the renames is completed by the next run', async (n) => {
    const k8s = tempDir();
    await initPki(k8s);
    const before = new Map(files(k8s).map((p) => [p, readFileSync(p, 'utf8')]));
    expect(await runAndKill(k8s, 60_000, { KUBECERTS_FAULT_KILL_AFTER_RENAMES: String(n) })).toBe('SIGKILL');
    expect(existsSync(join(k8s, 'pki', '.kubecerts-journal.json'))).toBe(true);
    const changed = [...before].filter(([p, b]) => readFileSync(p, 'utf8') !== b).length;
    expect(changed).toBe(n);
    const next = await runCli(['certs', 'renew', 'all', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s]);
    expect(next.stderr).toContain(`recovered an interrupted renewal: completed ${18 - n} file(s)`);
    expect(next.code).toBe(0);
    expect(existsSync(join(k8s, 'pki', '.kubecerts-journal.json'))).toBe(false);
    assertKeysMatch(k8s);
  });
});
