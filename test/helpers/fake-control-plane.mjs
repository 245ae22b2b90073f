// A stand-in for the control-plane binaries that cannot run here (kube-apiserver, kube-controller-manager,
// kube-scheduler), behaving like them at the boundary kubecerts touches: started by the kubelet harness with the
// flags of a kubeadm static-pod manifest, it reads its certificate files once at start (as the real binaries do for
// what kubecerts checks), serves TLS on the manifest's port and answers the health endpoints the manifests probe.
//
//   kube-apiserver: serves --tls-cert-file/--tls-private-key-file on --secure-port (bind --bind-address, else
//     127.0.0.1), asks for client certificates and accepts those signed by --client-ca-file; /livez, /readyz,
//     /healthz and /version answer anonymous clients, anything else needs a client certificate. /readyz checks etcd
//     (--etcd-servers with --etcd-cafile/--etcd-certfile/--etcd-keyfile, a real TLS request to etcd's /health).
//     Like the real server it answers the server name "apiserver-loopback-client" with an in-memory self-signed
//     certificate made at start (openssl), valid for one year.
//   kube-controller-manager, kube-scheduler: read --kubeconfig (client certificate, key, CA, server) and (controller-
//     manager) refuse a --cluster-signing-cert-file with other than one certificate, as the real signer; serve /healthz
//     on --secure-port (defaults 10257 / 10259) with an in-memory self-signed certificate; /healthz is "ok" only
//     while a mutual-TLS request to the API server with the kubeconfig's credentials succeeds.
//
// Usage (argv[0] is set to the component name by the harness, so /proc/<pid>/cmdline names it):
//   node fake-control-plane.mjs <component> --flag=value ...
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest, createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import * as yaml from 'js-yaml';

const [component, ...rest] = process.argv.slice(2);
const flags = new Map();
for (const a of rest) {
  const m = /^--([^=]+)=(.*)$/s.exec(a);
  if (m) flags.set(m[1], m[2]);
  else if (a.startsWith('--')) flags.set(a.slice(2), 'true');
}
const flag = (name, dflt) => flags.get(name) ?? dflt;
const die = (msg) => {
  process.stderr.write(`${component}: ${msg}\n`);
  process.exit(1);
};

