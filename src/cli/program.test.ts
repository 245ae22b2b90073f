/**
 * CLI wiring: argv → which command module runs, with which arguments and options. The command modules are
 * replaced by spies, so this pins flag semantics (last scalar wins, lists accumulate and split on commas, numbers
 * parsed, --no-x defaults) without touching a PKI.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Command } from 'commander';
import { run } from '../main.js';
import { createProgram } from './program.js';
import type { Io } from './io.js';

const calls: { module: string; args: unknown[]; opts: Record<string, unknown> }[] = [];
const spy = (module: string) => ({
  default: vi.fn(async (args: unknown[], opts: Record<string, unknown>) => {
    calls.push({ module, args, opts: { ...opts } });
  }),
});
vi.mock('./commands/init.js', () => spy('init'));
vi.mock('./commands/init-phase-certs.js', () => spy('init-phase-certs'));
vi.mock('./commands/init-phase-kubeconfig.js', () => spy('init-phase-kubeconfig'));
vi.mock('./commands/certs-check-expiration.js', () => spy('certs-check-expiration'));
vi.mock('./commands/certs-renew.js', () => spy('certs-renew'));
vi.mock('./commands/certs-generate-csr.js', () => spy('certs-generate-csr'));
vi.mock('./commands/certs-certificate-key.js', () => spy('certs-certificate-key'));
vi.mock('./commands/kubeconfig-user.js', () => spy('kubeconfig-user'));
vi.mock('./commands/completion.js', () => spy('completion'));

function io(): Io & { err: string[] } {
  const err: string[] = [];
  return { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s) }, env: {}, now: () => new Date(0), err };
}

beforeEach(() => {
  calls.length = 0;
});

const TABLE: [string, string[], string, unknown[], Record<string, unknown>][] = [
  ['init with list, port and repeated flags', ['init', '--cert-dir', 'a', '--cert-dir', 'b', '--apiserver-cert-extra-sans', 'x, y', '--apiserver-cert-extra-sans', 'z', '--apiserver-bind-port', '8443', '--dry-run'],
    'init', [], { certDir: 'b', apiserverCertExtraSans: ['x', 'y', 'z'], apiserverBindPort: 8443, dryRun: true }],
  ['init phase certs <name>', ['init', 'phase', 'certs', 'apiserver', '--node-name', 'n1', '--encryption-algorithm', 'ECDSA-P256'],
    'init-phase-certs', ['apiserver'], { nodeName: 'n1', encryptionAlgorithm: 'ECDSA-P256' }],
  ['init phase kubeconfig <name>', ['init', 'phase', 'kubeconfig', 'admin', '--control-plane-endpoint', 'lb:6443', '--kubeconfig-dir', 'k'],
    'init-phase-kubeconfig', ['admin'], { controlPlaneEndpoint: 'lb:6443', kubeconfigDir: 'k' }],
  ['check-expiration defaults', ['certs', 'check-expiration'], 'certs-check-expiration', [], { color: true }],
  ['check-expiration with every flag', ['certs', 'check-expiration', '-o', 'prometheus', '--fail-within', '30d', '--include-kubelet', '--kubelet-dir', 'kd', '--output-file', 'f.prom', '--no-color', '--kubeconfig', 'admin.conf'],
    'certs-check-expiration', [], { output: 'prometheus', failWithin: '30d', includeKubelet: true, kubeletDir: 'kd', outputFile: 'f.prom', color: false, kubeconfig: 'admin.conf' }],
  ['renew defaults keep backups', ['certs', 'renew', 'all'], 'certs-renew', ['all'], { backup: true }],
  ['renew with every flag', ['certs', 'renew', 'apiserver', '--reuse-key', '--no-backup', '--backup-dir', 'b', '--expiring-within', '720h', '--csr-only', '--csr-dir', 'c', '--encryption-algorithm', 'RSA-4096', '--dry-run'],
    'certs-renew', ['apiserver'], { reuseKey: true, backup: false, backupDir: 'b', expiringWithin: '720h', csrOnly: true, csrDir: 'c', encryptionAlgorithm: 'RSA-4096', dryRun: true }],
  ['renew passes unknown names to the command (it words the error)', ['certs', 'renew', 'nope'], 'certs-renew', ['nope'], { backup: true }],
  ['generate-csr', ['certs', 'generate-csr', '--cert-dir', 'p', '--apiserver-advertise-address', '10.0.0.1', '--service-cidr', '10.96.0.0/12'],
    'certs-generate-csr', [], { certDir: 'p', apiserverAdvertiseAddress: '10.0.0.1', serviceCidr: '10.96.0.0/12' }],
  ['certificate-key', ['certs', 'certificate-key'], 'certs-certificate-key', [], {}],
  ['kubeconfig user: repeated names and orgs accumulate, orgs split on commas', ['kubeconfig', 'user', '--client-name', 'a', '--client-name', 'b', '--org', 'x,y', '--org', 'z', '--out-dir', 'o', '--force', '--allow-system-masters'],
    'kubeconfig-user', [], { clientName: ['a', 'b'], org: ['x', 'y', 'z'], outDir: 'o', force: true, allowSystemMasters: true }],
  ['kubeconfig user: scalars are strings (no numeric cast)', ['kubeconfig', 'user', '--client-name', '007', '--validity-period', '24h', '--token', '123', '--server', 'https://s:6443', '--cluster-name', 'c', '--from-file', 'u.yaml', '--out', 'f'],
    'kubeconfig-user', [], { clientName: ['007'], validityPeriod: '24h', token: '123', server: 'https://s:6443', clusterName: 'c', fromFile: 'u.yaml', out: 'f' }],
  ['completion <shell>', ['completion', 'zsh'], 'completion', ['zsh'], {}],
];

describe('CLI wiring: argv → command module, arguments, options', () => {
  it.each(TABLE)('%s', async (_name, argv, module, args, opts) => {
    const r = io();
    expect(await run(argv, r), r.err.join('')).toBe(0);
    expect(calls).toEqual([{ module, args, opts }]);
  });

  it.each([
    ['a flag without its value', ['certs', 'check-expiration', '--fail-within']],
    ['a bad port', ['init', '--apiserver-bind-port', '0']],
    ['an unknown init phase', ['init', 'phase', 'certs', 'nope']],
    ['an unknown flag', ['certs', 'renew', 'all', '--bogus']],
    ['a missing argument', ['certs', 'renew']],
    ['a bad algorithm', ['kubeconfig', 'user', '--client-name', 'a', '--encryption-algorithm', 'DSA']],
  ])('%s is a usage error (exit 2) and runs nothing', async (_name, argv) => {
    const r = io();
    expect(await run(argv, r)).toBe(2);
    expect(calls).toEqual([]);
    expect(r.err.join('')).toMatch(/error/);
  });
});

describe('createProgram(io, first) builds only the command the run names', () => {
  const quiet = io();
  const full = createProgram(quiet);
  /** Every command's help under `cmd`, by path, to compare a lazily built tree with the whole one. */
  const helps = (cmd: Command, path = cmd.name()): Record<string, string> =>
    Object.assign({ [path]: cmd.helpInformation() }, ...cmd.commands.map((c) => helps(c, `${path} ${c.name()}`)));
  const tops = full.commands.filter((c) => !['completion', '__complete'].includes(c.name()));

  it.each(tops.flatMap((c) => [c.name(), ...c.aliases()].map((n) => [n, c.name()])))('%s builds %s alone, with the same help as the whole tree', (word, name) => {
    const lazy = createProgram(quiet, word);
    const built = lazy.commands.find((c) => c.name() === name);
    expect(built).toBeDefined();
    // node commands share a builder (kubeconfig refresh is one), so a run may build a few more groups, never all
    expect(lazy.commands.length).toBeLessThan(full.commands.length);
    expect(helps(built as Command)).toEqual(helps(full.commands.find((c) => c.name() === name) as Command));
  });

  it('anything else (help, an unknown word, completion) builds the whole tree', () => {
    for (const word of [undefined, 'help', '--help', 'cert', 'completion', '__complete']) expect(createProgram(quiet, word).commands.length).toBe(full.commands.length);
  });
});
