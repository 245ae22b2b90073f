import { describe, expect, it } from 'vitest';
import { kubeconfigUpdateLines } from './renew-text.js';

describe('renew --update-kubeconfig lines', () => {
  it('name the users of FILE as written, control characters escaped', () => {
    expect(kubeconfigUpdateLines({ kind: 'updated', file: '/home/a/.kube/config', from: '/etc/kubernetes/admin.conf', refreshed: [{ name: 'prod\u001b[2J\nadmin', newNotAfter: '2027-01-01T00:00:00Z' }] })).toEqual([
      '[kubeconfig] replaced the credentials of user "prod\\x1b[2J\\nadmin" in /home/a/.kube/config with the renewed ones of /etc/kubernetes/admin.conf (expiring 2027-01-01T00:00:00Z)',
    ]);
    expect(kubeconfigUpdateLines({ kind: 'not-renewed', file: '/c', from: '/a' })).toEqual(['[kubeconfig] /c: /a was not renewed, nothing to update']);
  });
});
