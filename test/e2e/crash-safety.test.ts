/**
 * Writing commands killed with SIGKILL (`renew all`, `init`, batch `kubeconfig user`): every file is the complete
 * old or the complete new version, and once no journal is left (or the next run completed it) every key matches its
 * certificate and no temp file is left. Deterministic kills use strace's syscall fault injection (a SIGKILL on the
 * n-th rename), so the shipped binary carries no fault-injection hook.
 */
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, initPki, runCli } from '../helpers/cli.js';
import { spawnAndKill } from '../helpers/kill.js';
import { kubeconfigCredentials } from '../helpers/kubeconfig.js';
import { KUBECONFIG_FILES, LEAF_FILES } from '../helpers/pki-facts.js';
import { kubecertsTemps, tempDir } from '../helpers/tmp.js';

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

function runAndKill(k8s: string, afterMs: number, killAtRename?: number): Promise<NodeJS.Signals | number | null> {
  return spawnAndKill(['certs', 'renew', 'all', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s], afterMs, killAtRename);
}


/**
 * The shortest wall time (ms) of three runs of `once` (each must succeed): the first (cold) run is slower than the later
 * ones, and a kill moment drawn from its duration would miss most warm runs.
 */
async function shortestOf(once: () => Promise<void>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    await once();
    best = Math.min(best, Date.now() - t0);
  }
  return best;
}

describe('crash safety of renew all', () => {
  it(`survives SIGKILL at ${RUNS} random moments`, async () => {
    const k8s = tempDir();
    await initPki(k8s);
    const duration = await shortestOf(async () => {
      expect((await runCli(['certs', 'renew', 'all', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s])).code).toBe(0);
    });
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
  }, 600_000);

  it.each([0, 1, 5, 14])('a kill after %i of the renames is completed by the next run', async (n) => {
    const k8s = tempDir();
    await initPki(k8s);
    const before = new Map(files(k8s).map((p) => [p, readFileSync(p, 'utf8')]));
    // rename 1 puts the journal in place; rename n + 2 would be the (n + 1)-th file
    expect(await runAndKill(k8s, 60_000, n + 2)).toBe('SIGKILL');
    expect(existsSync(join(k8s, 'pki', '.kubecerts-journal.json'))).toBe(true);
    const changed = [...before].filter(([p, b]) => readFileSync(p, 'utf8') !== b).length;
    expect(changed).toBe(n);
    const next = await runCli(['certs', 'renew', 'all', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s]);
    expect(next.stderr).toContain(`recovered an interrupted renewal: completed ${18 - n} file(s)`);
    expect(next.code).toBe(0);
    expect(existsSync(join(k8s, 'pki', '.kubecerts-journal.json'))).toBe(false);
    assertKeysMatch(k8s);
  });

  it('the shipped binary obeys no fault-injection variable', () => {
    const bundle = readdirSync(join(BIN, '..')).filter((n) => n.endsWith('.cjs') || n.endsWith('.js'));
    for (const n of bundle) expect(readFileSync(join(BIN, '..', n), 'utf8'), n).not.toContain('KUBECERTS_FAULT');
  });
});

const INIT_RUNS = 50;
const BATCH_RUNS = 50;

function initArgs(k8s: string): string[] {
  return ['init', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s, '--apiserver-advertise-address', '10.0.0.5', '--node-name', 'n1', '--encryption-algorithm', 'ECDSA-P256'];
}

/** After a completed init: every file there, every key matching, no temp file, no journal. */
function assertCompleteInit(k8s: string): void {
  for (const f of ['ca', 'front-proxy-ca', 'etcd/ca']) expect(existsSync(join(k8s, 'pki', `${f}.key`)), f).toBe(true);
  expect(existsSync(join(k8s, 'pki', 'sa.pub'))).toBe(true);
  assertKeysMatch(k8s);
  expect(kubecertsTemps(k8s)).toEqual([]);
  expect(existsSync(join(k8s, 'pki', '.kubecerts-journal.json'))).toBe(false);
}

