/**
 * Wall time of `kubecerts control-plane status` (the whole process: start-up, /proc scan, every handshake and health
 * request in parallel) against a simulated control-plane node with its 4 components up: the kubelet-like harness of
 * test/helpers/kubelet.ts running the real etcd and the stand-in kube-apiserver, controller-manager and scheduler.
 * Goal: at most 0.5 s. Median of 15 runs, reported with min and max, and written to bench/results/.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN } from '../test/helpers/cli.js';
import { startNodes, stopNodes, type SimNode } from '../test/helpers/control-plane-node.js';
import { REPO, tempDir } from '../test/helpers/tmp.js';

let nodes: SimNode[] = [];
beforeAll(async () => {
  nodes = await startNodes(tempDir(), ['cp1']);
});
afterAll(async () => {
  await stopNodes(nodes);
});

it('control-plane status with 4 components up', () => {
  const n = nodes[0] as SimNode;
  const args = [BIN, 'control-plane', 'status', '--manifests-dir', n.manifestsDir, '--kubelet-dir', n.kubeletDir];
  const bare: number[] = [];
  const times: number[] = [];
  for (let i = 0; i < 16; i++) {
    let t = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    bare.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.match(/^(etcd|kube-\S+)\s+ok\s/gm)).toHaveLength(4);
    if (i > 0) times.push(ms);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const m = median(times);
  const line = `control-plane status, 4 components up: median ${m.toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}, ${times.length} runs; node -e 0 ${median(bare).toFixed(0)} ms); goal <= 500 ms: ${m <= 500 ? 'met' : 'NOT met'}`;
  console.log(line);
  mkdirSync(join(REPO, 'bench', 'results'), { recursive: true });
  writeFileSync(join(REPO, 'bench', 'results', `control-plane-status-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`), `${line}\n`);
});
