/**
 * Hostile and unlucky inputs (see test/HOSTILE-INPUTS.md): output paths that are not regular files or belong to
 * someone else, shared backup folders, failing stdout, encodings, stale locks, forged journals, size limits, full
 * disks, unreadable files, duplicate names, and what reading commands say about an interrupted write. Every case
 * checks that no file was lost or changed and no key became readable by another user. Root-only cases (mknod,
 * mount, setpriv) run as root, as CI does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import {
  chmodSync, chownSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, initPki, runCli } from '../helpers/cli.js';
import { kubeconfigCredentials } from '../helpers/kubeconfig.js';
import { openssl } from '../helpers/openssl.js';
import { chownTreeToNobody, copyFixture, kubecertsTemps, digest, REPO, snapshotTree, tempDir } from '../helpers/tmp.js';

const ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
const dirs = (k8s: string): string[] => ['--cert-dir', join(k8s, 'pki'), '--kubeconfig-dir', k8s];
const mode = (p: string): number => statSync(p).mode & 0o777;

/** Runs the CLI synchronously with stdout on `stdout` (a file descriptor, or 'ignore'). */
function runTo(args: readonly string[], stdout: number | 'ignore' | 'pipe'): { code: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', stdout, 'pipe'], encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout ?? '' };
}

/** Mounts a tmpfs of `kb` KiB at a fresh folder, runs `f`, unmounts. */
async function onTmpfs<T>(kb: number, f: (dir: string) => Promise<T>): Promise<T> {
  const dir = join(tempDir(), 'small');
  mkdirSync(dir);
  expect(spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir]).status).toBe(0);
  try {
    return await f(dir);
  } finally {
    spawnSync('umount', [dir]);
  }
}

/** Fills the file system of `dir` up to `leaveKb` KiB free. */
function fill(dir: string, leaveKb: number): void {
  const df = spawnSync('df', ['-k', '--output=avail', dir], { encoding: 'utf8' }).stdout.trim().split('\n').pop() ?? '0';
  const count = Math.max(0, Number(df) - leaveKb);
  spawnSync('dd', ['if=/dev/zero', `of=${join(dir, 'fill')}`, 'bs=1k', `count=${count}`], { stdio: 'ignore' });
}


/** One error line (plus an optional hint), no stack, no "unexpected failure". */
function expectOneLineError(stderr: string, mentions: string): void {
  const lines = stderr.split('\n').filter((l) => l !== '');
  expect(lines[0], stderr).toMatch(/^error: /);
  expect(lines[0]).toContain(mentions);
  expect(stderr).not.toContain('unexpected failure');
  expect(lines.slice(1).every((l) => l.startsWith('hint: '))).toBe(true);
}

describe('output paths: only regular files are replaced, key-bearing files end ours and 0600', () => {
  it.runIf(ROOT)('a device node at --out, --out-dir and --output-file is refused and stays a device', async () => {
    const k8s = copyFixture('v1.29');
    const w = tempDir();
    for (const n of ['null1', 'null2', 'out/a.conf']) {
      mkdirSync(join(w, 'out'), { recursive: true });
      expect(spawnSync('mknod', ['-m', '666', join(w, n), 'c', '1', '3']).status).toBe(0);
    }
    const runs = [
      await runCli(['kubeconfig', 'user', '--client-name', 'a', '--out', join(w, 'null1'), '--force', ...dirs(k8s)]),
      await runCli(['certs', 'check-expiration', '--output-file', join(w, 'null2'), ...dirs(k8s)]),
      await runCli(['kubeconfig', 'user', '--client-name', 'a', '--client-name', 'b', '--out-dir', join(w, 'out'), '--force', ...dirs(k8s)]),
    ];
    for (const r of runs) {
      expect(r.code).toBe(1);
      expectOneLineError(r.stderr, 'refusing to replace a device');
    }
    for (const n of ['null1', 'null2', 'out/a.conf']) expect(lstatSync(join(w, n)).isCharacterDevice()).toBe(true);
    expect(existsSync(join(w, 'out', 'b.conf'))).toBe(false);
    expect(kubecertsTemps(w)).toEqual([]);
  });

  it('a symbolic link or FIFO at --out / --output-file is refused; the link target is untouched', async () => {
    const k8s = copyFixture('v1.29');
    const w = tempDir();
    writeFileSync(join(w, 'target'), 'T');
    symlinkSync(join(w, 'target'), join(w, 'link.conf'));
    spawnSync('mkfifo', [join(w, 'fifo')]);
    const a = await runCli(['kubeconfig', 'user', '--client-name', 'd', '--out', join(w, 'link.conf'), '--force', ...dirs(k8s)]);
    expect(a.code).toBe(1);
    expectOneLineError(a.stderr, 'refusing to replace a symbolic link');
    const b = await runCli(['certs', 'check-expiration', '--output-file', join(w, 'fifo'), ...dirs(k8s)]);
    expect(b.code).toBe(1);
    expectOneLineError(b.stderr, 'refusing to replace a FIFO');
    expect(readFileSync(join(w, 'target'), 'utf8')).toBe('T');
    expect(lstatSync(join(w, 'link.conf')).isSymbolicLink()).toBe(true);
  });

  it.runIf(ROOT)('--out --force over a 0644 file of another user ends 0600 and owned by us; other user cannot read it', async () => {
    const k8s = copyFixture('v1.29');
    const w = tempDir();
    const shared = join(w, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const p = join(shared, 'alice.conf');
    writeFileSync(p, 'x');
    chownSync(p, NOBODY, NOBODY);
    chmodSync(p, 0o644);
    const r = await runCli(['kubeconfig', 'user', '--client-name', 'alice', '--out', p, '--force', ...dirs(k8s)]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(p).uid).toBe(0);
    expect(mode(p)).toBe(0o600);
    expect(spawnSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'cat', p]).status).not.toBe(0);
  });

  it('--out-dir --force and renew narrow wider key-bearing files to 0600', async () => {
    const k8s = copyFixture('v1.29');
    const out = join(tempDir(), 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'b.conf'), 'old');
    chmodSync(join(out, 'b.conf'), 0o644);
    expect((await runCli(['kubeconfig', 'user', '--client-name', 'b', '--client-name', 'c', '--out-dir', out, '--force', ...dirs(k8s)])).code).toBe(0);
    expect(mode(join(out, 'b.conf'))).toBe(0o600);
    chmodSync(join(k8s, 'super-admin.conf'), 0o644);
    chmodSync(join(k8s, 'admin.conf'), 0o640);
    expect((await runCli(['certs', 'renew', 'super-admin.conf', ...dirs(k8s)])).code).toBe(0);
    expect((await runCli(['certs', 'renew', 'admin.conf', ...dirs(k8s)])).code).toBe(0);
    expect(mode(join(k8s, 'super-admin.conf'))).toBe(0o600);
    expect(mode(join(k8s, 'admin.conf'))).toBe(0o600);
  });
});

