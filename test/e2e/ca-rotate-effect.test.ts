/**
 * "Written" versus "in effect" on kube-apiserver and the kubelet, the barriers built on it, --force and the
 * service-account grace period. kube-apiserver and the kubelet cannot run here: the stand-ins of
 * test/helpers/kube-apiserver.ts read their files at start as the real ones do (the API server requires client
 * certificates of ca.crt in the TLS handshake; the kubelet serves a self-signed certificate and answers 401 to an
 * untrusted client, 403 to a trusted one). Their restart re-reads the files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { initTree, rotate, rotateFlags, rotateOk } from '../helpers/rotation.js';
import { startKubeApiServer, startKubeletServer } from '../helpers/kube-apiserver.js';
import { snapshotTree } from '../helpers/tmp.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

const tree = (): Promise<string> => initTree();

describe('ca rotate: kube-apiserver and kubelet, written versus in effect', () => {
  it('status tells written from in effect; reissue is refused until both authenticate a new-CA client; finalize until the API server serves a new-CA certificate; --force goes past and is recorded', async () => {
    const k8s = await tree();
    const api = await startKubeApiServer(join(k8s, 'pki'), await freePort());
    closers.push(api.close);
    const kubelet = await startKubeletServer(join(k8s, 'pki'), await freePort(), join(k8s, '..'));
    closers.push(kubelet.close);
    const ep = ['--apiserver-endpoint', api.url, '--kubelet-endpoint', kubelet.url];
    await rotateOk(k8s, 'prepare');
    await rotateOk(k8s, 'trust');
    // written, not in effect: neither has re-read ca.crt
    const s1 = await rotate(k8s, 'status', ...ep);
    expect(s1.stdout).toMatch(/^phase: trust\n/);
    expect(s1.stdout).toMatch(new RegExp(`in effect: kube-apiserver ${api.url}: REJECTS a client of the new CA \\([^)]*\\), serves a certificate of the old CA`));
    expect(s1.stdout).toContain(`in effect: kubelet ${kubelet.url}: REJECTS a client of the new CA (HTTP 401), serves a certificate of another CA (self-signed or foreign: not rotated)`);
    expect(s1.stdout).toContain('kubelet-client-current.pem: signed by the old CA');
    const before = snapshotTree(k8s);
    const r1 = await rotate(k8s, 'reissue', ...ep);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain(`trust is not in effect on kube-apiserver ${api.url}: it does not authenticate a client of the new CA`);
    expect(r1.stderr).toContain('--force overrides a live barrier');
    expect(snapshotTree(k8s)).toEqual(before);
    api.restartApiserver();
    const r2 = await rotate(k8s, 'reissue', ...ep);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(`trust is not in effect on kubelet ${kubelet.url}: it does not authenticate a client of the new CA (HTTP 401)`);
    expect(r2.stderr).toContain('systemctl restart kubelet');
    expect(snapshotTree(k8s)).toEqual(before);
    kubelet.restart();
    const s2 = await rotate(k8s, 'status', ...ep);
    expect(s2.stdout).toMatch(new RegExp(`in effect: kube-apiserver ${api.url}: authenticates a client of the new CA \\(HTTP 201\\)`));
    expect(s2.stdout).toContain(`in effect: kubelet ${kubelet.url}: authenticates a client of the new CA (HTTP 403)`);
    const r3 = await rotate(k8s, 'reissue', ...ep);
    expect(r3.code, r3.stderr).toBe(0);
    expect(r3.stdout).toContain(`check passed: trust in effect: kube-apiserver ${api.url} authenticates a client of the new CA (HTTP 201)`);
    expect(r3.stdout).toContain(`check passed: trust in effect: kubelet ${kubelet.url} authenticates a client of the new CA (HTTP 403)`);
    // reissued files, the API server still serves the old-CA certificate it read at start
    const s3 = await rotate(k8s, 'status', ...ep);
    expect(s3.stdout).toMatch(/^phase: reissue\n/);
    expect(s3.stdout).toMatch(/kube-apiserver [^\n]*serves a certificate of the old CA/);
    expect(s3.stdout).toContain('kubelet-client-current.pem: signed by the new CA');
    const f1 = await rotate(k8s, 'finalize', ...ep);
    expect(f1.code).toBe(1);
    expect(f1.stderr).toContain(`kube-apiserver ${api.url} still serves a certificate of the old CA`);
    // --force goes past the live barrier but never past the service-account grace period
    const f2 = await rotate(k8s, 'finalize', ...ep, '--force', '--sa-grace', '24h');
    expect(f2.code).toBe(1);
    expect(f2.stderr).toMatch(/finalize would drop the old service-account key/);
    const f3 = await rotate(k8s, 'finalize', ...ep, '--force');
    expect(f3.code, f3.stderr).toBe(0);
    // an override is printed as the README words it, never as a passed check
    expect(f3.stdout).toContain(`[rotate] FORCED past a barrier: kube-apiserver ${api.url} still serves a certificate of the old CA`);
    expect(f3.stdout).not.toContain('check passed: FORCED');
    const log = readFileSync(join(k8s, '..', 'state', 'rotation', 'forced.log'), 'utf8');
    expect(log).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[^ ]+ finalize: kube-apiserver ${api.url} still serves a certificate of the old CA\\n$`));
    api.restartApiserver();
    expect((await rotate(k8s, 'status', ...ep)).stdout).toMatch(/kube-apiserver [^\n]*serves a certificate of the new CA/);
  });

  it('an API server named by the manifest that does not answer stops reissue; --force goes past, and nothing is recorded for a dry run', async () => {
    const k8s = await tree();
    await rotateOk(k8s, 'prepare');
    await rotateOk(k8s, 'trust');
    const port = await freePort();
    const r = await rotate(k8s, 'reissue', '--apiserver-endpoint', `https://127.0.0.1:${port}`, '--kubelet-endpoint', `https://127.0.0.1:${port}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot observe kube-apiserver https://127.0.0.1:${port} (connection refused)`);
    const d = await rotate(k8s, 'reissue', '--apiserver-endpoint', `https://127.0.0.1:${port}`, '--force', '--dry-run');
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain('FORCED past a barrier: cannot observe kube-apiserver');
    expect(existsSync(join(k8s, '..', 'state', 'rotation', 'forced.log'))).toBe(false);
    const f = await rotate(k8s, 'reissue', '--apiserver-endpoint', `https://127.0.0.1:${port}`, '--kubelet-endpoint', `https://127.0.0.1:${port}`, '--force');
    expect(f.code, f.stderr).toBe(0);
    // an unreachable kubelet is only "not observed"
    expect(f.stdout).toContain(`[rotate] WARNING: not observed: kubelet https://127.0.0.1:${port}: kubecerts cannot tell whether trust is in effect there (connection refused)`);
    expect(f.stdout).not.toMatch(/check passed: [^\n]*not observed/);
    expect(readFileSync(join(k8s, '..', 'state', 'rotation', 'forced.log'), 'utf8').split('\n').filter(Boolean).length).toBe(1);
  });
});

describe('ca rotate: the service-account grace period before finalize', () => {
  it('finalize is refused for 24 h after reissue switched sa.key, with the time left; --sa-grace sets the period; 25 h later it runs', async () => {
    const k8s = await tree();
    for (const p of ['prepare', 'trust', 'reissue']) await rotateOk(k8s, p);
    const before = snapshotTree(k8s);
    const r = await rotate(k8s, 'finalize', '--sa-grace', '24h');
    expect(r.code).toBe(1);
    // Go's duration form: hours, minutes 0-59, seconds 0-59 (never "23h60m")
    const m = /sa\.key switched to the new key only at (\S+): tokens signed with the old key .* (\d+)h(\d+)m(\d+)s left, until (\S+)/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m?.[3])).toBeLessThan(60);
    expect(Number(m?.[4])).toBeLessThan(60);
    const left = Number(m?.[2]) * 3600 + Number(m?.[3]) * 60 + Number(m?.[4]);
    expect(left).toBeGreaterThan((23 * 60 + 50) * 60);
    expect(left).toBeLessThanOrEqual(24 * 3600);
    expect(Date.parse(m?.[5] as string) - Date.parse(m?.[1] as string)).toBe(86_400_000);
    expect(r.stderr).toContain('pass --sa-grace with a shorter period once every token was re-issued');
    expect(snapshotTree(k8s)).toEqual(before);
    // the default period is 24 h too
    expect((await runCli(['ca', 'rotate', 'finalize', ...rotateFlags(k8s)])).stderr).toMatch(/finalize would drop the old service-account key/);
    // 25 h later (libfaketime), the default period has passed
    const later = new Date(Date.now() + 25 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
    const f = await runCli(['ca', 'rotate', 'finalize', ...rotateFlags(k8s)], { faketime: later });
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toMatch(/check passed: sa: 2[45]h([0-9]|[1-5][0-9])m([0-9]|[1-5][0-9])s since sa.key switched, grace period 24h0m0s/);
  });

  it('a rotation without sa has no grace period', async () => {
    const k8s = await tree();
    await rotateOk(k8s, 'prepare', '--only', 'ca');
    await rotateOk(k8s, 'trust');
    await rotateOk(k8s, 'reissue');
    const f = await runCli(['ca', 'rotate', 'finalize', ...rotateFlags(k8s)]);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).not.toContain('grace');
  });
});
