import { describe, expect, it } from 'vitest';
import type { RestartReport } from '../ops/control-plane-restart.js';
import type { RenewOutcome } from '../ops/renew.js';
import { RENEWABLE_SPECS } from '../pki/specs.js';
import { RESTART_NOTICE, renewClosing, type RenewSummary } from './renew-text.js';

const spec = RENEWABLE_SPECS[0] as RenewOutcome['spec'];
const renewed: RenewOutcome = { kind: 'renewed', spec, files: ['/pki/apiserver.crt'], oldNotAfter: new Date(0), newNotAfter: new Date(1000), keyKept: true } as RenewOutcome;
const summary = (outcomes: RenewOutcome[], restart?: RestartReport): RenewSummary => ({ dryRun: false, outcomes, backupDir: undefined, needRestart: [], kubeconfigs: [], restart });
const dirs = { certificatesDir: '/pki', kubeconfigDir: '/k' };
const run = { all: true, csrOnly: false, restart: false };

describe('what certs renew prints last', () => {
  it('reminds to restart after `renew all` renewed something, as kubeadm does, and only then', () => {
    expect(renewClosing('text', run, summary([renewed]), dirs)).toBe(`\n${RESTART_NOTICE}\n`);
    expect(renewClosing('text', { ...run, all: false }, summary([renewed]), dirs)).toBe('');
    expect(renewClosing('text', run, summary([{ kind: 'missing', spec }]), dirs)).toBe('');
    expect(renewClosing('text', { ...run, csrOnly: true }, summary([renewed]), dirs)).toBe('');
  });

  it('with --restart: the restart report, or that nothing uses a renewed file; no reminder', () => {
    const report: RestartReport = { recovered: { restored: [], warnings: [] }, ok: true, outcomes: [{ component: 'kube-apiserver', result: 'not attempted' }] };
    expect(renewClosing('text', { ...run, restart: true }, summary([renewed], report), dirs)).toBe('[restart] kube-apiserver: not attempted\n');
    expect(renewClosing('text', { ...run, restart: true }, summary([renewed]), dirs)).toBe('[restart] no running component uses a renewed file: nothing to restart\n');
  });

  it('-o json is the summary document', () => {
    const doc = JSON.parse(renewClosing('json', run, summary([renewed]), dirs)) as { kind: string; dryRun: boolean; renewed: { name: string }[] };
    expect(doc).toMatchObject({ kind: 'CertificateRenewal', dryRun: false, renewed: [{ name: spec.name }] });
  });
});
