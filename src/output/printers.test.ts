import { describe, expect, it } from 'vitest';
import { goJson, goSprintf, parseTemplateFormat, renderGoTemplate, renderJsonPath } from './printers.js';

describe('template printers (pure parts)', () => {
  it('parses kubectl output formats', () => {
    expect(parseTemplateFormat('jsonpath={.a}', undefined)).toEqual({ kind: 'jsonpath', template: '{.a}', file: false });
    expect(parseTemplateFormat('jsonpath-file=/t', undefined)).toEqual({ kind: 'jsonpath', template: '/t', file: true });
    expect(parseTemplateFormat('templatefile', '/g')).toEqual({ kind: 'go-template', template: '/g', file: true });
    expect(parseTemplateFormat('json', undefined)).toBeUndefined();
    expect(() => parseTemplateFormat('jsonpath', undefined)).toThrow('template format specified but no template given');
  });

  it("Go's json.Marshal: sorted keys, HTML characters escaped", () => {
    expect(goJson({ b: [1, 'x<y'], a: null })).toBe('{"a":null,"b":[1,"x\\u003cy"]}');
    expect(goJson(['a'], '    ')).toBe('[\n    "a"\n]');
  });

  it('jsonpath: range, literals, filters, missing keys', () => {
    const d = { items: [{ n: 'a', v: 1 }, { n: 'b', v: 5 }] };
    expect(renderJsonPath('{range .items[*]}{.n}{"\\t"}{.v}{"\\n"}{end}', d, { allowMissingKeys: true, asJson: false })).toBe('a\t1\nb\t5\n');
    expect(renderJsonPath('{.items[?(@.v>2)].n}', d, { allowMissingKeys: true, asJson: false })).toBe('b');
    expect(renderJsonPath('x{.nope}y', d, { allowMissingKeys: true, asJson: false })).toBe('xy');
    expect(() => renderJsonPath('{.nope}', d, { allowMissingKeys: false, asJson: false })).toThrow('nope is not found');
    expect(() => renderJsonPath('{range .items[*]}', d, { allowMissingKeys: true, asJson: false })).toThrow('unclosed range');
  });

  it('go-template: printf, comparisons, range variables, missing keys', () => {
    const d = { items: [{ n: 'a', v: 1 }, { n: 'b', v: 5 }] };
    expect(renderGoTemplate('{{range $i, $e := .items}}{{$i}}{{printf "%-3s|%03d" $e.n $e.v}};{{end}}', d, true)).toBe('0a  |001;1b  |005;');
    expect(renderGoTemplate('{{range .items}}{{if gt .v 2}}{{.n}}{{else}}-{{end}}{{end}} {{.none}}', d, true)).toBe('-b <no value>');
    expect(() => renderGoTemplate('{{.none}}', d, false)).toThrow('map has no entry for key "none"');
    expect(goSprintf('%s %d %v %q %%', ['a', 2, [1, 'x'], 'q'])).toBe('a 2 [1 x] "q" %');
    expect(goSprintf('%s %s', ['a'])).toBe('a %!s(MISSING)');
  });
});