describe('crash safety of init', () => {
  it(`a kill at ${INIT_RUNS} random moments is finished by the next init`, async () => {
    const duration = await shortestOf(async () => {
      expect((await runCli(initArgs(tempDir()))).code).toBe(0);
    });
    let killed = 0;
    for (let i = 0; i < INIT_RUNS; i++) {
      const k8s = join(tempDir(), 'k');
      if ((await spawnAndKill(initArgs(k8s), Math.random() * duration * 0.9)) === 'SIGKILL') killed++;
      const next = await runCli(initArgs(k8s));
      expect(next.code, next.stderr).toBe(0);
      assertCompleteInit(k8s);
    }
    expect(killed).toBeGreaterThan(INIT_RUNS / 2);
    console.log(`crash-safety init: ${killed}/${INIT_RUNS} runs killed`);
  }, 600_000);

  it.each([2, 5, 20])('a kill at rename %i is completed by the next init', async (n) => {
    const k8s = join(tempDir(), 'k');
    expect(await spawnAndKill(initArgs(k8s), 60_000, n)).toBe('SIGKILL');
    expect(existsSync(join(k8s, 'pki', '.kubecerts-journal.json'))).toBe(true);
    const next = await runCli(initArgs(k8s));
    expect(next.stderr).toMatch(/recovered an interrupted init: completed \d+ file\(s\)/);
    expect(next.code).toBe(0);
    assertCompleteInit(k8s);
  });
});

describe('crash safety of kubeconfig user batches', () => {
  const USERS = ['u1', 'u2', 'u3', 'u4', 'u5'];
  const batchArgs = (pki: string, out: string): string[] => [
    'kubeconfig', 'user', ...USERS.flatMap((u) => ['--client-name', u]), '--out-dir', out, '--force',
    '--cert-dir', pki, '--kubeconfig-dir', join(pki, '..'), '--encryption-algorithm', 'ECDSA-P256',
  ];
  const assertBatch = (out: string): void => {
    for (const u of USERS) {
      const c = kubeconfigCredentials(join(out, `${u}.conf`));
      expect(spki(c.key, false), u).toBe(spki(c.cert, true));
      expect(statSync(join(out, `${u}.conf`)).mode & 0o777).toBe(0o600);
    }
    expect(kubecertsTemps(out)).toEqual([]);
    expect(existsSync(join(out, '.kubecerts-journal.json'))).toBe(false);
  };

  it(`a kill at ${BATCH_RUNS} random moments leaves whole files and the next run finishes`, async () => {
    const k8s = tempDir();
    await initPki(k8s);
    const out = join(k8s, 'out');
    const duration = await shortestOf(async () => {
      expect((await runCli(batchArgs(join(k8s, 'pki'), out))).code).toBe(0);
    });
    let killed = 0;
    for (let i = 0; i < BATCH_RUNS; i++) {
      if ((await spawnAndKill(batchArgs(join(k8s, 'pki'), out), Math.random() * duration * 0.9)) === 'SIGKILL') killed++;
      for (const u of USERS) {
        const p = join(out, `${u}.conf`);
        const c = kubeconfigCredentials(p);
        new X509Certificate(c.cert);
        createPrivateKey(c.key);
      }
      const next = await runCli(batchArgs(join(k8s, 'pki'), out));
      expect(next.code, next.stderr).toBe(0);
      assertBatch(out);
    }
    expect(killed).toBeGreaterThan(BATCH_RUNS / 2);
    console.log(`crash-safety batch: ${killed}/${BATCH_RUNS} runs killed`);
  }, 600_000);

  it('a kill in the middle of the renames is completed by the next run', async () => {
    const k8s = tempDir();
    await initPki(k8s);
    const out = join(k8s, 'out');
    expect(await spawnAndKill(batchArgs(join(k8s, 'pki'), out), 60_000, 3)).toBe('SIGKILL');
    expect(existsSync(join(out, '.kubecerts-journal.json'))).toBe(true);
    expect(readdirSync(out).filter((n) => n.endsWith('.conf'))).toHaveLength(1);
    const next = await runCli(batchArgs(join(k8s, 'pki'), out));
    expect(next.stderr).toContain('recovered an interrupted kubeconfig batch: completed 4 file(s)');
    expect(next.code).toBe(0);
    assertBatch(out);
  });
});
