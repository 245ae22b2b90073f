/**
 * Helpers for the CA rotation tests: run a phase on a tree, and the openssl verify matrix of every leaf and
 * kubeconfig certificate against each CA file.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliResult } from './cli.js';
import { kubeconfigCredentials } from './kubeconfig.js';
import { openssl } from './openssl.js';
import { tempDir } from './tmp.js';
import { CA_OF, KUBECONFIG_FILES, LEAF_FILES } from './pki-facts.js';

/** The flags that place every folder of a rotation inside the test tree `k8s` (state in `<k8s>/../state`). */
export const rotateFlags = (k8s: string): string[] => [
  '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s, '--state-dir', join(k8s, '..', 'state'),
  '--manifests-dir', join(k8s, 'manifests'), '--kubelet-dir', join(k8s, 'kubelet'),
];

/**
 * Runs `kubecerts ca rotate <phase>` on the tree. finalize gets `--sa-grace 0s` unless the caller gives --sa-grace:
 * the tests run finalize right after reissue (the grace period has its own test).
 */
export const rotate = (k8s: string, phase: string, ...extra: string[]): Promise<CliResult> =>
  runCli(['ca', 'rotate', phase, ...rotateFlags(k8s), ...graceFlags(phase, extra), ...extra]);

/** `--sa-grace 0s` for finalize unless `extra` sets it (see rotate). */
export const graceFlags = (phase: string, extra: readonly string[] = []): string[] => (phase === 'finalize' && !extra.some((e) => e.startsWith('--sa-grace')) ? ['--sa-grace', '0s'] : []);

/** Like rotate, but throws with the output unless it exits 0. */
export async function rotateOk(k8s: string, phase: string, ...extra: string[]): Promise<CliResult> {
  const r = await rotate(k8s, phase, ...extra);
  if (r.code !== 0) throw new Error(`ca rotate ${phase} exited ${r.code}: ${r.stdout}${r.stderr}`);
  return r;
}

/**
 * A tree made by `kubecerts init` (ECDSA P-256, node1 on 127.0.0.1, `extra` init flags) in a new temp folder, with a
 * kubelet client certificate; returns its kubernetes folder (the state folder goes next to it).
 */
export async function initTree(...extra: string[]): Promise<string> {
  const k8s = join(tempDir(), 'kubernetes');
  const r = await runCli(['init', '--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s, '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'node1', '--encryption-algorithm', 'ECDSA-P256', ...extra]);
  if (r.code !== 0) throw new Error(`init exited ${r.code}: ${r.stderr}`);
  addKubeletClient(k8s);
  return k8s;
}

/** A kubelet client certificate (cert + key in one file, as the kubelet writes it) signed by the tree's ca, linked as kubelet-client-current.pem. */
export function addKubeletClient(k8s: string, node = 'node1'): void {
  const dir = join(k8s, 'kubelet');
  mkdirSync(dir, { recursive: true });
  const key = join(dir, 'k.key');
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  const csr = execFileSync('openssl', ['req', '-new', '-key', key, '-subj', `/O=system:nodes/CN=system:node:${node}`], { encoding: 'utf8' });
  const ext = join(dir, 'ext.cnf');
  writeFileSync(ext, 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nbasicConstraints=critical,CA:FALSE\n');
  const crt = execFileSync('openssl', ['x509', '-req', '-CA', join(k8s, 'pki', 'ca.crt'), '-CAkey', join(k8s, 'pki', 'ca.key'), '-days', '365', '-extfile', ext, '-set_serial', '7'], { input: csr, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
  const file = join(dir, 'kubelet-client-2026-01-01-00-00-00.pem');
  writeFileSync(file, crt + readFileSync(key, 'utf8'), { mode: 0o600 });
  if (!existsSync(join(dir, 'kubelet-client-current.pem'))) symlinkSync(file, join(dir, 'kubelet-client-current.pem'));
}

/** Every certificate to check: name → [PEM file path of the certificate, CA base name]. Kubeconfig certs are extracted to `scratch`. */
export function certificatesOf(k8s: string, scratch: string): { name: string; file: string; ca: string }[] {
  mkdirSync(scratch, { recursive: true });
  const out: { name: string; file: string; ca: string }[] = LEAF_FILES.filter((f) => existsSync(join(k8s, 'pki', `${f}.crt`))).map((f) => ({ name: f, file: join(k8s, 'pki', `${f}.crt`), ca: CA_OF[f] as string }));
  for (const kc of [...KUBECONFIG_FILES, 'kubelet.conf']) {
    if (!existsSync(join(k8s, kc))) continue;
    const c = kubeconfigCredentials(join(k8s, kc));
    if (!c.cert) continue;
    const file = join(scratch, `${kc}.crt`);
    writeFileSync(file, c.cert);
    out.push({ name: kc, file, ca: 'ca' });
  }
  const kubelet = join(k8s, 'kubelet', 'kubelet-client-current.pem');
  if (existsSync(kubelet)) out.push({ name: 'kubelet-client-current.pem', file: kubelet, ca: 'ca' });
  return out;
}

/** `openssl verify` of `cert` against the CA file `ca` (time not checked when `noTime`, for the expired fixture leaves). */
export function verifies(ca: string, cert: string, noTime: boolean): boolean {
  return openssl(['verify', ...(noTime ? ['-no_check_time'] : []), '-CAfile', ca, cert]).code === 0;
}

/** The certificates of a PEM file as separate PEM strings. */
export const pemsOf = (text: string): string[] => text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g) ?? [];