/** An in-memory self-signed certificate, as the real components make when not given one. */
function selfSigned(cn, sans) {
  const dir = mkdtempSync(join(tmpdir(), 'fake-cp-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '365',
      '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${sans}`,
      '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'),
    ], { stdio: 'ignore' });
    return { cert: readFileSync(join(dir, 'c.pem')), key: readFileSync(join(dir, 'k.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function read(path, what) {
  try {
    return readFileSync(path);
  } catch (err) {
    return die(`unable to load ${what} "${path}": ${err.message}`);
  }
}

/** GET over mutual TLS; resolves to the HTTP status, or 0 when the connection or handshake failed. */
function get(url, tls) {
  return new Promise((resolve) => {
    const req = httpsRequest(url, { ...tls, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end();
  });
}

function listen(server, port, host) {
  server.on('error', (err) => die(`failed to listen on ${host}:${port}: ${err.message}`));
  server.listen(port, host, () => process.stdout.write(`${component} serving on ${host}:${port}\n`));
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function apiserver() {
  const cert = read(flag('tls-cert-file'), 'serving certificate');
  const key = read(flag('tls-private-key-file'), 'serving key');
  const clientCa = read(flag('client-ca-file'), 'client CA');
  const etcdTls = {
    ca: read(flag('etcd-cafile'), 'etcd CA'),
    cert: read(flag('etcd-certfile'), 'etcd client certificate'),
    key: read(flag('etcd-keyfile'), 'etcd client key'),
  };
  const etcdServers = String(flag('etcd-servers', '')).split(',').filter(Boolean);
  const loopback = selfSigned('apiserver-loopback-client@0', 'DNS:apiserver-loopback-client');
  const loopbackContext = createSecureContext({ cert: loopback.cert, key: loopback.key });
  const etcdHealthy = async () => {
    for (const s of etcdServers) if ((await get(`${s}/health`, etcdTls)) === 200) return true;
    return false;
  };
  const server = createServer(
    {
      cert, key, ca: clientCa, requestCert: true, rejectUnauthorized: false,
      SNICallback: (name, cb) => cb(null, name === 'apiserver-loopback-client' ? loopbackContext : undefined),
    },
    async (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const authorized = req.socket.authorized === true;
      if (req.socket.getPeerCertificate()?.subject && !authorized) {
        res.writeHead(401).end('Unauthorized');
        return;
      }
      if (path === '/livez' || path === '/healthz') return void res.end('ok');
      if (path === '/readyz') {
        if (await etcdHealthy()) return void res.end('ok');
        res.writeHead(500).end('[-]etcd failed: reason withheld\nreadyz check failed');
        return;
      }
      if (path === '/version') {
        res.setHeader('content-type', 'application/json');
        return void res.end(JSON.stringify({ major: '1', minor: '31', gitVersion: 'v1.31.0', platform: 'linux/amd64' }));
      }
      if (!authorized) {
        res.writeHead(403, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403 }));
      }
      const peer = req.socket.getPeerCertificate();
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && path === '/apis/authentication.k8s.io/v1/selfsubjectreviews') {
        // who am I: the authenticated user, as the real server answers every authenticated client
        res.writeHead(201);
        return void res.end(JSON.stringify({ kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', status: { userInfo: { username: peer.subject?.CN ?? '', groups: [...[peer.subject?.O ?? []].flat(), 'system:authenticated'] } } }));
      }
      res.end(JSON.stringify({ kind: 'Status', status: 'Success', user: peer.subject?.CN ?? '', groups: [peer.subject?.O ?? []].flat() }));
    },
  );
  listen(server, Number(flag('secure-port', '6443')), flag('bind-address', '127.0.0.1'));
}

/** The client credentials of a kubeconfig's current context, embedded or by file path. */
function kubeconfigClient(path) {
  const kc = yaml.load(read(path, 'kubeconfig').toString('utf8'));
  const ctx = kc.contexts?.find((c) => c.name === kc['current-context'])?.context;
  if (!ctx) die(`invalid kubeconfig ${path}: no current context`);
  const cluster = kc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  const user = kc.users?.find((u) => u.name === ctx.user)?.user;
  if (!cluster || !user) die(`invalid kubeconfig ${path}: context refers to a missing cluster or user`);
  const data = (o, field) =>
    o[`${field}-data`] !== undefined ? Buffer.from(o[`${field}-data`], 'base64') : o[field] !== undefined ? read(o[field], field) : undefined;
  return {
    server: cluster.server,
    tls: { ca: data(cluster, 'certificate-authority'), cert: data(user, 'client-certificate'), key: data(user, 'client-key') },
  };
}

function clientComponent(defaultPort) {
  const client = kubeconfigClient(flag('kubeconfig'));
  if (flag('cluster-signing-cert-file')) {
    // as the real CSR signer (pkg/controller/certificates/signer/ca_provider.go): exactly one certificate
    const certs = read(flag('cluster-signing-cert-file'), 'cluster signing certificate').toString('utf8').match(/-----BEGIN CERTIFICATE-----/g) ?? [];
    if (certs.length !== 1) die(`error reading CA cert file "${flag('cluster-signing-cert-file')}": expected exactly one certificate, found ${certs.length}`);
  }
  const own = selfSigned(`localhost@${process.pid}`, 'DNS:localhost,IP:127.0.0.1');
  let apiOk = false;
  const probe = async () => {
    apiOk = (await get(`${client.server}/api`, client.tls)) === 200;
  };
  void probe();
  setInterval(probe, 500).unref();
  const server = createServer({ cert: own.cert, key: own.key }, (req, res) => {
    if ((req.url ?? '').startsWith('/healthz')) {
      if (apiOk) return void res.end('ok');
      res.writeHead(500).end('[-]api-server failed');
      return;
    }
    res.writeHead(404).end();
  });
  listen(server, Number(flag('secure-port', String(defaultPort))), flag('bind-address', '127.0.0.1'));
}

if (component === 'kube-apiserver') apiserver();
else if (component === 'kube-controller-manager') clientComponent(10257);
else if (component === 'kube-scheduler') clientComponent(10259);
else die(`unknown component ${component}`);
