import { describe, expect, it } from 'vitest';
import type { RestartStep } from '../ops/control-plane-restart.js';
import { nodeRecoveryText, restartStepLine, restartStepText } from './control-plane-text.js';

const manifest = '/etc/kubernetes/manifests/etcd.yaml';
const held = '/etc/kubernetes/tmp/kubecerts-held-manifests/etcd.yaml';

describe('restart steps in words', () => {
  it.each<[RestartStep, string]>([
    [{ kind: 'quorum-check', component: 'etcd' }, 'checking that the other etcd members keep quorum'],
    [{ kind: 'move-out', component: 'etcd', manifest, held }, `moving ${manifest} to ${held}`],
    [{ kind: 'wait-stopped', component: 'etcd' }, 'waiting until it has stopped'],
    [{ kind: 'move-back', component: 'etcd', manifest, held }, `moving ${held} back to ${manifest}`],
    [{ kind: 'wait-healthy', component: 'kube-apiserver' }, 'waiting until it is healthy and serves the current certificate'],
  ])('%o', (step, text) => {
    expect(restartStepText(step)).toBe(text);
    expect(restartStepLine(step)).toBe(`[restart] ${step.component}: ${text}`);
  });

  it('says what a node recovery put back and warned about, and nothing when it did nothing', () => {
    expect(nodeRecoveryText({ restored: [], warnings: [] })).toBe('');
    expect(nodeRecoveryText({ restored: [manifest], warnings: ['kept a copy'] })).toBe(
      `[restart] put back ${manifest}, left out by an interrupted control-plane restart\nWARNING: kept a copy\n`,
    );
  });
});
