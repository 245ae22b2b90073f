/** What a person sees on a terminal: colours in -o wide and the batch progress bar, under a real pseudo-terminal. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, initPki } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** Runs a command under script(1), so its stdout and stderr are a TTY; returns what the terminal received. */
function onTerminal(args: string[], env: Record<string, string> = {}): { code: number; screen: string } {
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('script', ['-q', '-e', '-c', cmd, '/dev/null'], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', HOME: '/tmp', TERM: 'xterm-256color', ...env },
  });
  return { code: r.status ?? -1, screen: r.stdout };
}

describe('on a terminal', () => {
  let dir = '';
  beforeAll(async () => {
    dir = tempDir();
    // made 350 days ago: every certificate expires within 30 days
    const past = new Date(Date.now() - 350 * 86_400_000).toISOString().replace('T', ' ').slice(0, 19);
    await initPki(dir, { faketime: past });
  });

  it('-o wide colours rows within 30 days yellow; NO_COLOR and --no-color turn colour off', () => {
    const args = ['certs', 'check-expiration', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '-o', 'wide'];
    const colour = onTerminal(args);
    expect(colour.code).toBe(0);
    expect(colour.screen).toMatch(/\u001b\[33mapiserver\u001b\[39m/);
    // the CA rows (10 years) stay uncoloured
    const caRow = colour.screen.split('\n').find((l) => l.includes('front-proxy-ca') && l.includes('(ca)'));
    expect(caRow).toBeDefined();
    expect(caRow).not.toContain('\u001b[33m');
    expect(onTerminal(args, { NO_COLOR: '1' }).screen).not.toContain('\u001b[33m');
    expect(onTerminal([...args, '--no-color']).screen).not.toContain('\u001b[33m');
  });

  it('-o wide --output-file writes no colour into the file, though stdout is a terminal', () => {
    const file = join(tempDir(), 'report.txt');
    const r = onTerminal(['certs', 'check-expiration', '--cert-dir', join(dir, 'pki'), '--kubeconfig-dir', dir, '-o', 'wide', '--output-file', file]);
    expect(r.code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('apiserver');
    expect(text).not.toContain('\u001b[');
  });

  it('batch kubeconfig user draws a progress bar on stderr and ends with a summary', () => {
    const out = join(tempDir(), 'out');
    const names = Array.from({ length: 20 }, (_, i) => ['--client-name', `u${i}`]).flat();
    const r = onTerminal(['kubeconfig', 'user', ...names, '--out-dir', out, '--cert-dir', join(dir, 'pki'), '--server', 'https://127.0.0.1:6443', '--encryption-algorithm', 'ECDSA-P256']);
    expect(r.code).toBe(0);
    expect(r.screen).toContain('\r[##############################] 20/20');
    expect(r.screen).toMatch(/wrote 20 kubeconfig file\(s\) to .+ in \d+\.\ds/);
    expect(readdirSync(out)).toHaveLength(20);
  });
});
