import { describe, expect, it } from 'vitest';
import { goJson, goSprintf, MAX_TEMPLATE_DEPTH, parseTemplateFormat, renderGoTemplate, renderJsonPath } from './printers.js';

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

describe('template failures are one-line template errors, as kubectl reports them (kubectl annotate --local -o ...)', () => {
  const d = { items: [{ n: 'api', v: 1, c: false }, { n: 'ca', v: 5, c: true }, { n: 'x', v: 7 }] } as Parameters<typeof renderJsonPath>[1];
  const jp = (t: string): string => renderJsonPath(t, d, { allowMissingKeys: true, asJson: false });

  it('printf: widths and precisions above 1e6 are %!(NOVERB) as in Go; long precisions are exact; extras and missing arguments are marked', () => {
    expect(goSprintf('%999999999d', [1])).toBe('%!(NOVERB)%!(EXTRA int=1)');
    expect(goSprintf('%.999999999f|', [1.5])).toBe('%!(NOVERB)%!(EXTRA float64=1.5)');
    expect(goSprintf('%.120f', [0.1])).toBe(`0.1000000000000000055511151231257827021181583404541015625${'0'.repeat(65)}`);
    expect(goSprintf('%.2000f', [1]).length).toBe(2002);
    expect(goSprintf('a', [1, 'b'])).toBe('a%!(EXTRA int=1, string=b)');
    expect(goSprintf('%d %d', [1])).toBe('1 %!d(MISSING)');
    expect(goSprintf('x%', [])).toBe('x%!(NOVERB)');
  });

  it('go-template: printf/eq/ne without their arguments are errors, as text/template', () => {
    expect(() => renderGoTemplate('{{printf}}', d, true)).toThrow('error executing template: wrong number of args for printf: want at least 1 got 0');
    expect(() => renderGoTemplate('{{eq}}', d, true)).toThrow('wrong number of args for eq: want at least 1 got 0');
    expect(() => renderGoTemplate('{{eq 1}}', d, true)).toThrow('error calling eq: missing argument for comparison');
    expect(() => renderGoTemplate('{{ne 1}}', d, true)).toThrow('wrong number of args for ne: want 2 got 1');
    expect(() => renderGoTemplate('{{len}}', d, true)).toThrow('wrong number of args for len: want 1 got 0');
  });

  it('nesting deeper than MAX_TEMPLATE_DEPTH is a parse error, not a stack overflow', () => {
    const deep = `${'{{if true}}'.repeat(5000)}x${'{{end}}'.repeat(5000)}`;
    expect(() => renderGoTemplate(deep, d, true)).toThrow(`error parsing template: nesting deeper than ${MAX_TEMPLATE_DEPTH} levels is not supported`);
    expect(renderGoTemplate(`${'{{if true}}'.repeat(MAX_TEMPLATE_DEPTH)}x${'{{end}}'.repeat(MAX_TEMPLATE_DEPTH)}`, d, true)).toBe('x');
    expect(() => jp(`${'{range .items[*]}'.repeat(5000)}${'{end}'.repeat(5000)}`)).toThrow('nesting deeper than');
  });

  it("jsonpath filters: kubectl's grammar (existence, == != < <= > >=, literals, @-paths); JavaScript is refused", () => {
    expect(jp('{.items[?(@.c)].n}')).toBe('api ca');
    expect(jp('{.items[?(@.c==false)].n}')).toBe('api');
    expect(jp('{.items[?(@.c!=true)].n}')).toBe('api');
    expect(jp("{.items[?(@.n>='ca')].n}")).toBe('ca x');
    expect(jp('{.items[?(@.v<=5)].n}')).toBe('api ca');
    expect(jp('{.items[?(@.constructor)].n}')).toBe('');
    expect(jp('{.items[?(@["n"]=="x")].v}')).toBe('7');
    const parseError = (t: string, c: string): void => expect(() => jp(t)).toThrow(`error parsing jsonpath ${t}, unrecognized character in action: ${c}`);
    parseError('{.items[?(@.n=~/^api/)].n}', "U+007E '~'");
    parseError('{.items[?(@.n.includes("api"))].n}', "U+0028 '('");
    parseError('{.items[?(@.n=="a" && @.c)].n}', "U+0026 '&'");
    parseError('{.items[?(@.n=="a" || @.c)].n}', "U+007C '|'");
    parseError('{.items[?(!@.c)].n}', "U+0021 '!'");
    parseError('{.items[?(@.n=(globalThis.x=1))].n}', "U+0028 '('");
    expect(jp('{.items[?(@.constructor.prototype)].n}')).toBe('');
    expect(jp('{.items[?(@.n.length)].n}')).toBe('');
    expect(() => jp('{.items[?(@.n<2)].n}')).toThrow('Error executing template: incompatible types for comparison');
  });

  it('jsonpath literals: Go escapes (\\x, octal, \\u) as strconv.Unquote; an unknown escape is an error', () => {
    expect(jp('{"\\x41\\101\\u00e9\\x1b"}')).toBe('AAé\x1b');
    expect(() => jp('{"\\q"}')).toThrow('error parsing jsonpath {"\\q"}, unquote string "\\q" error invalid syntax');
  });
});