describe('backups', () => {
  it('each renewal gets a new 0700 folder with a random suffix and 0600 files', async () => {
    const k8s = copyFixture('v1.29');
    await runCli(['certs', 'renew', 'apiserver', ...dirs(k8s)]);
    await runCli(['certs', 'renew', 'admin.conf', ...dirs(k8s)]);
    const names = readdirSync(join(k8s, 'tmp'));
    expect(names).toHaveLength(2);
    for (const n of names) {
      expect(n).toMatch(/^kubecerts-backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-[0-9a-f]{16}$/);
      expect(mode(join(k8s, 'tmp', n))).toBe(0o700);
    }
    const files = names.flatMap((n) => {
      const d = join(k8s, 'tmp', n);
      return [join(d, 'admin.conf'), join(d, 'pki', 'apiserver.crt'), join(d, 'pki', 'apiserver.key')].filter((p) => existsSync(p));
    });
    expect(files).toHaveLength(3);
    for (const f of files) expect(mode(f)).toBe(0o600);
  });

  it.runIf(ROOT)('a shared --backup-dir (1777) with folders and links planted by another user is refused; nothing is followed', async () => {
    const k8s = copyFixture('v1.29');
    const w = tempDir();
    const shared = join(w, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    writeFileSync(join(w, 'victim'), 'ORIGINAL');
    mkdirSync(join(w, 'victimdir'));
    // another user plants every name of this second (the random suffix makes the real one unguessable anyway)
    const plant = `for i in $(seq 0 999); do d=${shared}/kubecerts-backup-2026-12-01T00-00-00-$(printf %03d $i)Z; mkdir -p $d/pki; : > $d/admin.conf; ln -s ${w}/victim $d/pki/apiserver.key; ln -s ${w}/victimdir $d-link; done`;
    expect(spawnSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'bash', '-c', plant]).status).toBe(0);
    const before = snapshotTree(k8s);
    for (const name of ['admin.conf', 'apiserver']) {
      const r = await runCli(['certs', 'renew', name, '--backup-dir', shared, ...dirs(k8s)], { faketime: '2026-12-01 00:00:00' });
      expect(r.code).toBe(1);
      expectOneLineError(r.stderr, `refusing backup folder parent "${shared}": it is writable by its group and others (mode 1777)`);
    }
    expect(snapshotTree(k8s)).toEqual(before);
    expect(readFileSync(join(w, 'victim'), 'utf8')).toBe('ORIGINAL');
    expect(readdirSync(join(w, 'victimdir'))).toEqual([]);
    for (const n of readdirSync(shared).filter((x) => !x.endsWith('-link'))) expect(statSync(join(shared, n)).uid, n).toBe(NOBODY);
  });

  it('retention keeps the newest --keep-backups folders and deletes nothing else', async () => {
    const k8s = copyFixture('v1.29');
    const root = join(k8s, 'tmp');
    mkdirSync(root);
    const keepers = ['kubecerts-backup-2020-01-01T00-00-00-000Z', 'my-notes', 'kubecerts-backup-2020-01-01T00-00-00-000Z-0123456789abcdeX'];
    for (const n of keepers) mkdirSync(join(root, n));
    symlinkSync(join(k8s, 'pki'), join(root, 'kubecerts-backup-2019-01-01T00-00-00-000Z-0123456789abcdef'));
    for (let i = 0; i < 5; i++) expect((await runCli(['certs', 'renew', 'apiserver', '--keep-backups', '3', ...dirs(k8s)])).code).toBe(0);
    const ours = readdirSync(root).filter((n) => /-[0-9a-f]{16}$/.test(n) && lstatSync(join(root, n)).isDirectory());
    expect(ours).toHaveLength(3);
    for (const n of keepers) expect(existsSync(join(root, n)), n).toBe(true);
    expect(lstatSync(join(root, 'kubecerts-backup-2019-01-01T00-00-00-000Z-0123456789abcdef')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(k8s, 'pki', 'ca.key'))).toBe(true);
    const bad = await runCli(['certs', 'renew', 'apiserver', '--keep-backups', '0', ...dirs(k8s)]);
    expect(bad.code).toBe(2);
  });

  it('a --backup-dir that is a file: one line naming it, exit 1, nothing changed', async () => {
    const k8s = copyFixture('v1.29');
    const f = join(tempDir(), 'afile');
    writeFileSync(f, 'x');
    const before = snapshotTree(k8s);
    const r = await runCli(['certs', 'renew', 'apiserver', '--backup-dir', f, ...dirs(k8s)]);
    expect(r.code).toBe(1);
    expectOneLineError(r.stderr, `cannot back up to "${f}": not a directory`);
    expect(snapshotTree(k8s)).toEqual(before);
  });

  it('the README restore command puts the old files back without changing folder modes; a deleted key comes back 0600', async () => {
    const k8s = copyFixture('v1.29');
    chmodSync(k8s, 0o755);
    const before = snapshotTree(k8s);
    expect((await runCli(['certs', 'renew', 'all', ...dirs(k8s)])).code).toBe(0);
    const backup = join(k8s, 'tmp', readdirSync(join(k8s, 'tmp'))[0]!);
    // deleted since the backup, not just replaced: they must not come back world-readable under umask 022
    for (const f of ['pki/apiserver.key', 'pki/etcd/peer.key', 'admin.conf']) rmSync(join(k8s, f));
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const cmd = /^\(umask 077 && cp -r --no-preserve=mode,ownership \S+ \/etc\/kubernetes\/\)$/m.exec(readme)?.[0];
    expect(cmd).toBeDefined();
    const run = cmd!.replace(/\/etc\/kubernetes\/tmp\/kubecerts-backup-<time>-<random>/, backup).replace(/\/etc\/kubernetes\/\)$/, `${k8s}/)`);
    expect(spawnSync('bash', ['-c', `umask 022; ${run}`]).status).toBe(0);
    for (const d of [k8s, join(k8s, 'pki'), join(k8s, 'pki', 'etcd')]) expect(mode(d), d).toBe(0o755);
    for (const f of ['pki/apiserver.key', 'pki/etcd/peer.key', 'admin.conf', 'pki/sa.key']) expect(mode(join(k8s, f)), f).toBe(0o600);
    expect(mode(join(k8s, 'pki', 'apiserver.crt'))).toBe(0o644);
    const after = snapshotTree(k8s);
    for (const [p, h] of before) expect(after.get(p), p).toBe(h);
  });
});

