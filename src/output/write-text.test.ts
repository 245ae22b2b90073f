import { describe, expect, it } from 'vitest';
import { recoveredLine, rotationNoticeLine, textNotice } from './write-text.js';

describe('write session notices', () => {
  it('renders a completed interrupted commit with what was interrupted and the file count', () => {
    expect(recoveredLine({ kind: 'journal-recovered', what: 'renewal', files: 3 })).toBe('recovered an interrupted renewal: completed 3 file(s)');
    expect(recoveredLine({ kind: 'journal-recovered', what: 'kubeconfig batch', files: 0 })).toBe('recovered an interrupted kubeconfig batch: completed 0 file(s)');
  });

  it('textNotice writes one line per event through the writer it is given', () => {
    const lines: string[] = [];
    const notice = textNotice((l) => lines.push(l));
    notice({ kind: 'journal-recovered', what: 'init', files: 2 });
    notice({ kind: 'journal-recovered', what: 'write', files: 1 });
    expect(lines).toEqual(['recovered an interrupted init: completed 2 file(s)', 'recovered an interrupted write: completed 1 file(s)']);
  });

  it('renders a CA rotation session notice of either kind', () => {
    expect(rotationNoticeLine({ kind: 'journal-recovered', what: 'CA rotation commit', files: 5 })).toBe('recovered an interrupted CA rotation commit: completed 5 file(s)');
    expect(rotationNoticeLine({ kind: 'signer-leftover-removed', path: '/etc/kubernetes/pki/ca-signer.crt' })).toBe(
      'removed /etc/kubernetes/pki/ca-signer.crt, left by an interrupted finalize or rollback',
    );
  });
});
