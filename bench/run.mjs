#!/usr/bin/env node
// Whole-process wall-time benchmarks of the built CLI against node -e 0 and openssl doing the same work.
// Usage: node bench/run.mjs [init|check|renew|users|users-ecdsa|startup|sea|fleet|scan ...]   (default: all). Medians of several runs.
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
/** CPU time (user + system, all threads) of one run of `cmd args`, in ms, from bash's `times` for its children. */
function cpuOf(cmd, args) {
  const r = spawnSync('bash', ['-c', '"$@" >/dev/null 2>&1; times', '_', cmd, ...args], { encoding: 'utf8' });
  const [u, s] = r.stdout.trim().split('\n')[1].split(' ').map((x) => { const m = /^(\d+)m([\d.]+)s$/.exec(x); return (Number(m[1]) * 60 + Number(m[2])) * 1000; });
  return u + s;
}
/** compare() for CPU time: medians, interleaved; a loaded machine inflates CPU time much less than wall time. */
function compareCpu(n, candidates) {
  const xs = candidates.map(() => []);
  for (let i = 0; i < n; i++) candidates.forEach(([cmd, args], j) => xs[j].push(cpuOf(cmd, args)));
  return xs.map(median);
}
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
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
    const candidates = [[NODE, ['-e', '0']], ['sh', [script]], [NODE, [BIN, 'certs', 'check-expiration', '--cert-dir', join(d, 'pki'), '--kubeconfig-dir', d]]];
    const [bare, loop, kc] = compare(N, candidates);
    const [bareCpu, loopCpu, kcCpu] = compareCpu(N, candidates);
    line(`check-expiration: kubecerts ${ms(kc)}, node -e 0 ${ms(bare)} (ratio ${(kc / bare).toFixed(2)}, goal <= 1.5), openssl loop over 14 certificates ${ms(loop)} (ratio ${(kc / loop).toFixed(2)}, goal <= 0.35); CPU time ${ms(kcCpu)} vs ${ms(bareCpu)} (ratio ${(kcCpu / bareCpu).toFixed(2)}) and ${ms(loopCpu)} (ratio ${(kcCpu / loopCpu).toFixed(2)}); load average ${loadavg()}`);
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

  /** the issue's goal on its own: batch ECDSA users, without the RSA and openssl comparisons */
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
    const candidates = [
      [NODE, ['-e', '0']],
      [NODE, [BIN, '--version']],
      [NODE, [BIN, 'certs', 'check-expiration', '--cert-dir', join(d, 'pki'), '--kubeconfig-dir', d]],
      [NODE, [BIN, 'kubeconfig', 'user', '--client-name', 'a', '--cert-dir', join(d, 'pki'), '--kubeconfig-dir', d, '--encryption-algorithm', 'ECDSA-P256']],
    ];
    const [bare, version, check, user] = compare(N, candidates);
    const [c0, c1, c2, c3] = compareCpu(N, candidates);
    line(`start-up: node -e 0 ${ms(bare)}; --version ${ms(version)} (${(version / bare).toFixed(2)}x, goal <= 1.15); check-expiration ${ms(check)} (${(check / bare).toFixed(2)}x, goal <= 1.5); kubeconfig user (ECDSA) ${ms(user)} (${(user / bare).toFixed(2)}x); CPU time ratios ${(c1 / c0).toFixed(2)}, ${(c2 / c0).toFixed(2)}, ${(c3 / c0).toFixed(2)} (node -e 0 ${ms(c0)}); load average ${loadavg()}`);
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
    const candidates = [
      [NODE, ['-e', '0']],
      [join(bin, 'kubecerts'), ['--version']],
      [join(bin, 'kubecerts'), check],
      [NODE, [join(bin, 'kubecerts.cjs'), ...check]],
      [NODE, [BIN, ...check]],
    ];
    const [bare, version, seaCheck, bundleCheck, npmCheck] = compare(N, candidates);
    const [c0, c1, c2, c3, c4] = compareCpu(N, candidates);
    const mib = (f) => `${(statSync(f).size / 1048576).toFixed(1)} MiB`;
    line(`single executable (${mib(SEA)}; node itself ${mib(NODE)}): node -e 0 ${ms(bare)}; --version ${ms(version)} (${(version / bare).toFixed(2)}x); check-expiration ${ms(seaCheck)} (${(seaCheck / bare).toFixed(2)}x, goal <= 1.5)`);
    line(`single-file bundle (${(statSync(BUNDLE).size / 1024).toFixed(0)} KiB) check-expiration ${ms(bundleCheck)} (${(bundleCheck / bare).toFixed(2)}x); npm install (bin.cjs) check-expiration ${ms(npmCheck)} (${(npmCheck / bare).toFixed(2)}x, goal <= 1.3)`);
    line(`  CPU time against node -e 0 (${ms(c0)}): executable --version ${(c1 / c0).toFixed(2)}x, check-expiration ${(c2 / c0).toFixed(2)}x; bundle ${(c3 / c0).toFixed(2)}x; npm install ${(c4 / c0).toFixed(2)}x; load average ${loadavg()}`);
  },

  // fleet report over 10,000 node reports (generated from a real check-expiration -o json --add-node-info), goal < 1 s
  fleet() {
    const N = 5;
    const d = tmp();
    initPki(d, 'ECDSA-P256');
    const r = spawnSync(NODE, [BIN, 'certs', 'check-expiration', '--cert-dir', join(d, 'pki'), '--kubeconfig-dir', d, '-o', 'json', '--add-node-info'], { encoding: 'utf8' });
    const template = JSON.parse(r.stdout);
    const dir = join(d, 'reports');
    mkdirSync(dir);
    const now = Date.now();
    for (let i = 0; i < 10_000; i++) {
      const at = (j) => new Date(now + (((i * 37 + j * 11) % 400) - 5) * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
      const doc = {
        ...template,
        certificates: template.certificates.map((c, j) => ({ ...c, expirationDate: at(j) })),
        certificateAuthorities: template.certificateAuthorities.map((c, j) => ({ ...c, expirationDate: at(j + 50) })),
        kubecerts: { ...template.kubecerts, nodeName: `node-${i}`, hostname: `node-${i}.example` },
      };
      writeFileSync(join(dir, `node-${i}.json`), JSON.stringify(doc, null, 4));
    }
    const rows = 10_000 * (template.certificates.length + template.certificateAuthorities.length);
    // wall time, and the CPU time (user + system) of the process from bash's `times`, which a loaded machine does not inflate
    const cpu = (args) => {
      const r = spawnSync('bash', ['-c', '"$@" >/dev/null; times', '_', NODE, BIN, 'fleet', 'report', dir, ...args], { encoding: 'utf8' });
      const [u, s] = r.stdout.trim().split('\n')[1].split(' ').map((x) => { const m = /^(\d+)m([\d.]+)s$/.exec(x); return (Number(m[1]) * 60 + Number(m[2])) * 1000; });
      return u + s;
    };
    const runAny = (args) => () => spawnSync(NODE, [BIN, 'fleet', 'report', dir, ...args], { stdio: ['ignore', 'ignore', 'ignore'] });
    const text = measure(N, null, runAny([]));
    const json = measure(N, null, runAny(['-o', 'json']));
    const textCpu = median(Array.from({ length: N }, () => cpu([])));
    const jsonCpu = median(Array.from({ length: N }, () => cpu(['-o', 'json'])));
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    line(`fleet report of 10,000 node reports (${rows} rows): table ${ms(text)} wall / ${ms(textCpu)} CPU, -o json ${ms(json)} wall / ${ms(jsonCpu)} CPU (goal < 1000 ms; load average ${load})`);
    rmSync(d, { recursive: true, force: true });
  },

  // fleet scan of 100 HTTPS endpoints on 127.0.0.1 (served by a separate process): parallel vs one at a time
  async scan() {
    const d = tmp();
    initPki(d, 'ECDSA-P256');
    const script = join(d, 'servers.cjs');
    writeFileSync(script, `const https = require('node:https'); const fs = require('node:fs');
const cert = fs.readFileSync(${JSON.stringify(join(d, 'pki', 'apiserver.crt'))}) + fs.readFileSync(${JSON.stringify(join(d, 'pki', 'ca.crt'))});
const key = fs.readFileSync(${JSON.stringify(join(d, 'pki', 'apiserver.key'))});
const ports = []; let n = 0;
const delay = Number(process.argv[2]);
// each endpoint answers after \${delay} ms, like a server one network round trip away (0: loopback as it is)
for (let i = 0; i < 100; i++) { const s = https.createServer({ cert, key }, (q, r) => r.end()); const front = require('node:net').createServer((sock) => { sock.pause(); setTimeout(() => s.emit('connection', sock), delay); }); front.listen(0, '127.0.0.1', () => { ports.push(front.address().port); if (++n === 100) console.log(ports.join(' ')); }); }`);
    const bare = measure(5, null, () => run(NODE, ['-e', '0']));
    for (const delay of [0, 50]) {
    const servers = spawn(NODE, [script, String(delay)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ports = await new Promise((resolve) => servers.stdout.once('data', (b) => resolve(b.toString().trim().split(' '))));
    const endpoints = ports.map((p) => `127.0.0.1:${p}`);
    const scanOnce = (parallel) => new Promise((resolve, reject) => {
      const t = process.hrtime.bigint();
      const c = spawn(NODE, [BIN, 'fleet', 'scan', ...endpoints, '--parallel', String(parallel), '-o', 'json'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      c.stdout.on('data', (b) => (out += b));
      c.on('close', (code) => (code === 0 && JSON.parse(out).endpoints.every((e) => e.chain.length === 2) ? resolve(Number(process.hrtime.bigint() - t) / 1e6) : reject(new Error(`scan failed (${code})`))));
    });
    const med = async (parallel) => {
      const xs = [];
      for (let i = 0; i < 5; i++) xs.push(await scanOnce(parallel));
      return median(xs);
    };
    const p32 = await med(32);
    const p1 = await med(1);
    line(`fleet scan of 100 endpoints on 127.0.0.1${delay ? `, each answering after ${delay} ms` : ''}: --parallel 32 (default) ${ms(p32)}, --parallel 1 ${ms(p1)} (${((p1 - bare) / 100).toFixed(1)} ms per endpoint in sequence; node -e 0 ${ms(bare)}); parallel/sequential ${(p32 / p1).toFixed(2)}`);
    servers.kill();
    }
    rmSync(d, { recursive: true, force: true });
  },
};

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(benches).filter((k) => k !== 'users-ecdsa');
for (const name of wanted) {
  if (!benches[name]) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(', ')}`);
  await benches[name]();
}
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.txt`), `${report.join('\n')}\n`);
