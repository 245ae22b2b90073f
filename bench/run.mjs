#!/usr/bin/env node
// Whole-process wall-time benchmarks of the built CLI against node -e 0 and openssl doing the same work.
// Usage: node bench/run.mjs [init|check|renew|users|users-ecdsa|startup|sea ...]   (default: all). Medians of several runs.
// `sea` needs the single executable: `npm run build:sea` first (`npm run bench` does).
import { execFileSync, spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, cpSync, readFileSync, writeFileSync, mkdirSync, existsSync, statSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'dist', 'bin.cjs');
const SEA = join(ROOT, 'dist', 'kubecerts');
const BUNDLE = join(ROOT, 'dist', 'kubecerts.cjs');
const NODE = process.execPath;
const which = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function time(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
}
function measure(n, setup, fn) {
  const xs = [];
  for (let i = 0; i < n; i++) {
    const ctx = setup?.();
    xs.push(time(() => fn(ctx)));
  }
  return median(xs);
}
/** Interleaves the candidates run by run, so drift in machine speed hits all of them alike; returns medians. */
function compare(n, candidates) {
  const xs = candidates.map(() => []);
  for (let i = 0; i < n; i++) candidates.forEach(([cmd, args], j) => xs[j].push(time(() => run(cmd, args))));
  return xs.map(median);
}
const tmp = () => mkdtempSync(join(tmpdir(), 'kubecerts-bench-'));
const ms = (x) => `${x.toFixed(0)} ms`;
const report = [];
function line(s) {
  console.log(s);
  report.push(s);
}

function initPki(dir, alg = 'RSA-2048') {
  run(NODE, [BIN, 'init', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'bench', '--encryption-algorithm', alg]);
}

