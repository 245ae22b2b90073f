import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    const r = recoverHeldManifests(realNodeHost(), holding, now);
    expect(r.restored).toEqual([join(manifests, 'etcd.yaml')]);
    expect(readFileSync(join(manifests, 'etcd.yaml'), 'utf8')).toBe('etcd');
    expect(readdirSync(holding)).toEqual([]);
  });

  it('never overwrites a manifest that exists again: the held copy is set aside outside the manifests folder', () => {
    const { manifests, holding } = setup();
    writeFileSync(join(holding, 'etcd.yaml'), 'old');
    writeFileSync(join(manifests, 'etcd.yaml'), 'new');
    writeFileSync(journalPath(holding), deadOwner([{ manifest: join(manifests, 'etcd.yaml'), held: join(holding, 'etcd.yaml') }]));
    const r = recoverHeldManifests(realNodeHost(), holding, now);
    expect(r.warnings[0]).toMatch(/exists again; the copy a killed restart held was kept as .*etcd\.yaml\.conflict-20260101T000000/);
    expect(readFileSync(join(manifests, 'etcd.yaml'), 'utf8')).toBe('new');
    expect(readdirSync(manifests)).toEqual(['etcd.yaml']);
  });

  it('leaves a live restart alone and refuses a second one', () => {
    const { manifests, holding } = setup();
    const host = realNodeHost();
    const { journal } = RestartJournal.open(host, holding, now);
    journal.record([{ manifest: join(manifests, 'x.yaml'), held: join(holding, 'x.yaml') }]);
    expect(recoverHeldManifests(host, holding, now).busyPid).toBe(process.pid);
    expect(() => RestartJournal.open(host, holding, now)).toThrow(/another control-plane restart \(pid \d+\) is running/);
    journal.close();
    expect(existsSync(journalPath(holding))).toBe(false);
  });

  it('treats an empty journal (killed while creating it) as nothing held', () => {
    const { holding } = setup();
    writeFileSync(journalPath(holding), '');
    expect(recoverHeldManifests(realNodeHost(), holding, now)).toEqual({ restored: [], warnings: [] });
    expect(existsSync(journalPath(holding))).toBe(false);
  });
});
