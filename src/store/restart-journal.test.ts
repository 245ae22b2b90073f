import { chmodSync, chownSync, existsSync, mkdirSync, symlinkSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { realNodeHost } from './node-host.js';
import { RestartJournal, journalPath, recoverHeldManifests } from './restart-journal.js';

const now = new Date('2026-01-01T00:00:00Z');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function setup(): { manifests: string; holding: string } {
  const d = mkdtempSync(join(tmpdir(), 'kubecerts-journal-'));
  dirs.push(d);
  mkdirSync(join(d, 'manifests'));
  mkdirSync(join(d, 'held'));
  return { manifests: join(d, 'manifests'), holding: join(d, 'held') };
}
const deadOwner = (held: { manifest: string; held: string }[]): string => JSON.stringify({ pid: 2 ** 22 + 1, startTicks: 1, startedAt: '', held });

describe('restart journal', () => {
  it('puts back a manifest a dead restart left in the holding folder, then removes the journal', () => {
    const { manifests, holding } = setup();
    writeFileSync(join(holding, 'etcd.yaml'), 'etcd');
    writeFileSync(journalPath(holding), deadOwner([{ manifest: join(manifests, 'etcd.yaml'), held: join(holding, 'etcd.yaml') }]));
    const r = recoverHeldManifests(realNodeHost(), holding, manifests, now);
    expect(r.restored).toEqual([join(manifests, 'etcd.yaml')]);
    expect(readFileSync(join(manifests, 'etcd.yaml'), 'utf8')).toBe('etcd');
    expect(readdirSync(holding)).toEqual([]);
  });

  it('never overwrites a manifest that exists again: the held copy is set aside outside the manifests folder', () => {
    const { manifests, holding } = setup();
    writeFileSync(join(holding, 'etcd.yaml'), 'old');
    writeFileSync(join(manifests, 'etcd.yaml'), 'new');
    writeFileSync(journalPath(holding), deadOwner([{ manifest: join(manifests, 'etcd.yaml'), held: join(holding, 'etcd.yaml') }]));
    const r = recoverHeldManifests(realNodeHost(), holding, manifests, now);
    expect(r.warnings[0]).toMatch(/exists again; the copy a killed restart held was kept as .*etcd\.yaml\.conflict-20260101T000000/);
    expect(readFileSync(join(manifests, 'etcd.yaml'), 'utf8')).toBe('new');
    expect(readdirSync(manifests)).toEqual(['etcd.yaml']);
  });

  it('leaves a live restart alone and refuses a second one', () => {
    const { manifests, holding } = setup();
    const host = realNodeHost();
    const { journal } = RestartJournal.open(host, holding, manifests, now);
    journal.record([{ manifest: join(manifests, 'x.yaml'), held: join(holding, 'x.yaml') }]);
    expect(recoverHeldManifests(host, holding, manifests, now).busyPid).toBe(process.pid);
    expect(() => RestartJournal.open(host, holding, manifests, now)).toThrow(/another control-plane restart \(pid \d+\) is running/);
    journal.close();
    expect(existsSync(journalPath(holding))).toBe(false);
  });

  it('treats an empty journal (killed while creating it) as nothing held', () => {
    const { manifests, holding } = setup();
    writeFileSync(journalPath(holding), '');
    expect(recoverHeldManifests(realNodeHost(), holding, manifests, now)).toEqual({ restored: [], warnings: [] });
    expect(existsSync(journalPath(holding))).toBe(false);
  });

  it('refuses whole, untouched, a journal naming anything but <holding>/<component>.yaml -> <manifests>/<component>.yaml', () => {
    const { manifests, holding } = setup();
    const outside = join(holding, '..', 'victim');
    writeFileSync(join(holding, 'etcd.yaml'), 'etcd');
    writeFileSync(join(holding, 'evil.yaml'), 'kind: Pod');
    writeFileSync(outside, 'victim');
    const bad = [
      [{ manifest: join(manifests, 'etcd.yaml'), held: join(holding, 'etcd.yaml') }, { manifest: join(manifests, 'zz-evil.yaml'), held: join(holding, 'evil.yaml') }],
      [{ manifest: join(manifests, 'zz-evil.yaml'), held: join(holding, 'zz-evil.yaml') }],
      [{ manifest: join(manifests, 'etcd.yaml'), held: outside }],
      [{ manifest: `${outside}-new`, held: join(holding, 'etcd.yaml') }],
      [{ manifest: join(manifests, 'etcd.yaml'), held: join(holding, 'kube-apiserver.yaml') }],
      [{ manifest: join(manifests, 'sub', 'etcd.yaml'), held: join(holding, 'etcd.yaml') }],
      ['etcd.yaml'],
    ];
    for (const held of bad) {
      writeFileSync(journalPath(holding), deadOwner(held as { manifest: string; held: string }[]));
      expect(() => recoverHeldManifests(realNodeHost(), holding, manifests, now)).toThrow(/names a move other than .*refusing to recover/);
      expect(readdirSync(manifests)).toEqual([]);
      expect(existsSync(journalPath(holding))).toBe(true);
    }
    expect(readFileSync(outside, 'utf8')).toBe('victim');
  });

  it('refuses a holding folder open to group or others, or that resolves inside the manifests folder', () => {
    const { manifests, holding } = setup();
    writeFileSync(join(holding, 'etcd.yaml'), 'etcd');
    writeFileSync(journalPath(holding), deadOwner([{ manifest: join(manifests, 'etcd.yaml'), held: join(holding, 'etcd.yaml') }]));
    chmodSync(holding, 0o1777);
    expect(() => recoverHeldManifests(realNodeHost(), holding, manifests, now)).toThrow(/is writable by its group .*refusing to use it/);
    expect(() => RestartJournal.open(realNodeHost(), holding, manifests, now)).toThrow(/is writable by its group/);
    chmodSync(holding, 0o702);
    expect(() => recoverHeldManifests(realNodeHost(), holding, manifests, now)).toThrow(/is writable by others/);
    expect(readdirSync(manifests)).toEqual([]);
    chmodSync(holding, 0o700);
    if (process.getuid?.() === 0) {
      chownSync(holding, 65534, 65534);
      expect(() => recoverHeldManifests(realNodeHost(), holding, manifests, now)).toThrow(/is owned by uid 65534, not by the running user \(uid 0\)/);
      chownSync(holding, 0, 0);
    }
    const link = join(holding, '..', 'held-link');
    mkdirSync(join(manifests, 'held'), { mode: 0o700 });
    symlinkSync(join(manifests, 'held'), link);
    expect(() => RestartJournal.open(realNodeHost(), link, manifests, now)).toThrow(/is inside the manifests folder/);
    expect(() => RestartJournal.open(realNodeHost(), join(link, 'deeper'), manifests, now)).toThrow(/is inside the manifests folder/);
    expect(existsSync(join(manifests, 'held', 'deeper'))).toBe(false);
    expect(recoverHeldManifests(realNodeHost(), holding, manifests, now).restored).toEqual([join(manifests, 'etcd.yaml')]);
  });

  it('refuses a holding folder under a folder through which another user could swap it', () => {
    const { manifests, holding } = setup();
    const parent = join(holding, 'shared');
    mkdirSync(parent);
    const deep = join(parent, 'held');
    chmodSync(parent, 0o777);
    expect(() => RestartJournal.open(realNodeHost(), deep, manifests, now)).toThrow(
      new RegExp(`holding folder "${deep}" is unsafe: its parent "${parent}" is writable by its group and others \\(mode 0777\\)`),
    );
    expect(existsSync(deep)).toBe(false);
    chmodSync(parent, 0o1777);
    if (process.getuid?.() === 0) {
      expect(RestartJournal.open(realNodeHost(), deep, manifests, now)).toBeDefined();
      chownSync(parent, 65534, 65534);
      chmodSync(parent, 0o755);
      expect(() => RestartJournal.open(realNodeHost(), join(parent, 'other'), manifests, now)).toThrow(/its parent ".*shared" is owned by uid 65534, not by root or the running user/);
      chownSync(parent, 0, 0);
    }
  });
});
