import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadYaml } from './yaml-load.js';

const FIXTURES = join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'real-pki');

describe('loadYaml', () => {
  it.each(['v1.16', 'v1.29'])('parses the %s kubeconfigs exactly as js-yaml does', (v) => {
    for (const f of readdirSync(join(FIXTURES, v)).filter((n) => n.endsWith('.conf'))) {
      const text = readFileSync(join(FIXTURES, v, f), 'utf8');
      expect(loadYaml(text), f).toEqual(yaml.load(text));
    }
  });

  it('property: equals js-yaml on documents with long base64 runs in every position', () => {
    const b64 = fc.stringMatching(/^[A-Za-z0-9+/]{250,400}={0,2}$/);
    const doc = fc.record({ a: b64, b: b64, list: fc.array(b64, { maxLength: 3 }), n: fc.integer() });
    fc.assert(
      fc.property(doc, b64, (d, key) => {
        const shared = d.a;
        const texts = [
          yaml.dump(d, { lineWidth: -1 }),
          yaml.dump(d, { lineWidth: 80 }),
          `k: |\n  ${d.a}\n  ${d.b}\nq: "${d.b}"\ns: '${d.a}'\n`,
          `${key}: 1\nx: &anchor [${shared}]\ny: *anchor\n# ${d.b}\n`,
          `plain: ${d.a}\n  ${d.b}\n`,
        ];
        for (const t of texts) {
          let want: unknown;
          try {
            want = yaml.load(t);
          } catch (err) {
            expect(() => loadYaml(t)).toThrow((err as Error).message.split(' (')[0]);
            continue;
          }
          expect(loadYaml(t)).toEqual(want);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('leaves text that contains the token prefix to js-yaml as it is', () => {
    const t = `a: kcblobz0q\nb: ${'QUJD'.repeat(80)}\n`;
    expect(loadYaml(t)).toEqual(yaml.load(t));
  });

  it('gives each reader of the same text its own copy, and keeps aliases shared as js-yaml does', () => {
    const t = `users:\n- name: a\n  user:\n    client-certificate-data: ${'QUJD'.repeat(80)}\n  when: 2026-01-02T03:04:05Z\n`;
    const first = loadYaml(t) as { users: { name: string; when: Date }[] };
    first.users[0]!.name = 'changed';
    first.users[0]!.when.setTime(0);
    const second = loadYaml(t) as { users: { name: string; when: Date }[] };
    expect(second).toEqual(yaml.load(t));
    expect(second).not.toBe(first);
    const third = loadYaml(t) as { users: unknown[] };
    expect(third.users).not.toBe(second.users);
    const alias = 'a: &x {k: 1}\nb: *x\n';
    for (let i = 0; i < 2; i++) {
      const d = loadYaml(alias) as { a: object; b: object };
      expect(d.a).toBe(d.b);
    }
  });
});
