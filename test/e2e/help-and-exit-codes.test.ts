/** Help that teaches, a README that covers it, one documented exit code per situation. */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import type { Io } from '../../src/cli/io.js';
import { run } from '../../src/main.js';
import { EXIT_CODES } from '../../src/cli/help.js';
import { initPki, runCli } from '../helpers/cli.js';
import { REPO, tempDir } from '../helpers/tmp.js';

function memoryIo(overrides: Partial<Io> = {}): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s), isTTY: false },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    env: {},
    now: () => new Date('2026-01-01T00:00:00Z'),
    out: () => out,
    err: () => err,
    ...overrides,
  };
}

function leafCommands(cmd: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  const own = path.length > 0 ? [{ path, cmd }] : [];
  // hidden commands (`__complete`, called by the completion scripts) have no help and no README section
  const shown = cmd.commands.filter((c) => !(c as unknown as { _hidden: boolean })._hidden);
  return [...own, ...shown.flatMap((c) => leafCommands(c, [...path, c.name()]))];
}

const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const COMMANDS = leafCommands(createProgram(memoryIo())).filter(({ cmd }) => cmd.commands.length === 0 || cmd.name() === 'init');

function readmeSection(path: string[]): string {
  const heading = `### kubecerts ${path.join(' ')}\n`;
  const start = README.indexOf(heading);
  if (start < 0) return '';
  const next = README.indexOf('\n### ', start + heading.length);
  return README.slice(start, next < 0 ? undefined : next);
}

describe('help and README', () => {
  it.each(COMMANDS.map((c) => [c.path.join(' '), c] as const))('kubecerts %s --help has usage, flags with defaults, EXAMPLES and EXIT CODES', async (_name, { path, cmd }) => {
    const io = memoryIo();
    expect(await run([...path, '--help'], io)).toBe(0);
    const help = io.out();
    expect(help).toMatch(/^Usage: kubecerts /);
    expect(help).toMatch(/\nEXAMPLES\n {2}.*kubecerts /);
    expect(help).toMatch(/\nEXIT CODES\n  0  (success|every)/);
    for (const o of cmd.options) {
      if (o.long === '--help') continue;
      expect(help, o.long).toContain(o.long);
      expect(o.description, o.long).toContain('(default: ');
    }
  });

  it.each(COMMANDS.map((c) => [c.path.join(' '), c] as const))('README documents kubecerts %s and each of its flags', (_name, { path, cmd }) => {
    const section = readmeSection(path);
    expect(section, `README section "### kubecerts ${path.join(' ')}"`).not.toBe('');
    for (const o of cmd.options) if (o.long !== '--help') expect(section, `${path.join(' ')} ${o.long}`).toContain(o.long);
  });

  it('the README exit-code table lists every code the CLI documents', () => {
    for (const [code] of EXIT_CODES) expect(README).toMatch(new RegExp(`\\n\\| ${code} \\| `));
  });
});

describe('exit codes, one test per code', () => {
  it('0: --version prints the package version on the first line, then the commit and the Node.js version', async () => {
    const r = await runCli(['--version']);
    const [first, ...detail] = r.stdout.split('\n');
    expect(first).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
    expect(detail).toEqual([expect.stringMatching(/^commit: ([0-9a-f]{7,}(-dirty)?|unknown)$/), `node: ${process.version}`, '']);
    expect(r.code).toBe(0);
  });

  it('1: the operation failed (no PKI where one is needed)', async () => {
    const dir = tempDir();
    const r = await runCli(['init', 'phase', 'kubeconfig', 'admin', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '--apiserver-advertise-address', '10.0.0.1']);
    expect(r.stderr).toMatch(/^error: error execution phase kubeconfig\/admin: the CA files do not exist, please run `kubecerts init phase certs ca` to generate it: failed to load certificate: couldn't load the certificate file /);
    expect(r.code).toBe(1);
  });

  it.each([
    [['certs', 'bogus'], /^error: unknown command "bogus" for "kubecerts certs"/],
    [['certs', 'check-expiration', '--nope'], /^error: unknown option '--nope'/],
    [['certs', 'check-expiration', '-o', 'xml'], /unable to match a printer suitable for the output format "xml"/],
    [['certs', 'check-expiration', '--fail-within', 'soon'], /^error: invalid --fail-within "soon": use a duration such as 720h or 30d$/],
    [['init', '--apiserver-bind-port', '99999'], /^error: invalid port "99999": must be a number from 1 to 65535$/],
    [['certs', 'renew'], /^error: missing required argument 'name'/],
  ])('2: usage error for %j', async (args, message) => {
    const r = await runCli(args);
    expect(r.stderr.split('\n')[0]).toMatch(message);
    expect(r.code).toBe(2);
  });

  it('3: check-expiration --fail-within with certificates inside the window', async () => {
    const dir = tempDir();
    await initPki(dir);
    const r = await runCli(['certs', 'check-expiration', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '--fail-within', '400d']);
    expect(r.code).toBe(3);
  });

  it('4: renew while another process holds the lock', async () => {
    const dir = tempDir();
    await initPki(dir);
    mkdirSync(join(dir, 'pki'), { recursive: true });
    writeFileSync(join(dir, 'pki', '.kubecerts.lock'), `${process.pid}\n`);
    const r = await runCli(['certs', 'renew', 'all', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir]);
    expect(r.code).toBe(4);
  });

  it('unexpected failures print one line and the KUBECERTS_DEBUG hint; the stack only with the variable', async () => {
    const broken = (env: Record<string, string>): ReturnType<typeof memoryIo> =>
      memoryIo({ stdout: { write: () => { throw new Error('stdout closed'); } }, env });
    const io = broken({});
    expect(await run(['certs', 'certificate-key'], io)).toBe(1);
    expect(io.err()).toBe('error: unexpected failure: stdout closed\nhint: re-run with --v=5 (or KUBECERTS_DEBUG=1) for details\n');
    const dbg = broken({ KUBECERTS_DEBUG: '1' });
    expect(await run(['certs', 'certificate-key'], dbg)).toBe(1);
    expect(dbg.err()).toMatch(/^error: unexpected failure: stdout closed\nError: stdout closed\n\s+at /);
  });
});
