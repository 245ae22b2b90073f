import { describe, expect, it } from 'vitest';
import { replaceValues } from './in-place.js';

const A = 'QUFBQUFBQUFBQUFBQUFBQUFBQUE=';
const B = 'QkJCQkJCQkJCQkJCQkJCQkJCQkI=';

describe('in-place kubeconfig edits', () => {
  it('replaces each changed value once and keeps every other byte', () => {
    const text = `# comment\nusers:\n- name: josé\n  user:\n    client-certificate-data: ${A}\n    token: tökén\n`;
    expect(replaceValues(text, [A], [B])).toBe(text.replace(A, B));
  });

  it('leaves unchanged values alone', () => {
    expect(replaceValues(`x: ${A}\ny: ${A}\n`, [A], [A])).toBe(`x: ${A}\ny: ${A}\n`);
  });

  it.each([
    ['absent', `x: ${B}\n`],
    ['present twice', `x: ${A}\ny: ${A}\n`],
    ['part of a longer value', `x: ${A}QUFB\n`],
  ])('gives up when the value is %s', (_n, text) => {
    expect(replaceValues(text, [A], ['Q0ND'])).toBeUndefined();
  });
});