describe('stdout write failures exit 1 with one line', () => {
  const k8s = copyFixture('v1.29');
  const commands: [string, string[]][] = [
    ['kubeconfig user', ['kubeconfig', 'user', '--client-name', 'alice', ...dirs(k8s)]],
    ['check-expiration', ['certs', 'check-expiration', ...dirs(k8s)]],
    ['check-expiration -o json', ['certs', 'check-expiration', '-o', 'json', ...dirs(k8s)]],
    ['certificate-key', ['certs', 'certificate-key']],
    ['completion', ['completion', 'bash']],
    ['--version', ['--version']],
    ['renew --dry-run', ['certs', 'renew', 'all', '--dry-run', ...dirs(k8s)]],
  ];
  it.each(commands)('%s > /dev/full', (_n, args) => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = runTo(args, fd);
      expect(r.code).toBe(1);
      expectOneLineError(r.stderr, 'cannot write to standard output: no space left on device');
    } finally {
      closeSync(fd);
    }
  });

  it.each(commands)('%s with the reading end of stdout closed (EPIPE)', async (_n, args) => {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '' } });
      c.stdout.destroy(); // the reader goes away before the first write
      let stderr = '';
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.code).toBe(1);
    expectOneLineError(r.stderr, 'cannot write to standard output: broken pipe');
  });

  it.runIf(ROOT)('kubeconfig user > a file on a full disk exits 1', async () => {
    await onTmpfs(64, async (small) => {
      fill(small, 2);
      const fd = openSync(join(small, 'alice.conf'), 'w', 0o600);
      try {
        const r = runTo(['kubeconfig', 'user', '--client-name', 'alice', ...dirs(k8s)], fd);
        expect(r.code).toBe(1);
        expectOneLineError(r.stderr, 'no space left on device');
      } finally {
        closeSync(fd);
      }
    });
  });

  it('a private key going to a stdout file others can read is warned about', () => {
    const p = join(tempDir(), 'alice.conf');
    const fd = openSync(p, 'w', 0o644);
    chmodSync(p, 0o644);
    try {
      const r = runTo(['kubeconfig', 'user', '--client-name', 'alice', ...dirs(k8s)], fd);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('WARNING: standard output is a file readable by other users (mode 0644)');
    } finally {
      closeSync(fd);
    }
    const q = join(tempDir(), 'bob.conf');
    const fd2 = openSync(q, 'w', 0o600);
    try {
      expect(runTo(['kubeconfig', 'user', '--client-name', 'bob', ...dirs(k8s)], fd2).stderr).toBe('');
    } finally {
      closeSync(fd2);
    }
  });
  it.each([
    ['kubelet client-kubeconfig', (k: string): string[] => ['kubelet', 'client-kubeconfig', '--node-name', 'n1', ...dirs(k)], 'this kubeconfig holds a private key: chmod 600 it, or use --out'],
    ['certs certificate-key', (): string[] => ['certs', 'certificate-key'], 'this key decrypts the certificates and keys uploaded with --upload-certs: chmod 600 it'],
  ])('%s to a stdout file others can read is warned about, like kubeconfig user', (_n, args, why) => {
    const k = copyFixture('v1.29');
    const p = join(tempDir(), 'out');
    const fd = openSync(p, 'w', 0o644);
    chmodSync(p, 0o644);
    try {
      const r = runTo(args(k), fd);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`WARNING: standard output is a file readable by other users (mode 0644) and ${why}`);
    } finally {
      closeSync(fd);
    }
    const q = join(tempDir(), 'private');
    const fd2 = openSync(q, 'w', 0o600);
    try {
      expect(runTo(args(k), fd2).stderr).not.toContain('WARNING');
    } finally {
      closeSync(fd2);
    }
  });
});

