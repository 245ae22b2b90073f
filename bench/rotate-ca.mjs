#!/usr/bin/env node
// Benchmark of `ca rotate reissue` against `certs renew all` on the same full RSA-2048 PKI (at the trust phase, so
// reissue re-signs every leaf and kubeconfig certificate with the new CA). Goal: reissue <= 1.1x renew all.
// Whole-process wall time, candidates interleaved run by run, medians. Usage: npm run build && node bench/rotate-ca.mjs [runs]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'dist', 'bin.cjs');
const N = Number(process.argv[2] ?? 9);

// wall time, and CPU time (user + system, from GNU time) which a machine shared with other work disturbs less
const cpu = [];
function run(args) {
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kubecerts ${args.join(' ')} failed: ${r.stderr}`);
  const m = /CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  cpu.push(m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN);
  return Number(process.hrtime.bigint() - t) / 1e6;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const root = mkdtempSync(join(tmpdir(), 'kubecerts-bench-rotate-'));
// the tree is always used at the same path (the rotation's backups and plan name absolute paths)
const live = join(root, 'live');
const k8s = join(live, 'kubernetes');
const flags = ['--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s, '--state-dir', join(live, 'state'), '--manifests-dir', join(k8s, 'manifests'), '--kubelet-dir', join(k8s, 'kubelet')];
try {
  run(['init', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s, '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'bench', '--encryption-algorithm', 'RSA-2048']);
  run(['ca', 'rotate', 'prepare', ...flags]);
  run(['ca', 'rotate', 'trust', ...flags]);
  const template = join(root, 'template');
  cpSync(live, template, { recursive: true });
  const fresh = () => {
    rmSync(live, { recursive: true, force: true });
    cpSync(template, live, { recursive: true });
  };
  const renew = [];
  const reissue = [];
  const renewCpu = [];
  const reissueCpu = [];
  for (let i = 0; i < N; i++) {
    fresh();
    renew.push(run(['certs', 'renew', 'all', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s]));
    renewCpu.push(cpu.at(-1));
    fresh();
    reissue.push(run(['ca', 'rotate', 'reissue', ...flags]));
    reissueCpu.push(cpu.at(-1));
  }
  const a = median(renew);
  const b = median(reissue);
  const ac = median(renewCpu);
  const bc = median(reissueCpu);
  console.log(`certs renew all (11 certificates, RSA-2048):             wall ${a.toFixed(0)} ms, CPU ${ac.toFixed(0)} ms (medians of ${N})`);
  console.log(`ca rotate reissue (12 certificates incl. kubelet.conf):  wall ${b.toFixed(0)} ms, CPU ${bc.toFixed(0)} ms (medians of ${N})`);
  console.log(`ratio reissue / renew all: wall ${(b / a).toFixed(2)}, CPU ${(bc / ac).toFixed(2)} (goal <= 1.10)`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
