import { describe, expect, it } from 'vitest';
import { parseUsersFile } from './users-file.js';

describe('users file (kubeconfig user --from-file)', () => {
  it('reads names, orgs (a string or a list) and validity, with the line of each entry', () => {
    const text = '# team\n- name: alice\n  orgs: [dev, ops]\n- name: bob\n  orgs: qa\n  validity: 24h\n-   name: carol\n';
    expect(parseUsersFile(text, 'u.yaml')).toEqual([
      { name: 'alice', orgs: ['dev', 'ops'], line: 2 },
      { name: 'bob', orgs: ['qa'], validityMs: 24 * 3_600_000, line: 4 },
      { name: 'carol', orgs: [], line: 7 },
    ]);
  });

  it('also takes a "users:" mapping', () => {
    expect(parseUsersFile('users:\n  - name: a\n', 'u.yaml').map((u) => u.name)).toEqual(['a']);
  });

  it('reports the file and line of a bad entry', () => {
    const err = (text: string): string => {
      try {
        parseUsersFile(text, 'u.yaml');
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err('- name: a\n- name: a\n')).toBe('invalid users file entry at u.yaml:2: duplicate name "a"');
    expect(err('- name: a\n- orgs: [x]\n')).toBe('invalid users file entry at u.yaml:2: "name" must be a non-empty string');
    expect(err('- name: a\n  orgs: [""]\n')).toBe('invalid users file entry at u.yaml:1: "orgs" must be a list of non-empty strings');
    expect(err('- name: a\n  validity: 0h\n')).toBe('invalid users file entry at u.yaml:1: "validity" must be a positive duration such as 24h or 30d');
    expect(err('- just a string\n')).toBe('invalid users file entry at u.yaml:1: an entry must be a mapping with a name');
    expect(err('[]')).toBe('invalid users file "u.yaml": expected a non-empty list of users (or a "users:" list)');
    expect(err('- a: [\n')).toMatch(/^invalid users file "u.yaml": /);
  });
});