const benches = {
  init() {
    const N = 5;
    const kc = measure(N, () => tmp(), (d) => initPki(d));
    const ossl = measure(N, () => tmp(), (d) => {
      for (let i = 0; i < 16; i++) run('openssl', ['genrsa', '-out', join(d, `k${i}.pem`), '2048']);
    });
    line(`init (RSA-2048, 16 keys): kubecerts ${ms(kc)}, 16 x openssl genrsa 2048 in sequence ${ms(ossl)}, ratio ${(kc / ossl).toFixed(2)} (goal <= 0.60)`);
  },

  check() {
    const N = 21;
    const d = tmp();
    initPki(d);
    // the 14 certificates kubeadm reports, kubeconfig ones extracted with base64 -d
    const certs = ['apiserver', 'apiserver-kubelet-client', 'front-proxy-client', 'etcd/server', 'etcd/peer', 'etcd/healthcheck-client', 'apiserver-etcd-client', 'ca', 'front-proxy-ca', 'etcd/ca'].map((b) => join(d, 'pki', `${b}.crt`));
    for (const k of ['admin.conf', 'super-admin.conf', 'controller-manager.conf', 'scheduler.conf']) {
      const data = readFileSync(join(d, k), 'utf8').match(/client-certificate-data: (\S+)/)[1];
      writeFileSync(join(d, `${k}.b64`), data);
    }
    const script = join(d, 'loop.sh');
    writeFileSync(script, `for f in ${certs.join(' ')}; do openssl x509 -noout -enddate -in "$f"; done\nfor k in admin.conf super-admin.conf controller-manager.conf scheduler.conf; do base64 -d < ${d}/$k.b64 | openssl x509 -noout -enddate; done\n`);
    const [bare, loop, kc] = compare(N, [[NODE, ['-e', '0']], ['sh', [script]], [NODE, [BIN, 'certs', 'check-expiration', '--cert-dir', join(d, 'pki'), '--kubeconfig-dir', d]]]);
    line(`check-expiration: kubecerts ${ms(kc)}, node -e 0 ${ms(bare)} (ratio ${(kc / bare).toFixed(2)}, goal <= 1.5), openssl loop over 14 certificates ${ms(loop)} (ratio ${(kc / loop).toFixed(2)}, goal <= 0.35)`);
  },

  renew() {
    const N = 5;
    const base = tmp();
    initPki(join(base, 'tree'));
    const fresh = () => {
      const d = tmp();
      cpSync(join(base, 'tree'), d, { recursive: true });
      return d;
    };
    const kc = measure(N, fresh, (d) => run(NODE, [BIN, 'certs', 'renew', 'all', '--cert-dir', join(d, 'pki'), '--kubeconfig-dir', d, '--encryption-algorithm', 'RSA-2048']));
    // the same work with openssl: a new RSA-2048 key and a re-signed certificate for 7 leaves and 4 kubeconfig users
    const jobs = [
      ['apiserver', 'ca'], ['apiserver-kubelet-client', 'ca'], ['front-proxy-client', 'front-proxy-ca'], ['etcd/server', 'etcd/ca'], ['etcd/peer', 'etcd/ca'],
      ['etcd/healthcheck-client', 'etcd/ca'], ['apiserver-etcd-client', 'etcd/ca'], ['admin', 'ca'], ['super-admin', 'ca'], ['controller-manager', 'ca'], ['scheduler', 'ca'],
    ];
    const script = join(base, 'renew.sh');
    writeFileSync(
      script,
      `set -e\nP=$1\nmkdir -p $P/out/etcd\nprintf 'keyUsage=critical,digitalSignature,keyEncipherment\\nextendedKeyUsage=clientAuth\\nbasicConstraints=critical,CA:FALSE\\n' > $P/ext.cnf\n` +
        jobs.map(([b, ca]) => `openssl genrsa -out $P/out/${b}.key 2048 2>/dev/null\nopenssl req -new -key $P/out/${b}.key -subj /CN=${b.replace('/', '-')} -out $P/out/${b}.csr\nopenssl x509 -req -in $P/out/${b}.csr -CA $P/pki/${ca}.crt -CAkey $P/pki/${ca}.key -set_serial 0x$(openssl rand -hex 8) -days 365 -extfile $P/ext.cnf -out $P/out/${b}.crt 2>/dev/null`).join('\n') +
        '\n',
    );
    const ossl = measure(N, fresh, (d) => run('bash', [script, d]));
    line(`renew all (RSA-2048, 11 certificates): kubecerts ${ms(kc)}, openssl script ${ms(ossl)}, ratio ${(kc / ossl).toFixed(2)} (goal <= 0.60)`);
  },

  /** the goal on its own: batch ECDSA users, without the RSA and openssl comparisons */
  'users-ecdsa'() {
    return benches.users({ ecdsaOnly: true });
  },

  async users({ ecdsaOnly = false } = {}) {
    const d = tmp();
    initPki(d, 'ECDSA-P256');
    const names = Array.from({ length: 1000 }, (_, i) => `- name: user${i}\n  orgs: [team${i % 10}]`).join('\n');
    writeFileSync(join(d, 'users.yaml'), `${names}\n`);
    const batch = (alg) =>
      time(() => run(NODE, [BIN, 'kubeconfig', 'user', '--cert-dir', join(d, 'pki'), '--kubeconfig-dir', d, '--from-file', join(d, 'users.yaml'), '--out-dir', join(tmp(), 'out'), '--encryption-algorithm', alg]));
    const ec = batch('ECDSA-P256');
    line(`kubeconfig user, 1000 users, ECDSA-P256: ${ms(ec)} (${(1000 / (ec / 1000)).toFixed(0)} users/s, goal >= 500)`);
    if (ecdsaOnly) return;
    const rsa = batch('RSA-2048');
    const g = tmp();
    writeFileSync(join(g, 'gen.sh'), `for i in $(seq 1 500); do openssl genrsa -out "$1/k$2-$i.pem" 2048 2>/dev/null; done\n`);
    const genrsa = time(() => {
      const a = spawnSync('sh', ['-c', `sh ${g}/gen.sh ${g} a & sh ${g}/gen.sh ${g} b & wait`]);
      if (a.status !== 0) throw new Error('genrsa loop failed');
    });
    line(`kubeconfig user, 1000 users, RSA-2048: ${ms(rsa)} (${(1000 / (rsa / 1000)).toFixed(0)} users/s); two parallel openssl genrsa loops for 1000 keys ${ms(genrsa)}, ratio ${(rsa / genrsa).toFixed(2)} (goal <= 1.2)`);
    if (which('cfssl')) {
      const c = tmp();
      writeFileSync(join(c, 'csr.json'), '{"CN":"user","names":[{"O":"team"}],"key":{"algo":"rsa","size":2048}}');
      writeFileSync(join(c, 'config.json'), '{"signing":{"default":{"expiry":"8760h","usages":["digital signature","key encipherment","client auth"]}}}');
      writeFileSync(join(c, 'loop.sh'), `cd ${c}; for i in $(seq 1 1000); do cfssl gencert -ca ${d}/pki/ca.crt -ca-key ${d}/pki/ca.key -config config.json csr.json > u$i.json 2>/dev/null; done\n`);
      const cf = time(() => run('sh', [join(c, 'loop.sh')]));
      line(`cfssl gencert loop, 1000 RSA-2048 client certificates: ${ms(cf)} (${(1000 / (cf / 1000)).toFixed(0)} users/s); kubecerts RSA is ${(cf / rsa).toFixed(1)}x faster`);
    } else line('cfssl not installed (Debian package golang-cfssl): comparison skipped');
  },

  startup() {
    const N = 21;
    const d = tmp();
    initPki(d, 'ECDSA-P256');
    const [bare, version, check, user] = compare(N, [
      [NODE, ['-e', '0']],
      [NODE, [BIN, '--version']],
      [NODE, [BIN, 'certs', 'check-expiration', '--cert-dir', join(d, 'pki'), '--kubeconfig-dir', d]],
      [NODE, [BIN, 'kubeconfig', 'user', '--client-name', 'a', '--cert-dir', join(d, 'pki'), '--kubeconfig-dir', d, '--encryption-algorithm', 'ECDSA-P256']],
    ]);
    line(`start-up: node -e 0 ${ms(bare)}; --version ${ms(version)} (${(version / bare).toFixed(2)}x, goal <= 1.15); check-expiration ${ms(check)} (${(check / bare).toFixed(2)}x, goal <= 1.5); kubeconfig user (ECDSA) ${ms(user)} (${(user / bare).toFixed(2)}x)`);
  },

  /** The single executable and the single-file bundle, each copied alone into an empty folder, against node -e 0. */
  sea() {
    if (!existsSync(SEA)) throw new Error('dist/kubecerts is missing: run npm run build:sea first');
    const N = 21;
    const d = tmp();
    initPki(d, 'ECDSA-P256');
    const bin = tmp();
    copyFileSync(SEA, join(bin, 'kubecerts'));
    copyFileSync(BUNDLE, join(bin, 'kubecerts.cjs'));
    spawnSync('chmod', ['755', join(bin, 'kubecerts')]);
    const check = ['certs', 'check-expiration', '--cert-dir', join(d, 'pki'), '--kubeconfig-dir', d];
    const [bare, version, seaCheck, bundleCheck, npmCheck] = compare(N, [
      [NODE, ['-e', '0']],
      [join(bin, 'kubecerts'), ['--version']],
      [join(bin, 'kubecerts'), check],
      [NODE, [join(bin, 'kubecerts.cjs'), ...check]],
      [NODE, [BIN, ...check]],
    ]);
    const mib = (f) => `${(statSync(f).size / 1048576).toFixed(1)} MiB`;
    line(`single executable (${mib(SEA)}; node itself ${mib(NODE)}): node -e 0 ${ms(bare)}; --version ${ms(version)} (${(version / bare).toFixed(2)}x); check-expiration ${ms(seaCheck)} (${(seaCheck / bare).toFixed(2)}x, goal <= 1.5)`);
    line(`single-file bundle (${(statSync(BUNDLE).size / 1024).toFixed(0)} KiB) check-expiration ${ms(bundleCheck)} (${(bundleCheck / bare).toFixed(2)}x); npm install (bin.cjs) check-expiration ${ms(npmCheck)} (${(npmCheck / bare).toFixed(2)}x, goal <= 1.3)`);
  },
};

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(benches).filter((k) => k !== 'users-ecdsa');
for (const name of wanted) {
  if (!benches[name]) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(', ')}`);
  await benches[name]();
}
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.txt`), `${report.join('\n')}\n`);
