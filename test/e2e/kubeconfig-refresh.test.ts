/**
 * `kubecerts kubeconfig refresh FILE --from admin.conf` on kubeconfigs from `kubecerts init` and `certs renew`, merged
 * the way operators merge them; read back with the real kubectl and used against a TLS test server that requires
 * client certificates signed by the cluster CA (test/helpers/apiserver.ts).
 */
import { chmodSync, chownSync, lstatSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { kubectl, startTestApiServer } from '../helpers/apiserver.js';
import { initPki, runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { tempDir } from '../helpers/tmp.js';

interface Kc {
  users: { name: string; user: Record<string, string> }[];
  clusters: { name: string; cluster: Record<string, string> }[];
  contexts: { name: string; context: Record<string, string> }[];
}

describe('kubeconfig refresh', () => {
  let dir = '';
  let other = '';
  let port = 0;
  beforeAll(async () => {
    dir = tempDir();
    other = tempDir();
    port = await freePort();
    await initPki(dir, { port });
    await initPki(other, { node: 'elsewhere', port: 7443 });
  });

  /** ~/.kube/config merged from this cluster's admin.conf and another cluster's (same user name and subject), with comments. */
  function mergedConfig(): string {
    const mine = yaml.load(readFileSync(join(dir, 'admin.conf'), 'utf8')) as Kc;
    const theirs = yaml.load(readFileSync(join(other, 'admin.conf'), 'utf8')) as Kc;
    const u = (k: Kc): Record<string, string> => (k.users[0] as Kc['users'][number]).user;
    const c = (k: Kc): Record<string, string> => (k.clusters[0] as Kc['clusters'][number]).cluster;
    return `# my clusters
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${c(mine)['certificate-authority-data']}
    server: ${c(mine)['server']}
  name: prod   # production
- cluster:
    certificate-authority-data: ${c(theirs)['certificate-authority-data']}
    server: ${c(theirs)['server']}
  name: staging
contexts:
- context: {cluster: prod, user: prod-admin}
  name: prod
- context: {cluster: staging, user: staging-admin, namespace: web}
  name: staging
current-context: staging
kind: Config
preferences: {}
users:
- name: prod-admin
  user:
    client-certificate-data: ${u(mine)['client-certificate-data']}
    client-key-data: ${u(mine)['client-key-data']}
- name: staging-admin
  user:
    client-certificate-data: ${u(theirs)['client-certificate-data']}
    client-key-data: ${u(theirs)['client-key-data']}
- name: ci
  user:
    token: abc.def
`;
  }

  it('replaces only the matching user\'s certificate and key after renewal; every other byte, cluster, user and context stays; owned by the running user, mode at most 0600', async () => {
    const file = join(tempDir(), 'config');
    const before = mergedConfig();
    writeFileSync(file, before);
    chmodSync(file, 0o640);
    // a key-bearing file ends owned by the user running kubecerts, whoever owned it before (the README's rule)
    if (process.getuid?.() === 0) chownSync(file, 65534, 65534);
    const oldAdmin = yaml.load(readFileSync(join(dir, 'admin.conf'), 'utf8')) as Kc;
    const renew = await runCli(['certs', 'renew', 'admin.conf', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir]);
    expect(renew.code, renew.stderr).toBe(0);
    const newAdmin = yaml.load(readFileSync(join(dir, 'admin.conf'), 'utf8')) as Kc;
    const r = await runCli(['kubeconfig', 'refresh', file, '--from', join(dir, 'admin.conf')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/replaced the credentials of user "prod-admin" in .*config \(expiring .*\) with those of .*admin\.conf/);
    const after = readFileSync(file, 'utf8');
    const ou = (oldAdmin.users[0] as Kc['users'][number]).user;
    const nu = (newAdmin.users[0] as Kc['users'][number]).user;
    expect(nu['client-certificate-data']).not.toBe(ou['client-certificate-data']);
    const expected = before.replace(ou['client-certificate-data'] as string, nu['client-certificate-data'] as string).replace(ou['client-key-data'] as string, nu['client-key-data'] as string);
    expect(after).toBe(expected);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(file).uid).toBe(process.getuid?.());
    const backups = readdirSync(join(file, '..')).filter((f) => f.startsWith('config.kubecerts-') && f.endsWith('.bak'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(file, '..', backups[0] as string), 'utf8')).toBe(before);
    expect(statSync(join(file, '..', backups[0] as string)).mode & 0o777).toBe(0o600);
    // kubectl reads the result and authenticates with the new credentials
    const view = await kubectl(['--kubeconfig', file, 'config', 'view', '--raw', '-o', 'jsonpath={.users[?(@.name=="prod-admin")].user.client-certificate-data}']);
    expect(view.stdout).toBe(nu['client-certificate-data']);
    const server = await startTestApiServer(join(dir, 'pki'), port);
    try {
      const v = await kubectl(['--kubeconfig', file, '--context', 'prod', 'version', '-o', 'json', '--request-timeout', '10s']);
      expect(v.code, v.out).toBe(0);
      expect(server.seen[0]?.cn).toBe('kubernetes-admin');
    } finally {
      await server.close();
    }
    // run again: already current, nothing written
    const again = await runCli(['kubeconfig', 'refresh', file, '--from', join(dir, 'admin.conf')]);
    expect(again.stdout).toContain('user "prod-admin" in');
    expect(again.stdout).toContain('already holds the credentials');
    expect(readFileSync(file, 'utf8')).toBe(expected);
  });

  it('a user name with control characters is printed escaped, never raw', async () => {
    const file = join(tempDir(), 'config');
    // YAML's "\\e" is ESC: a user name that would clear the terminal
    writeFileSync(file, readFileSync(join(dir, 'admin.conf'), 'utf8').replace(/(name|user): kubernetes-admin$/gm, '$1: "ad\\e[2J\\rmin"'));
    const r = await runCli(['kubeconfig', 'refresh', file, '--from', join(dir, 'admin.conf')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('[kubeconfig] user "ad\\x1b[2J\\rmin" in ');
    expect(r.stdout).not.toMatch(/[\u001b\r]/);
  });

  it('replaces a symlinked kubeconfig at its target, so the link survives', async () => {
    const d = tempDir();
    const target = join(d, 'real-config');
    writeFileSync(target, mergedConfig(), { mode: 0o600 });
    symlinkSync(target, join(d, 'config'));
    expect((await runCli(['certs', 'renew', 'admin.conf', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir])).code).toBe(0);
    const r = await runCli(['kubeconfig', 'refresh', join(d, 'config'), '--from', join(dir, 'admin.conf'), '--no-backup']);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(d, 'config')).isSymbolicLink()).toBe(true);
    const now = (yaml.load(readFileSync(join(dir, 'admin.conf'), 'utf8')) as Kc).users[0]?.user['client-certificate-data'];
    expect(readFileSync(target, 'utf8')).toContain(`client-certificate-data: ${now}\n`);
    expect(readdirSync(d).sort()).toEqual(['config', 'real-config']);
  });

  it('refuses a node credential, naming the identity found, and changes nothing', async () => {
    const file = join(tempDir(), 'kubelet.conf');
    const text = readFileSync(join(dir, 'kubelet.conf'), 'utf8');
    writeFileSync(file, text, { mode: 0o600 });
    const r = await runCli(['kubeconfig', 'refresh', file, '--from', join(dir, 'admin.conf')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds no credentials of O=kubeadm:cluster-admins,CN=kubernetes-admin issued by the CA of .*admin\.conf: user "system:node:cp1" holds O=system:nodes,CN=system:node:cp1 \(issuer CN=kubernetes\)\n/);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('refuses another cluster\'s admin with the same name and subject (not signed by this CA)', async () => {
    const file = join(tempDir(), 'config');
    const text = readFileSync(join(other, 'admin.conf'), 'utf8');
    writeFileSync(file, text, { mode: 0o600 });
    const r = await runCli(['kubeconfig', 'refresh', file, '--from', join(dir, 'admin.conf')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds no credentials of O=kubeadm:cluster-admins,CN=kubernetes-admin issued by .*: user "kubernetes-admin" holds O=kubeadm:cluster-admins,CN=kubernetes-admin \(issuer CN=kubernetes\), not signed by the CA of .*admin\.conf \(another cluster's credential\)/);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});
