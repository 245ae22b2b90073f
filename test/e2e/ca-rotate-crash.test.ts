/**
 * `ca rotate` killed with SIGKILL at many points of every phase (prepare, trust, reissue, finalize, rollback): by
 * strace's fault injection on the n-th rename, or by a timer. After each kill no file is half written; the next
 * command (re-running the phase, or status then rollback) completes it or leaves the previous phase, and the result
 * is consistent: every CA file's first certificate matches its key, every certificate verifies against its live CA
 * file, no temp file or journal is left, and a rolled-back trust is byte-identical to before.
 */
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { spawnAndKill } from '../helpers/kill.js';
import { kubeconfigCredentials } from '../helpers/kubeconfig.js';
import { addKubeletClient, certificatesOf, pemsOf, rotate, graceFlags, rotateFlags, rotateOk, verifies } from '../helpers/rotation.js';
import { kubecertsTemps, LOCK_STAGING, snapshotTree, tempDir } from '../helpers/tmp.js';

const RUNS = 55;
const STEPS = [
  { phase: 'prepare', from: 'none', to: 'prepared' },
  { phase: 'trust', from: 'prepared', to: 'trust' },
  { phase: 'reissue', from: 'trust', to: 'reissue' },
  { phase: 'finalize', from: 'reissue', to: 'finalize' },
  { phase: 'rollback', from: 'reissue', to: 'trust' },
  { phase: 'rollback', from: 'trust', to: 'prepared' },
] as const;

/** Throws unless every PKI, kubeconfig and kubelet file below k8s is complete. */
function assertComplete(k8s: string): void {
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) {
        walk(p);
        continue;
      }
      const text = readFileSync(p, 'utf8');
      if (n.endsWith('.crt')) expect(pemsOf(text).map((c) => new X509Certificate(c)).length, p).toBeGreaterThan(0);
      else if (n.endsWith('.key')) createPrivateKey(text);
      else if (n === 'sa.pub') createPublicKey(text);
      else if (n.endsWith('.conf')) {
        const c = kubeconfigCredentials(p);
        new X509Certificate(c.ca);
      } else if (n.endsWith('.pem')) {
        new X509Certificate(text);
        createPrivateKey(text.slice(text.indexOf('-----BEGIN', text.indexOf('END CERTIFICATE'))));
      }
    }
  };
  walk(k8s);
}

const spki = (pem: string): string =>
  (pem.includes('CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(createPrivateKey(pem))).export({ type: 'spki', format: 'der' }).toString('base64');

function assertConsistent(k8s: string, scratch: string): void {
  for (const base of ['ca', 'front-proxy-ca', 'etcd/ca']) {
    const first = pemsOf(readFileSync(join(k8s, 'pki', `${base}.crt`), 'utf8'))[0] as string;
    expect(spki(first), base).toBe(spki(readFileSync(join(k8s, 'pki', `${base}.key`), 'utf8')));
  }
  for (const c of certificatesOf(k8s, scratch)) {
    expect(verifies(join(k8s, 'pki', `${c.ca}.crt`), c.file, false), `${c.name} verifies against its live CA file`).toBe(true);
  }
  expect(kubecertsTemps(k8s)).toEqual([]);
  expect(existsSync(join(k8s, '..', 'state', 'rotation', 'journal.json'))).toBe(false);
}

/**
 * The tree's files and digests, without the lock file (a killed run leaves its pid file; the next run takes it over),
 * the lock's staging file (a run killed before linking it into place) and temp files staged before the journal (the
 * next writing run removes both: checked by assertConsistent).
 */
function files(dir: string): Map<string, string> {
  const m = snapshotTree(dir);
  for (const k of [...m.keys()]) if (k.endsWith('.kubecerts.lock') || /kubecerts-[0-9a-f]+\.tmp$/.test(k) || LOCK_STAGING.test(k)) m.delete(k);
  return m;
}

const phaseOf = async (k8s: string): Promise<string> => /^phase: (\S+)/.exec((await rotate(k8s, 'status')).stdout)?.[1] ?? 'unknown';

describe('ca rotate: SIGKILL at random points of every phase', () => {
  it(`${RUNS} killed runs end complete and consistent`, { timeout: 900_000 }, async () => {
    const root = tempDir();
    const run = join(root, 'run');
    const k8s = join(run, 'kubernetes');
    // templates are built at the run path, so the absolute paths in the backups stay valid when copied back
    const tpl = (phase: string): string => join(root, `tpl-${phase}`);
    const save = (phase: string): void => cpSync(run, tpl(phase), { recursive: true, verbatimSymlinks: true });
    const load = (phase: string): void => {
      rmSync(run, { recursive: true, force: true });
      cpSync(tpl(phase), run, { recursive: true, verbatimSymlinks: true });
    };
    const r = await runCli(['init', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s, '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'node1', '--encryption-algorithm', 'ECDSA-P256']);
    expect(r.code, r.stderr).toBe(0);
    addKubeletClient(k8s);
    save('none');
    for (const p of ['prepare', 'trust', 'reissue'] as const) {
      await rotateOk(k8s, p);
      save(p === 'prepare' ? 'prepared' : p);
    }
    const snapshots = new Map(['none', 'prepared', 'trust', 'reissue'].map((p) => [p, files(join(tpl(p), 'kubernetes'))]));
    let killed = 0;
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < RUNS; i++) {
      const step = STEPS[i % STEPS.length] as (typeof STEPS)[number];
      load(step.from);
      const args = ['ca', 'rotate', step.phase, ...rotateFlags(k8s), ...graceFlags(step.phase)];
      const byRename = i % 2 === 0;
      const res = await spawnAndKill(args, byRename ? 60_000 : 40 + ((i * 37) % 360), byRename ? 1 + ((i * 7) % 24) : undefined);
      if (res === 'SIGKILL') killed++;
      assertComplete(k8s);
      const found = await phaseOf(k8s);
      expect([step.from, step.to], `run ${i} (${step.phase}) left phase ${found}`).toContain(found);
      outcomes[`${step.phase}:${found === step.to ? 'done' : 'not done'}`] = (outcomes[`${step.phase}:${found === step.to ? 'done' : 'not done'}`] ?? 0) + 1;
      if (found === step.from) {
        // the previous phase's files are whole: byte-identical to the template
        expect(files(k8s), `run ${i}`).toEqual(snapshots.get(step.from));
        if (i % 3 === 0 && step.phase !== 'rollback') {
          // the operator may also go back instead of forward
          await rotateOk(k8s, 'rollback');
        } else {
          await rotateOk(k8s, step.phase);
          expect(await phaseOf(k8s)).toBe(step.to);
        }
      }
      if ((await phaseOf(k8s)) === 'prepared' || (await phaseOf(k8s)) === 'none') {
        // nothing live changed before trust: the files are the ones before the rotation
        expect(files(k8s), `run ${i}`).toEqual(snapshots.get('none'));
      }
      assertConsistent(k8s, join(root, 'scratch', String(i)));
    }
    expect(killed).toBeGreaterThan(RUNS / 2);
    // both outcomes were reached for the committing phases
    expect(Object.keys(outcomes).length).toBeGreaterThan(6);
  });
});
