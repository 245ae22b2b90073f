/** The in-cluster steps `ca rotate --in-cluster=print` prints are pasted into a shell: they must mean exactly what they say. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { inClusterSteps } from './rotate-ca-text.js';

const HOSTILE_KUBECONFIG = "/tmp/k8s it's $(touch /tmp/kubecerts-pwned)`id`/admin.conf";
const HOSTILE_CA = '/tmp/p\ntouch /tmp/kubecerts-pwned #/ca.crt';

describe('in-cluster steps as printed', () => {
  it.each(['trust', 'reissue', 'finalize'])('%s: a kubectl line run by bash passes exactly its arguments; a note stays one comment line', (phase) => {
    const steps = inClusterSteps(phase, HOSTILE_KUBECONFIG, 'sha256:abc', HOSTILE_CA);
    expect(steps.length).toBeGreaterThan(0);
    for (const s of steps) {
      expect(s.text).not.toContain('\n');
      if (!s.kubectl) {
        expect(s.text.startsWith('# ')).toBe(true);
        continue;
      }
      // bash parses the printed line with a function standing in for kubectl that prints its arguments
      const r = spawnSync('bash', ['-c', `kubectl() { printf '%s\\0' "$@"; }\n${s.text}`], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.split('\0').slice(0, -1)).toEqual(s.kubectl);
    }
  });
});