describe('encoding: UTF-8 in, the same bytes out', () => {
  it('renew keeps every byte of a kubeconfig it does not change (non-ASCII names and tokens)', async () => {
    const k8s = copyFixture('v1.29');
    const conf = join(k8s, 'admin.conf');
    const extra = '- name: josé\n  user:\n    token: tökén\n- name: 日本\n  user:\n    token: t\n';
    writeFileSync(conf, readFileSync(conf, 'utf8') + extra);
    const before = readFileSync(conf, 'utf8');
    const r = await runCli(['certs', 'renew', 'admin.conf', ...dirs(k8s)]);
    expect(r.code, r.stderr).toBe(0);
    const after = readFileSync(conf, 'utf8');
    expect(after.endsWith(extra)).toBe(true);
    const strip = (t: string): string => t.replace(/(client-certificate-data|client-key-data|certificate-authority-data): \S+/g, '$1: X');
    expect(strip(after)).toBe(strip(before));
    expect(after).not.toBe(before);
  });

  it('check-expiration accepts CJK text in a kubeconfig', async () => {
    const k8s = copyFixture('v1.29');
    writeFileSync(join(k8s, 'admin.conf'), `${readFileSync(join(k8s, 'admin.conf'), 'utf8')}- name: 日本\n  user:\n    token: t\n`);
    const r = await runCli(['certs', 'check-expiration', ...dirs(k8s)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('admin.conf');
  });

  it('invalid UTF-8 is an error naming the file and line (users file, kubeconfig)', async () => {
    const k8s = copyFixture('v1.29');
    const w = tempDir();
    writeFileSync(join(w, 'u.yaml'), Buffer.concat([Buffer.from('- name: ok\n- name: "caf'), Buffer.from([0xe9]), Buffer.from('"\n')]));
    const r = await runCli(['kubeconfig', 'user', '--from-file', join(w, 'u.yaml'), '--out-dir', join(w, 'out'), ...dirs(k8s)]);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, `invalid users file "${join(w, 'u.yaml')}": invalid UTF-8 on line 2`);
    expect(existsSync(join(w, 'out'))).toBe(false);
    writeFileSync(join(k8s, 'admin.conf'), Buffer.concat([readFileSync(join(k8s, 'admin.conf')), Buffer.from([0x23, 0xff, 0x0a])]));
    const before = snapshotTree(k8s);
    const c = await runCli(['certs', 'renew', 'admin.conf', ...dirs(k8s)]);
    expect(c.code).toBe(1);
    expectOneLineError(c.stderr, `${join(k8s, 'admin.conf')}: invalid UTF-8 on line`);
    expect(snapshotTree(k8s)).toEqual(before);
  });

  it('an argument that is not UTF-8 (real bytes on the command line) is refused before anything runs: exit 2 naming it', async () => {
    const k8s = copyFixture('v1.29');
    const out = join(tempDir(), 'out');
    const before = snapshotTree(k8s);
    // Node can only pass UTF-8 to a child: printf in sh writes the byte 0xE9 (Latin-1 é) into the argument itself
    const raw = (script: string): { code: number | null; stderr: string; stdout: string } => {
      const r = spawnSync('/bin/sh', ['-c', `exec "$NODE" "$BIN" ${script}`], {
        encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', NODE: process.execPath, BIN, K8S: k8s, OUT: out, E9: '\\351' },
      });
      return { code: r.status, stderr: r.stderr, stdout: r.stdout };
    };
    const cases: [string, string][] = [
      ['kubeconfig user --client-name "$(printf "caf$E9")" --out-dir "$OUT" --cert-dir "$K8S/pki" --server https://1.2.3.4:6443', 'the value of --client-name is not valid UTF-8'],
      ['kubeconfig user --client-name="$(printf "caf$E9")" --out-dir "$OUT" --cert-dir "$K8S/pki" --server https://1.2.3.4:6443', 'the value of --client-name is not valid UTF-8'],
      ['kubeconfig user --client-name ok --org "$(printf "$E9")" --out-dir "$OUT" --cert-dir "$K8S/pki" --server https://1.2.3.4:6443', 'the value of --org is not valid UTF-8'],
      ['certs renew "$(printf "caf$E9")" --cert-dir "$K8S/pki" --kubeconfig-dir "$K8S"', 'argument 3 ("caf\uFFFD") is not valid UTF-8'],
      ['certs check-expiration --cert-dir "$K8S/pki" -o "$(printf "$E9")"', 'the value of -o is not valid UTF-8'],
      ['--rootfs "$(printf "/$E9")" certs renew all --cert-dir "$K8S/pki" --kubeconfig-dir "$K8S"', 'the value of --rootfs is not valid UTF-8'],
      ['certs renew all --cert-dir "$K8S/pki" --kubeconfig-dir "$K8S" "$(printf "$E9")"', 'argument 8 ("\uFFFD") is not valid UTF-8'],
    ];
    for (const [script, message] of cases) {
      const r = raw(script);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toBe(`error: ${message}`);
      expect(r.stderr).toMatch(/^hint: arguments must be UTF-8/m);
    }
    expect(existsSync(out)).toBe(false);
    expect(snapshotTree(k8s)).toEqual(before);
  });

  it('check-expiration -o wide and --fail-within show a certificate folder with a tab and ESC in its name escaped', async () => {
    const k8s = copyFixture('v1.29', join(tempDir(), 'k\tu\u001b[2Jbe'));
    const r = await runCli(['certs', 'check-expiration', '-o', 'wide', '--fail-within', '100000d', ...dirs(k8s)]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    // every row (certificates, kubeconfigs, CAs) names its file in the folder, one row each
    const rows = r.stdout.split('\n').slice(1).filter((l) => l !== '');
    expect(rows.length).toBeGreaterThanOrEqual(14);
    for (const row of rows) expect(row).toContain('k\\tu\\x1b[2Jbe');
    // no PKI in such a folder: the --fail-within line names it escaped
    const none = join(tempDir(), 'no\u001b[2Jpki');
    const n = await runCli(['certs', 'check-expiration', '--fail-within', '30d', '--cert-dir', none, '--kubeconfig-dir', none]);
    expect(n.code, n.stderr).toBe(3);
    expect(n.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    const shown = none.replace('\u001b', '\\x1b');
    expect(n.stderr).toContain(`no PKI in ${shown}: the cluster CA certificate ${shown}/ca.crt does not exist\n`);
  });

  it('error lines show control characters from file names escaped, never raw', async () => {
    const k8s = copyFixture('v1.29');
    const w = tempDir();
    const r = await runCli(['kubeconfig', 'user', '--client-name', 'a', '--from-file', join(w, 'no\u001b[2J\rsuch\nfile'), '--out-dir', join(w, 'out'), ...dirs(k8s)]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    // a line break in a message is folded to a space (messages are one line each); the other controls are escaped
    expect(r.stderr.split('\n')[0]).toContain(`${join(w, 'no\\x1b[2J\\rsuch file')}`);
  });
});

describe('locks', () => {
  it('a stale lock is taken over by exactly one of two racing renewals (delay injected into the first)', async () => {
    const k8s = copyFixture('v1.29');
    const lock = join(k8s, 'pki', '.kubecerts.lock');
    const dead = spawnSync('true').pid;
    writeFileSync(lock, `${dead}\n`);
    const log = join(tempDir(), 'strace');
    let stderr = '';
    const run = (cmd: string, argv: string[]): Promise<number | null> =>
      new Promise((resolve) => {
        const c = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env['PATH'] ?? '' } });
        c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        c.on('close', (code) => resolve(code));
      });
    // B holds the takeover for 1.5 s: its first unlink (the stale lock) is delayed
    const b = run('strace', ['-f', '-qq', '-o', log, '-e', 'trace=unlink', '-e', 'inject=unlink:delay_enter=1500000:when=1', process.execPath, BIN, 'certs', 'renew', 'all', ...dirs(k8s)]);
    for (let i = 0; i < 200 && !(existsSync(log) && readFileSync(log, 'utf8').includes('kubecerts.lock')); i++) await new Promise((r) => setTimeout(r, 25));
    const a = await run(process.execPath, [BIN, 'certs', 'renew', 'all', ...dirs(k8s)]);
    const codes = [a, await b].sort();
    expect(codes, stderr).toEqual([0, 4]);
    expect(readdirSync(join(k8s, 'tmp'))).toHaveLength(1);
    expect(existsSync(lock)).toBe(false);
  });

  it('a lock path that is a directory: exit 4 with the reason', async () => {
    const k8s = copyFixture('v1.29');
    mkdirSync(join(k8s, 'pki', '.kubecerts.lock'));
    const r = await runCli(['certs', 'renew', 'apiserver', ...dirs(k8s)]);
    expect(r.code).toBe(4);
    expectOneLineError(r.stderr, 'is a directory, not a kubecerts lock file');
  });
});

describe('journals', () => {
  it('a journal naming paths outside the PKI is refused and nothing is renamed', async () => {
    const k8s = copyFixture('v1.29');
    const w = tempDir();
    writeFileSync(join(w, 'evil'), 'EVIL');
    writeFileSync(join(w, 'victim'), 'VICTIM');
    const cases = [
      { tmp: join(w, 'evil'), path: join(w, 'victim') },
      { tmp: join(w, '.victim.kubecerts-0123abcd.tmp'), path: join(w, 'victim') },
      { tmp: join(k8s, 'pki', '.x.kubecerts-0123abcd.tmp'), path: join(w, 'victim') },
      { tmp: join(w, 'evil'), path: join(k8s, 'pki', 'ca.key') },
    ];
    for (const c of cases) {
      writeFileSync(join(w, '.victim.kubecerts-0123abcd.tmp'), 'EVIL');
      const journal = join(k8s, 'pki', '.kubecerts-journal.json');
      writeFileSync(journal, JSON.stringify({ version: 1, renames: [c] }));
      const before = snapshotTree(k8s);
      const r = await runCli(['certs', 'renew', 'apiserver', ...dirs(k8s)]);
      expect(r.code).toBe(1);
      expectOneLineError(r.stderr, 'names a path outside');
      expect(readFileSync(join(w, 'victim'), 'utf8')).toBe('VICTIM');
      expect(snapshotTree(k8s)).toEqual(before);
      rmSync(journal);
    }
  });
});

describe('size limits', () => {
  it('a users file of 130,000 entries is refused with a clear message, no stack overflow', async () => {
    const k8s = copyFixture('v1.29');
    const w = tempDir();
    const lines: string[] = [];
    for (let i = 0; i < 130_000; i++) lines.push(`- name: u${String(i).padStart(7, '0')}`);
    writeFileSync(join(w, 'u.yaml'), `${lines.join('\n')}\n`);
    const r = await runCli(['kubeconfig', 'user', '--from-file', join(w, 'u.yaml'), '--out-dir', join(w, 'out'), ...dirs(k8s)]);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, 'too many users (130000): one run issues at most 10000 kubeconfigs');
    expect(r.stderr).not.toContain('call stack');
  });

  it('a valid certificate with 10,000 SANs is renewed', async () => {
    const k8s = copyFixture('v1.29');
    const pki = join(k8s, 'pki');
    const w = tempDir();
    const sans = Array.from({ length: 10_000 }, (_v, i) => `DNS:h${String(i).padStart(5, '0')}.example.com`).join(',');
    writeFileSync(join(w, 'ext.cnf'), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans}\n`);
    expect(openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(pki, 'apiserver.key'), '-subj', '/CN=kube-apiserver', '-out', join(w, 'r.csr')]).code).toBe(0);
    expect(openssl(['x509', '-req', '-in', join(w, 'r.csr'), '-CA', join(pki, 'ca.crt'), '-CAkey', join(pki, 'ca.key'), '-CAcreateserial', '-days', '30', '-extfile', join(w, 'ext.cnf'), '-out', join(pki, 'apiserver.crt')]).code).toBe(0);
    const r = await runCli(['certs', 'renew', 'apiserver', ...dirs(k8s)]);
    expect(r.code, r.stderr).toBe(0);
    const text = openssl(['x509', '-in', join(pki, 'apiserver.crt'), '-noout', '-ext', 'subjectAltName']).out;
    expect(text).toContain('h09999.example.com');
  });
});

describe('messages for foreseeable I/O errors', () => {
  it.runIf(ROOT)('a full disk while staging, backing up or writing the journal: one line naming the file, no temp left, nothing changed', async () => {
    await onTmpfs(200, async (full) => {
      copyFixture('v1.29', full);
      const before = snapshotTree(full);
      let sawJournal = false;
      for (const leave of [8, 12, 14, 16, 20, 24, 40]) {
        rmSync(join(full, 'fill'), { force: true });
        fill(full, leave);
        for (const args of [['certs', 'renew', 'all'], ['certs', 'renew', 'apiserver', '--no-backup']]) {
          const r = await runCli([...args, ...dirs(full)]);
          rmSync(join(full, 'fill'), { force: true });
          if (r.code === 0) {
            // enough room: put the tree back for the next size
            rmSync(join(full, 'tmp'), { recursive: true, force: true });
            copyFixture('v1.29', full);
            fill(full, leave);
            continue;
          }
          expect(r.code).toBe(1);
          expectOneLineError(r.stderr, 'no space left on device');
          expect(r.stderr).toMatch(/"\/[^"]+"/);
          if (r.stderr.includes('.kubecerts-journal.json')) sawJournal = true;
          expect(kubecertsTemps(full)).toEqual([]);
          const now = snapshotTree(full);
          for (const [p, h] of before) expect(now.get(p), p).toBe(h);
          fill(full, leave);
        }
      }
      console.log(`full disk: journal write failure seen: ${sawJournal}`);
    });
  }, 600_000);

  it.runIf(ROOT)('--output-file in a folder the user cannot write: one line, exit 1', async () => {
    const k8s = copyFixture('v1.29');
    const w = tempDir();
    mkdirSync(join(w, 'rootonly'), { mode: 0o755 });
    chownTreeToNobody(k8s);
    const r = await runCli(['certs', 'check-expiration', '--output-file', join(w, 'rootonly', 'x.prom'), ...dirs(k8s)], { unprivileged: true });
    expect(r.code).toBe(1);
    expectOneLineError(r.stderr, `cannot write "${join(w, 'rootonly', 'x.prom')}": permission denied`);
  });

  it('a legal 245-character file name is written (short temp name)', async () => {
    const k8s = copyFixture('v1.29');
    const out = join(tempDir(), 'out');
    const name = 'c'.repeat(240);
    const r = await runCli(['kubeconfig', 'user', '--client-name', name, '--client-name', 'x', '--out-dir', out, ...dirs(k8s)]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(out, `${name}.conf`))).toBe(true);
    const single = await runCli(['kubeconfig', 'user', '--client-name', 'y', '--out', join(out, `${'d'.repeat(250)}.conf`), ...dirs(k8s)]);
    expect(single.code, single.stderr).toBe(0);
  });

  it('the same name from --client-name and --from-file is an error; nothing is written', async () => {
    const k8s = copyFixture('v1.29');
    const w = tempDir();
    writeFileSync(join(w, 'u.yaml'), '- name: alice\n  orgs: [file-org]\n');
    const r = await runCli(['kubeconfig', 'user', '--client-name', 'alice', '--org', 'cli-org', '--from-file', join(w, 'u.yaml'), '--out-dir', join(w, 'out'), ...dirs(k8s)]);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, `duplicate user name "alice" (--client-name and ${join(w, 'u.yaml')}:1)`);
    expect(existsSync(join(w, 'out'))).toBe(false);
    const twice = await runCli(['kubeconfig', 'user', '--client-name', 'bob', '--client-name', 'bob', '--out-dir', join(w, 'out'), ...dirs(k8s)]);
    expect(twice.code).toBe(2);
  });
});

describe('unreadable is never missing', () => {
  const formats = ['text', 'json', 'yaml', 'wide', 'prometheus'] as const;

  it.each(formats)('a symlink loop in -o %s', async (format) => {
    const k8s = copyFixture('v1.29');
    const crt = join(k8s, 'pki', 'apiserver.crt');
    rmSync(crt);
    symlinkSync(crt, crt);
    const r = await runCli(['certs', 'check-expiration', '-o', format, '--fail-within', '1h', ...dirs(k8s)]);
    expect(r.stdout).not.toMatch(/MISSING|"missing": true|missing: true|missing\{name="apiserver"[^}]*\} 1/);
    if (format === 'prometheus') {
      expect(r.stdout).toMatch(/kubecerts_certificate_unreadable\{name="apiserver"[^}]*\} 1/);
      expect(r.stdout).toMatch(/kubecerts_certificate_missing\{name="apiserver"[^}]*\} 0/);
      expect(r.code).toBe(3);
    } else {
      expect(r.code).toBe(1);
      expectOneLineError(r.stderr, 'too many levels of symbolic links');
    }
  });

  it('renew fails on an unreadable certificate instead of printing MISSING!', async () => {
    const k8s = copyFixture('v1.29');
    const crt = join(k8s, 'pki', 'apiserver.crt');
    rmSync(crt);
    symlinkSync(crt, crt);
    const r = await runCli(['certs', 'renew', 'apiserver', ...dirs(k8s)]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('MISSING');
    expectOneLineError(r.stderr, 'too many levels of symbolic links');
  });

  it.runIf(ROOT).each(formats)('a 0700 pki folder read by another user in -o %s', async (format) => {
    const w = tempDir();
    const k8s = join(w, 'k');
    await initPki(k8s);
    chmodSync(k8s, 0o755);
    chmodSync(join(k8s, 'pki'), 0o700);
    const r = await runCli(['certs', 'check-expiration', '-o', format, '--fail-within', '30d', ...dirs(k8s)], { unprivileged: true });
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toMatch(/MISSING|"missing": true|missing: true|_missing\{[^}]*\} 1/);
    if (format === 'prometheus') {
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(/kubecerts_certificate_unreadable\{name="ca"[^}]*\} 1/);
    } else expectOneLineError(r.stderr, 'permission denied');
  });
});

describe('an interrupted write or a mismatched key is noticed by every reading command', () => {
  function mismatchedTree(): string {
    const k8s = copyFixture('v1.29');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(k8s, 'pki', 'apiserver.key'), privateKey.export({ type: 'sec1', format: 'pem' }));
    return k8s;
  }
  function pendingTree(): string {
    const k8s = copyFixture('v1.29');
    writeFileSync(join(k8s, 'pki', '.kubecerts-journal.json'), '{"version":1,"renames":[]}\n');
    return k8s;
  }

  it.each([
    ['a key that does not match', mismatchedTree, 'private key does not match the certificate of: apiserver'],
    ['a pending journal', pendingTree, 'an interrupted write left the journal'],
  ] as const)('%s: text warns, json/yaml carry kubecertsWarnings, prometheus a gauge, dry run says so, --fail-within fails', async (_n, make, words) => {
    const k8s = make();
    const text = await runCli(['certs', 'check-expiration', ...dirs(k8s)]);
    expect(text.code).toBe(0);
    expect(text.stderr).toContain(words);
    const json = JSON.parse((await runCli(['certs', 'check-expiration', '-o', 'json', ...dirs(k8s)])).stdout) as Record<string, unknown>;
    expect(json['kubecertsWarnings']).toBeDefined();
    expect(Object.keys(json).slice(0, 4)).toEqual(['kind', 'apiVersion', 'certificates', 'certificateAuthorities']);
    const yamlOut = (await runCli(['certs', 'check-expiration', '-o', 'yaml', ...dirs(k8s)])).stdout;
    expect(yamlOut).toMatch(/^kubecertsWarnings:\n {2}keyMismatch:/m);
    const prom = (await runCli(['certs', 'check-expiration', '-o', 'prometheus', ...dirs(k8s)])).stdout;
    expect(prom).toMatch(make === mismatchedTree ? /kubecerts_certificate_key_mismatch\{name="apiserver"[^}]*\} 1/ : /^kubecerts_pending_journal 1$/m);
    const dry = await runCli(['certs', 'renew', 'all', '--dry-run', ...dirs(k8s)]);
    expect(dry.stdout).toContain(`[dryrun] WARNING:`);
    expect(dry.stdout).toContain(words);
    const fail = await runCli(['certs', 'check-expiration', '--fail-within', '1h', ...dirs(k8s)]);
    expect(fail.code).toBe(3);
  });

  it('a kubeconfig whose client-key-data does not match its client certificate is reported by name', async () => {
    const k8s = copyFixture('v1.29');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const conf = join(k8s, 'admin.conf');
    const other = Buffer.from(privateKey.export({ type: 'sec1', format: 'pem' })).toString('base64');
    writeFileSync(conf, readFileSync(conf, 'utf8').replace(/client-key-data: \S+/, `client-key-data: ${other}`));
    const text = await runCli(['certs', 'check-expiration', ...dirs(k8s)]);
    expect(text.code).toBe(0);
    expect(text.stderr).toContain('private key does not match the certificate of: admin.conf');
    const prom = (await runCli(['certs', 'check-expiration', '-o', 'prometheus', ...dirs(k8s)])).stdout;
    expect(prom).toMatch(/kubecerts_certificate_key_mismatch\{name="admin.conf"[^}]*\} 1/);
    expect(prom).not.toMatch(/key_mismatch\{name="(?!admin\.conf)[^"]*"[^}]*\} 1/);
  });

  it('a healthy tree has no kubecertsWarnings field and gauges at 0', async () => {
    const k8s = copyFixture('v1.29');
    const json = (await runCli(['certs', 'check-expiration', '-o', 'json', ...dirs(k8s)])).stdout;
    expect(json).not.toContain('kubecertsWarnings');
    const prom = (await runCli(['certs', 'check-expiration', '-o', 'prometheus', ...dirs(k8s)])).stdout;
    expect(prom).toMatch(/^kubecerts_pending_journal 0$/m);
    expect(prom).not.toMatch(/key_mismatch\{[^}]*\} 1/);
  });
});
