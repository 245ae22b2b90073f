import { describe, expect, it } from 'vitest';
import { runGroupSync } from './process-group.js';

describe('runGroupSync: a command in its own process group, bounded by a timeout', () => {
  it('returns the exit code and output of a command that ends', () => {
    const r = runGroupSync('sh', ['-c', 'echo out; echo err >&2; exit 3'], 5000);
    expect(r).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('on timeout kills the whole group, a child holding the pipe included, and says it timed out', () => {
    const started = Date.now();
    // the background sleep keeps stdout open: killing only sh would leave the call waiting for it
    const r = runGroupSync('sh', ['-c', 'sleep 30 & echo started; sleep 30'], 1000);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(r.timedOutSeconds).toBe(1);
    expect(r.code).toBe(-1);
    expect(r.stdout).toBe('started\n');
  });

  it('a command that cannot start comes back with code -1 and the reason', () => {
    const r = runGroupSync('/nonexistent/kubectl', [], 5000);
    expect(r.code).toBe(-1);
    expect(r.stderr).toMatch(/No such file or directory|ENOENT/);
  });
});
