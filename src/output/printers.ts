/**
 * kubectl's template printers for check-expiration (kubeadm's output.go takes genericclioptions' printer flags):
 * `-o jsonpath=…`, `jsonpath-file=…`, `jsonpath-as-json=…`, `go-template=…`, `go-template-file=…` (and the aliases
 * `template`, `templatefile`), with `--template` and `--allow-missing-template-keys`. Pure: the caller reads files.
 *
 * jsonpath: kubectl's dialect (k8s.io/client-go/util/jsonpath) is a template language — literal text, `{…}` actions,
 * `{range …}…{end}`, quoted literals such as `{"\t"}` — around JSONPath expressions. The template layer is kept here
 * because no npm JSONPath library knows it; each expression is evaluated by jsonpath-plus.
 *
 * go-template: the subset of Go's text/template that kubectl users write (field chains, `$`, variables, if/else,
 * range/else, with, printf, len, index, eq/ne/lt/le/gt/ge, and/or/not, trim markers). Own code because the npm
 * Go-template ports lack printf, comparisons and variables; anything outside the subset is refused with a message.
 */
import { JSONPath } from 'jsonpath-plus';
import { UsageError } from '../errors.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The template formats and what kubectl calls them. */
export const TEMPLATE_FORMATS = ['jsonpath', 'jsonpath-file', 'jsonpath-as-json', 'go-template', 'go-template-file', 'template', 'templatefile'] as const;

export interface TemplateFormat {
  readonly kind: 'jsonpath' | 'jsonpath-as-json' | 'go-template';
  /** the template text, or the file to read it from when `file` is true */
  readonly template: string;
  readonly file: boolean;
}

/**
 * Splits `-o NAME=TEMPLATE` (or `-o NAME` with `--template`) into a TemplateFormat; undefined when `output` is not a
 * template format. Raises UsageError when the template is missing, as kubectl does.
 */
export function parseTemplateFormat(output: string, templateFlag: string | undefined): TemplateFormat | undefined {
  const eq = output.indexOf('=');
  const name = eq < 0 ? output : output.slice(0, eq);
  if (!(TEMPLATE_FORMATS as readonly string[]).includes(name)) return undefined;
  const template = eq < 0 ? templateFlag : output.slice(eq + 1);
  if (template === undefined || template === '') throw new UsageError(`template format specified but no template given`);
  const file = name.endsWith('-file') || name === 'templatefile';
  const kind = name.startsWith('jsonpath') ? (name === 'jsonpath-as-json' ? 'jsonpath-as-json' : 'jsonpath') : 'go-template';
  return { kind, template, file };
}

/** Renders `data` (the JSON object -o json prints) with a parsed template format whose text is `template`. */
export function renderTemplate(kind: TemplateFormat['kind'], template: string, data: unknown, allowMissingKeys: boolean): string {
  const json = JSON.parse(JSON.stringify(data)) as Json;
  try {
    if (kind === 'go-template') return renderGoTemplate(template, json, allowMissingKeys);
    return renderJsonPath(template, json, { allowMissingKeys, asJson: kind === 'jsonpath-as-json' });
  } catch (err) {
    // every template failure is a one-line template error, never an unexpected one
    if (err instanceof UsageError) throw err;
    throw new UsageError(`error executing template: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * How deep `{{if}}`/`{{range}}`/`{{with}}` (go-template) or `{range}` (jsonpath) may nest. Go allows deeper
 * nesting; kubecerts refuses it with a one-line error rather than exhaust the stack.
 */
export const MAX_TEMPLATE_DEPTH = 1000;

const tooDeep = (): UsageError => new UsageError(`error parsing template: nesting deeper than ${MAX_TEMPLATE_DEPTH} levels is not supported`);

// ---------------------------------------------------------------------------------------------------------------
// Go's encoding/json and fmt, as kubectl's printers use them

/** Go's json.Marshal of unstructured data: map keys sorted, <, > and & escaped; `indent` for MarshalIndent. */
export function goJson(v: Json | undefined, indent = '', depth = 0): string {
  const nl = indent ? `\n${indent.repeat(depth + 1)}` : '';
  const end = indent ? `\n${indent.repeat(depth)}` : '';
  const sep = indent ? ': ' : ':';
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (typeof v === 'number' || typeof v === 'boolean') return goNumber(v);
  if (Array.isArray(v)) return v.length === 0 ? '[]' : `[${v.map((x) => nl + goJson(x, indent, depth + 1)).join(',')}${end}]`;
  const keys = Object.keys(v).sort();
  return keys.length === 0 ? '{}' : `{${keys.map((k) => `${nl}${goJson(k)}${sep}${goJson(v[k], indent, depth + 1)}`).join(',')}${end}}`;
}

function goNumber(v: number | boolean): string {
  if (typeof v === 'boolean') return String(v);
  if (Number.isInteger(v)) return String(v);
  // %v of a float64: shortest representation, exponent form from 1e21 up
  const s = String(v);
  return s.includes('e') ? s.replace(/e([+-])(\d)$/, 'e$10$2') : s;
}

/** Go's fmt %v of unstructured data: `map[k:v …]` with sorted keys, `[a b]`, `<nil>`. */
function goValue(v: Json | undefined): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v !== 'object') return goNumber(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  return `map[${Object.keys(v).sort().map((k) => `${k}:${goValue(v[k])}`).join(' ')}]`;
}

// ---------------------------------------------------------------------------------------------------------------
// jsonpath

type JpNode =
  | { readonly t: 'text'; readonly text: string }
  | { readonly t: 'expr'; readonly source: string; readonly path: string }
  | { readonly t: 'range'; readonly path: string; readonly source: string; readonly body: JpNode[] };

function jsonPathError(template: string, why: string): UsageError {
  return new UsageError(`error parsing jsonpath ${template}, ${why}`);
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' };

/**
 * Go's strconv.Unquote for a double-quoted jsonpath literal (\a \b \f \n \r \t \v \\ \" \xHH \ooo \uHHHH
 * \UHHHHHHHH); a single-quoted one is taken as written. Any other escape is kubectl's parse error.
 */
function unquote(lit: string, template: string): string {
  if (lit.startsWith("'")) return lit.slice(1, -1);
  const bad = (): UsageError => jsonPathError(template, `unquote string ${lit} error invalid syntax`);
  const body = lit.slice(1, -1);
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '"') throw bad();
    if (c !== '\\') {
      const ch = String.fromCodePoint(body.codePointAt(i) as number);
      bytes.push(...Buffer.from(ch, 'utf8'));
      i += ch.length - 1;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw bad();
    if (Object.hasOwn(SIMPLE_ESCAPES, e)) {
      bytes.push(...Buffer.from(SIMPLE_ESCAPES[e] as string, 'utf8'));
    } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) {
      bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[0-7]/.test(e) && /^[0-7]{3}$/.test(body.slice(i, i + 3)) && parseInt(body.slice(i, i + 3), 8) <= 255) {
      bytes.push(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else if ((e === 'u' || e === 'U') && new RegExp(`^[0-9a-fA-F]{${e === 'u' ? 4 : 8}}$`).test(body.slice(i + 1, i + (e === 'u' ? 5 : 9)))) {
      const n = e === 'u' ? 4 : 8;
      const cp = parseInt(body.slice(i + 1, i + 1 + n), 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) throw bad();
      bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      i += n;
    } else {
      throw bad();
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseJsonPath(template: string): JpNode[] {
  const root: JpNode[] = [];
  const stack: JpNode[][] = [root];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    const top = stack[stack.length - 1] as JpNode[];
    if (open < 0) {
      top.push({ t: 'text', text: template.slice(i) });
      break;
    }
    if (open > i) top.push({ t: 'text', text: template.slice(i, open) });
    // the action ends at the first '}' outside quotes and brackets
    const j = topLevelIndexes(template, '}', open + 1)[0] ?? template.length;
    if (j >= template.length) throw jsonPathError(template, 'unclosed action');
    const action = template.slice(open + 1, j).trim();
    i = j + 1;
    if (action === 'end') {
      if (stack.length === 1) throw jsonPathError(template, 'not in range, nothing to end');
      stack.pop();
    } else if (action.startsWith('range ')) {
      const body: JpNode[] = [];
      if (stack.length > MAX_TEMPLATE_DEPTH) throw tooDeep();
      top.push({ t: 'range', path: toJsonPathPlus(action.slice(6).trim(), template), source: action, body });
      stack.push(body);
    } else if (/^(["']).*\1$/s.test(action)) {
      top.push({ t: 'text', text: unquote(action, template) });
    } else if (action === '') {
      continue;
    } else {
      // kubectl has no top-level union: {.a,.b} is a parse error there too
      if (splitTopLevel(action, ',').length > 1) throw jsonPathError(template, "unrecognized character in action: U+002C ','");
      top.push({ t: 'expr', source: action, path: toJsonPathPlus(action, template) });
    }
  }
  if (stack.length > 1) throw jsonPathError(template, 'unclosed range');
  return root;
}

/** Indexes (from `from`) of `sep` outside quotes, brackets and parentheses. */
function topLevelIndexes(s: string, sep: string, from = 0): number[] {
  const out: number[] = [];
  let depth = 0;
  let quote = '';
  for (let i = from; i < s.length; i++) {
    const c = s[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === sep && depth === 0) out.push(i);
  }
  return out;
}

/** `s` split at `sep` outside quotes, brackets and parentheses. */
function splitTopLevel(s: string, sep: string): string[] {
  const cuts = [-1, ...topLevelIndexes(s, sep), s.length];
  return cuts.slice(1).map((end, k) => s.slice((cuts[k] as number) + 1, end));
}

/** kubectl's path spelling (`.a.b`, `@.a`, `$.a`, `..a`, `[?(@.x=="y")]`) as jsonpath-plus's, rooted at `$`. */
function toJsonPathPlus(path: string, template: string): string {
  for (const f of filtersOf(path)) parseFilter(f, template);
  if (path === '@' || path === '$' || path === '') return '$';
  if (path.startsWith('$') || path.startsWith('@')) return `$${path.slice(1)}`;
  if (path.startsWith('.') || path.startsWith('[')) return `$${path}`;
  throw jsonPathError(template, `unrecognized identifier ${path}`);
}

// jsonpath filters: kubectl's grammar (k8s.io/client-go/util/jsonpath parser.go parseFilter): an @-path alone
// (existence) or `operand op operand` with op one of == != < <= > >= and operands @-paths or literals. Own evaluator
// because jsonpath-plus evaluates filters as JavaScript (method calls, prototype access); its `eval` hook calls it.

type FilterOperand = { readonly path: readonly (string | number)[] } | { readonly lit: Json };
interface Filter {
  readonly left: FilterOperand;
  readonly op?: string;
  readonly right?: FilterOperand;
}

/** The `?(...)` filter expressions inside a kubectl path, outermost first. */
function filtersOf(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('?('); i >= 0; i = path.indexOf('?(', i + 1)) {
    let depth = 0;
    let quote = '';
    for (let j = i + 1; j < path.length; j++) {
      const c = path[j] as string;
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) {
        out.push(path.slice(i + 2, j));
        break;
      }
    }
  }
  return out;
}

const filterCache = new Map<string, Filter>();

/** Parses one filter expression (the text inside `?(...)`); kubectl's parse error for anything outside its grammar. */
function parseFilter(text: string, template: string): Filter {
  const cached = filterCache.get(text);
  if (cached) return cached;
  let i = 0;
  const unrecognized = (): UsageError => {
    const c = String.fromCodePoint(text.codePointAt(i) ?? 0x29);
    return jsonPathError(template, `unrecognized character in action: U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')} '${c}'`);
  };
  const skip = (): void => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const operand = (): FilterOperand => {
    skip();
    const rest = text.slice(i);
    if (rest.startsWith('@') || rest.startsWith('_$_v')) {
      i += rest.startsWith('@') ? 1 : 4;
      const path: (string | number)[] = [];
      for (;;) {
        const m = /^\.([A-Za-z0-9_-]+)/.exec(text.slice(i)) ?? /^\[\s*(?:'([^'\\]*)'|"([^"\\]*)"|(\d+))\s*\]/.exec(text.slice(i));
        if (!m) break;
        path.push(m[3] !== undefined && m[0].startsWith('[') && m[1] === undefined && m[2] === undefined ? Number(m[3]) : ((m[1] ?? m[2] ?? m[3]) as string));
        i += m[0].length;
      }
      return { path };
    }
    const lit = /^(?:"(?:[^"\\]|\\.)*"|'[^']*'|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true\b|false\b)/.exec(rest);
    if (!lit) throw unrecognized();
    i += lit[0].length;
    const t = lit[0];
    if (t === 'true' || t === 'false') return { lit: t === 'true' };
    if (t.startsWith('"') || t.startsWith("'")) return { lit: unquote(t, template) };
    return { lit: Number(t) };
  };
  const left = operand();
  skip();
  let f: Filter = { left };
  if (i < text.length) {
    const op = /^(==|!=|<=|>=|<|>)/.exec(text.slice(i));
    if (!op) {
      // kubectl reads `=` and stumbles on what follows it (=~ is reported at the ~)
      if (text[i] === '=' && i + 1 < text.length) i++;
      throw unrecognized();
    }
    i += (op[1] as string).length;
    f = { left, op: op[1] as string, right: operand() };
    skip();
    if (i < text.length) throw unrecognized();
  }
  filterCache.set(text, f);
  return f;
}

const NONE = Symbol('absent');

/** A filter's execution error, reported as kubectl's "error executing jsonpath" by evaluate. */
class FilterError extends Error {}
let filterFailure: FilterError | undefined;

function operandValue(o: FilterOperand, at: unknown): unknown {
  if ('lit' in o) return o.lit;
  let v = at;
  for (const k of o.path) {
    if (typeof k === 'number' ? Array.isArray(v) && k < v.length : v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, k)) {
      v = (v as Record<string | number, unknown>)[k];
    } else {
      return NONE;
    }
  }
  return v;
}

/** jsonpath-plus's `eval` hook: evaluates a filter (already checked by parseFilter) on the current value. */
function runFilter(script: string, context: { _$_v?: unknown }): boolean {
  try {
    return filterHolds(script, context);
  } catch (err) {
    if (err instanceof FilterError) filterFailure = err;
    throw err;
  }
}

function filterHolds(script: string, context: { _$_v?: unknown }): boolean {
  const f = parseFilter(script, script);
  const a = operandValue(f.left, context._$_v);
  if (f.op === undefined || f.right === undefined) return a !== NONE;
  const b = operandValue(f.right, context._$_v);
  if (a === NONE || b === NONE) return false;
  const same = typeof a === typeof b;
  switch (f.op) {
    case '==':
      return same && (typeof a === 'object' ? goJson(a as Json) === goJson(b as Json) : a === b);
    case '!=':
      return !(same && (typeof a === 'object' ? goJson(a as Json) === goJson(b as Json) : a === b));
    default: {
      // kubectl: an ordering of values of different (or unordered) types is an execution error
      if (!same || (typeof a !== 'number' && typeof a !== 'string')) throw new FilterError('incompatible types for comparison');
      const x = a as number | string;
      const y = b as number | string;
      return f.op === '<' ? x < y : f.op === '<=' ? x <= y : f.op === '>' ? x > y : x >= y;
    }
  }
}

/** True when `path` can only name one value, so an empty result means a key is missing. */
const isSingular = (path: string): boolean => !/\[\*\]|\.\.|\?\(|\[[^\]]*[:,]/.test(path);

function evaluate(path: string, data: Json, allowMissingKeys: boolean, source: string, template: string): Json[] {
  // filters are evaluated by kubecerts' own evaluator of kubectl's filter grammar, never as JavaScript
  let results: Json[] | undefined;
  filterFailure = undefined;
  try {
    results = JSONPath({ path, json: data as object, wrap: true, eval: runFilter }) as Json[] | undefined;
  } catch (err) {
    const why = (filterFailure as FilterError | undefined)?.message ?? (err instanceof Error ? err.message : String(err));
    throw new UsageError(`error executing jsonpath "${template}": Error executing template: ${why}`);
  }
  const list = results ?? [];
  if (list.length === 0 && isSingular(path) && !allowMissingKeys) {
    const key = /([^.[\]'"]+)['"\]]*$/.exec(source)?.[1] ?? source;
    throw new UsageError(`error executing jsonpath "${template}": Error executing template: ${key} is not found`);
  }
  return list;
}

/** kubectl's JSONPath.Execute on `data` (PrintResults: strings raw, maps/lists as JSON, values joined by " "). */
export function renderJsonPath(template: string, data: Json, o: { allowMissingKeys: boolean; asJson: boolean }): string {
  const nodes = parseJsonPath(template);
  const parts: string[] = [];
  const print = (values: Json[]): void => {
    if (o.asJson) {
      parts.push(`${goJson(values, '    ')}\n`);
      return;
    }
    parts.push(values.map((v) => (v !== null && typeof v === 'object' ? goJson(v) : v === null ? 'null' : typeof v === 'string' ? v : goNumber(v))).join(' '));
  };
  const walk = (list: readonly JpNode[], current: Json): void => {
    for (const n of list) {
      // with -o jsonpath-as-json even literal text is printed as a JSON list
      if (n.t === 'text') {
        if (o.asJson) print([n.text]);
        else parts.push(n.text);
      } else if (n.t === 'expr') {
        print(evaluate(n.path, current, o.allowMissingKeys, n.source, template));
      } else {
        const items = evaluate(n.path, current, o.allowMissingKeys, n.source, template);
        // ranging over a single list value iterates its elements, as kubectl does for {range .certificates}
        const seq = items.length === 1 && Array.isArray(items[0]) ? (items[0] as Json[]) : items;
        for (const item of seq) walk(n.body, item);
      }
    }
  };
  walk(nodes, data);
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------------------------
// go-template

type Tok = { readonly k: 'text'; readonly v: string } | { readonly k: 'action'; readonly v: string };

function goTemplateError(why: string): UsageError {
  return new UsageError(`error parsing template ${why}`);
}

function lexGo(template: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open < 0) {
      toks.push({ k: 'text', v: template.slice(i) });
      break;
    }
    let text = template.slice(i, open);
    let start = open + 2;
    if (template.startsWith('- ', start) || template.startsWith('-\t', start) || template.startsWith('-\n', start)) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    if (text) toks.push({ k: 'text', v: text });
    // find the closing braces outside string literals
    let j = start;
    let quote = '';
    for (; j < template.length; j++) {
      const c = template[j] as string;
      if (quote) {
        if (c === '\\' && quote !== '`') j++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === '`' || c === "'") quote = c;
      else if (template.startsWith('}}', j)) break;
    }
    if (j >= template.length) throw goTemplateError('unclosed action');
    let body = template.slice(start, j);
    i = j + 2;
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      const m = /^\s*/.exec(template.slice(i));
      i += m ? m[0].length : 0;
    }
    body = body.trim();
    if (!body.startsWith('/*')) toks.push({ k: 'action', v: body });
  }
  return toks;
}

type GoNode =
  | { readonly t: 'text'; readonly v: string }
  | { readonly t: 'out'; readonly pipe: string }
  | { readonly t: 'if' | 'with'; readonly branches: { cond: string | undefined; body: GoNode[] }[] }
  | { readonly t: 'range'; readonly vars: string[]; readonly pipe: string; readonly body: GoNode[]; readonly alt: GoNode[] };

function parseGo(toks: Tok[]): GoNode[] {
  let pos = 0;
  // the template itself is depth 0
  let depth = -1;
  const block = (stops: readonly string[]): { nodes: GoNode[]; stop: string } => {
    if (++depth > MAX_TEMPLATE_DEPTH) throw tooDeep();
    try {
      return blockBody(stops);
    } finally {
      depth--;
    }
  };
  const blockBody = (stops: readonly string[]): { nodes: GoNode[]; stop: string } => {
    const nodes: GoNode[] = [];
    while (pos < toks.length) {
      const tok = toks[pos++] as Tok;
      if (tok.k === 'text') {
        nodes.push({ t: 'text', v: tok.v });
        continue;
      }
      const word = tok.v.split(/\s+/, 1)[0] ?? '';
      if (stops.includes(word)) return { nodes, stop: tok.v };
      if (word === 'if' || word === 'with') {
        const branches: { cond: string | undefined; body: GoNode[] }[] = [];
        let cond: string | undefined = tok.v.slice(word.length).trim();
        for (;;) {
          const r = block(['else', 'end']);
          branches.push({ cond, body: r.nodes });
          if (r.stop === 'end') break;
          const rest = r.stop.slice(4).trim();
          if (rest.startsWith('if ') && word === 'if') cond = rest.slice(3).trim();
          else if (rest === '') cond = undefined;
          else throw goTemplateError(`unsupported "${r.stop}"`);
          if (cond === undefined) {
            const last = block(['end']);
            branches.push({ cond: undefined, body: last.nodes });
            break;
          }
        }
        nodes.push({ t: word, branches });
      } else if (word === 'range') {
        let pipe = tok.v.slice(5).trim();
        let vars: string[] = [];
        const decl = /^(\$\w*)\s*(?:,\s*(\$\w*))?\s*:=\s*(.*)$/s.exec(pipe);
        if (decl) {
          vars = decl[2] ? [decl[1] as string, decl[2]] : [decl[1] as string];
          pipe = decl[3] as string;
        }
        const r = block(['else', 'end']);
        const alt = r.stop === 'end' ? [] : block(['end']).nodes;
        nodes.push({ t: 'range', vars, pipe, body: r.nodes, alt });
      } else if (['end', 'else'].includes(word)) {
        throw goTemplateError(`unexpected {{${word}}}`);
      } else if (['define', 'template', 'block', 'break', 'continue'].includes(word) || /^\$\w*\s*:?=/.test(tok.v)) {
        throw goTemplateError(`"${tok.v}" is not supported by kubecerts' go-template subset; use -o jsonpath or -o json`);
      } else {
        nodes.push({ t: 'out', pipe: tok.v });
      }
    }
    if (stops.length > 0) throw goTemplateError('unexpected EOF');
    return { nodes, stop: '' };
  };
  return block([]).nodes;
}

const MISSING = Symbol('no value');
type GoVal = Json | typeof MISSING;

interface GoScope {
  readonly dot: GoVal;
  readonly vars: Map<string, GoVal>;
  readonly allowMissingKeys: boolean;
}

function truthy(v: GoVal): boolean {
  if (v === MISSING || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function field(v: GoVal, key: string, s: GoScope): GoVal {
  if (v === null || v === MISSING || typeof v !== 'object' || Array.isArray(v)) {
    if (v === null || v === MISSING) return MISSING;
    throw new UsageError(`error executing template: can't evaluate field ${key} in type ${Array.isArray(v) ? '[]interface {}' : typeof v}`);
  }
  if (Object.hasOwn(v, key)) return v[key] as Json;
  if (!s.allowMissingKeys) throw new UsageError(`error executing template: map has no entry for key "${key}"`);
  return MISSING;
}

/** Splits a pipeline command into words: literals, parenthesised groups and field chains. */
function words(cmd: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < cmd.length) {
    const c = cmd[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    let j = i;
    if (c === '"' || c === '`' || c === "'") {
      j++;
      while (j < cmd.length && cmd[j] !== c) j += cmd[j] === '\\' && c !== '`' ? 2 : 1;
      j++;
    } else if (c === '(') {
      let depth = 0;
      for (; j < cmd.length; j++) {
        if (cmd[j] === '(') depth++;
        else if (cmd[j] === ')' && --depth === 0) break;
      }
      j++;
    } else {
      while (j < cmd.length && !/\s/.test(cmd[j] as string)) j++;
    }
    out.push(cmd.slice(i, j));
    i = j;
  }
  return out;
}

function evalWord(w: string, s: GoScope): GoVal {
  if (w.startsWith('"')) return JSON.parse(w) as string;
  if (w.startsWith('`')) return w.slice(1, -1);
  if (w.startsWith("'")) return w.slice(1, -1);
  if (w.startsWith('(')) return evalPipeline(w.slice(1, -1), s);
  if (/^-?\d+(\.\d+)?$/.test(w)) return Number(w);
  if (w === 'true' || w === 'false') return w === 'true';
  if (w === 'nil') return null;
  if (w === '.') return s.dot;
  let base: GoVal;
  let rest: string;
  if (w.startsWith('$')) {
    const m = /^\$\w*/.exec(w)?.[0] ?? '$';
    if (!s.vars.has(m)) throw new UsageError(`error parsing template: undefined variable "${m}"`);
    base = s.vars.get(m) as GoVal;
    rest = w.slice(m.length);
  } else if (w.startsWith('.')) {
    base = s.dot;
    rest = w;
  } else {
    throw goTemplateError(`function "${w}" not defined`);
  }
  for (const key of rest.split('.').filter(Boolean)) base = field(base, key, s);
  return base;
}

const cmpArgs = (a: GoVal, b: GoVal, name: string): [number | string, number | string] => {
  if (typeof a === 'number' && typeof b === 'number') return [a, b];
  if (typeof a === 'string' && typeof b === 'string') return [a, b];
  throw new UsageError(`error calling ${name}: incompatible types for comparison`);
};

/** text/template's arity check: "wrong number of args for NAME: want [at least ]N got M". */
function arity(name: string, args: readonly GoVal[], want: number, atLeast = false): void {
  if (atLeast ? args.length >= want : args.length === want) return;
  throw new UsageError(`error executing template: wrong number of args for ${name}: want ${atLeast ? 'at least ' : ''}${want} got ${args.length}`);
}

const ARITY: Record<string, [number, boolean]> = {
  printf: [1, true], len: [1, false], index: [1, true], not: [1, false], and: [1, true], or: [1, true],
  eq: [1, true], ne: [2, false], lt: [2, false], le: [2, false], gt: [2, false], ge: [2, false],
};

const FUNCS: Record<string, (args: GoVal[]) => GoVal> = {
  printf: (a) => goSprintf(String(a[0] === MISSING ? '' : a[0]), a.slice(1)),
  print: (a) => a.map(goText).join(''),
  println: (a) => `${a.map(goText).join(' ')}\n`,
  len: ([v]) => {
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    throw new UsageError('error calling len: len of unsupported type');
  },
  index: ([v, ...keys]) => {
    let cur: GoVal = v ?? MISSING;
    for (const k of keys) {
      if (Array.isArray(cur) && typeof k === 'number') cur = k >= 0 && k < cur.length ? (cur[k] as Json) : MISSING;
      else if (cur && cur !== MISSING && typeof cur === 'object' && !Array.isArray(cur) && typeof k === 'string') cur = Object.hasOwn(cur, k) ? (cur[k] as Json) : MISSING;
      else throw new UsageError('error calling index: cannot index');
      if (cur === MISSING) throw new UsageError('error calling index: index out of range');
    }
    return cur;
  },
  not: ([v]) => !truthy(v ?? MISSING),
  and: (a) => a.find((v) => !truthy(v)) ?? (a[a.length - 1] as GoVal),
  or: (a) => a.find((v) => truthy(v)) ?? (a[a.length - 1] as GoVal),
  eq: ([a, ...bs]) => {
    if (bs.length === 0) throw new UsageError('error calling eq: missing argument for comparison');
    return bs.some((b) => JSON.stringify(a === MISSING ? null : a) === JSON.stringify(b === MISSING ? null : b));
  },
  ne: ([a, b]) => JSON.stringify(a) !== JSON.stringify(b),
  lt: ([a, b]) => { const [x, y] = cmpArgs(a as GoVal, b as GoVal, 'lt'); return x < y; },
  le: ([a, b]) => { const [x, y] = cmpArgs(a as GoVal, b as GoVal, 'le'); return x <= y; },
  gt: ([a, b]) => { const [x, y] = cmpArgs(a as GoVal, b as GoVal, 'gt'); return x > y; },
  ge: ([a, b]) => { const [x, y] = cmpArgs(a as GoVal, b as GoVal, 'ge'); return x >= y; },
};

function evalCommand(cmd: string, s: GoScope, piped: GoVal | undefined): GoVal {
  const ws = words(cmd.trim());
  const head = ws[0] ?? '';
  if (Object.hasOwn(FUNCS, head)) {
    const args = ws.slice(1).map((w) => evalWord(w, s));
    if (piped !== undefined) args.push(piped);
    const want = ARITY[head];
    if (want) arity(head, args, want[0], want[1]);
    return (FUNCS[head] as (a: GoVal[]) => GoVal)(args);
  }
  if (ws.length !== 1 || piped !== undefined) throw goTemplateError(`can't give argument to non-function ${head}`);
  return evalWord(head, s);
}

function evalPipeline(pipe: string, s: GoScope): GoVal {
  let v: GoVal | undefined;
  for (const cmd of splitTopLevel(pipe, '|')) v = evalCommand(cmd, s, v);
  return v ?? MISSING;
}

/** How text/template prints a value: strings raw, `<no value>` for a missing key, Go's %v otherwise. */
function goText(v: GoVal): string {
  if (v === MISSING || v === null) return '<no value>';
  return goValue(v);
}

/** Go's fmt: a width or precision is refused once the number exceeds 1e6 before its next digit (fmt/print.go tooLarge). */
function parseFmtNum(digits: string): number | undefined {
  let num = 0;
  for (const d of digits) {
    if (num > 1e6) return undefined;
    num = num * 10 + Number(d);
  }
  return num;
}

/** Go's type name of a template value, as fmt's %!(EXTRA type=value) prints it. */
function goTypeName(v: GoVal): string {
  if (v === MISSING || v === null) return '<nil>';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return Array.isArray(v) ? '[]interface {}' : 'map[string]interface {}';
}

/**
 * Go's %.Nf: exact decimal digits of the binary value, rounded half to even (Number#toFixed stops at 100 digits).
 * A double has at most 1074 fractional digits, so past that the digits are zeros.
 */
function goFixed(v: number, prec: number): string {
  if (prec <= 100 || !Number.isFinite(v)) return v.toFixed(Math.min(prec, 100));
  const exact = Math.min(prec, 1100);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(v));
  const bits = view.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  let m = bits & ((1n << 52n) - 1n);
  let exp = -1074;
  if (e !== 0) {
    m |= 1n << 52n;
    exp = e - 1075;
  }
  let num = m * 10n ** BigInt(exact);
  let den = 1n;
  if (exp >= 0) num <<= BigInt(exp);
  else den <<= BigInt(-exp);
  let q = num / den;
  const r = (num % den) * 2n;
  if (r > den || (r === den && (q & 1n) === 1n)) q++;
  const digits = q.toString().padStart(exact + 1, '0');
  return `${v < 0 ? '-' : ''}${digits.slice(0, -exact)}.${digits.slice(-exact)}${'0'.repeat(prec - exact)}`;
}

/**
 * Go's fmt.Sprintf for the verbs kubectl templates use: %s %d %v %q %t %f %x %%, with flags, widths and
 * precisions. As Go: a missing argument prints %!v(MISSING), unused ones %!(EXTRA type=value), a width or
 * precision above 1e6 (or a format ending in a bare %) %!(NOVERB) and ends the format.
 */
export function goSprintf(format: string, args: readonly GoVal[]): string {
  let n = 0;
  let result = '';
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      result += format.slice(i);
      break;
    }
    result += format.slice(i, pct);
    const m = /^%([-+# 0]*)(\d*)(?:\.(\d*))?/.exec(format.slice(pct)) as RegExpExecArray;
    const flags = m[1] as string;
    const wNum = parseFmtNum(m[2] as string);
    const pNum = m[3] === undefined ? undefined : parseFmtNum(m[3]);
    const next = pct + m[0].length;
    if (wNum === undefined || (m[3] !== undefined && pNum === undefined) || next >= format.length) {
      result += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(next) as number);
    i = next + verb.length;
    const width = m[2] === '' ? undefined : String(wNum);
    const prec = m[3] === undefined ? undefined : String(pNum);
    if (verb === '%') {
      result += '%';
      continue;
    }
    if (n >= args.length) {
      result += `%!${verb}(MISSING)`;
      continue;
    }
    const a = args[n++] as GoVal;
    let out: string;
    const v = a === MISSING ? null : a;
    switch (verb) {
      case 's':
      case 'v':
        out = v === null ? (verb === 'v' ? '<nil>' : '%!s(<nil>)') : goValue(v);
        break;
      case 'd':
        out = typeof v === 'number' && Number.isInteger(v) ? String(v) : `%!d(${typeof v === 'string' ? 'string' : 'value'}=${goValue(v)})`;
        break;
      case 'q':
        out = typeof v === 'string' ? JSON.stringify(v) : `%!q(${goValue(v)})`;
        break;
      case 't':
        out = typeof v === 'boolean' ? String(v) : `%!t(${goValue(v)})`;
        break;
      case 'f':
        out = typeof v === 'number' ? goFixed(v, prec === undefined ? 6 : Number(prec)) : `%!f(${goValue(v)})`;
        break;
      case 'x':
        out = typeof v === 'number' ? Math.trunc(v).toString(16) : Buffer.from(String(v)).toString('hex');
        break;
      default:
        out = `%!${verb}(${goValue(v)})`;
    }
    if (prec !== undefined && verb === 's') out = out.slice(0, Number(prec));
    const w = width === undefined ? 0 : Number(width);
    if (out.length < w) out = flags.includes('-') ? out.padEnd(w) : out.padStart(w, flags.includes('0') && verb !== 's' ? '0' : ' ');
    result += out;
  }
  if (n < args.length) result += `%!(EXTRA ${args.slice(n).map((a) => (a === MISSING || a === null ? '<nil>' : `${goTypeName(a)}=${goValue(a)}`)).join(', ')})`;
  return result;
}

function execGo(nodes: readonly GoNode[], s: GoScope, out: string[]): void {
  for (const n of nodes) {
    if (n.t === 'text') out.push(n.v);
    else if (n.t === 'out') out.push(goText(evalPipeline(n.pipe, s)));
    else if (n.t === 'if' || n.t === 'with') {
      for (const b of n.branches) {
        const v = b.cond === undefined ? true : evalPipeline(b.cond, s);
        if (b.cond === undefined || truthy(v)) {
          execGo(b.body, n.t === 'with' && b.cond !== undefined ? { ...s, dot: v } : s, out);
          break;
        }
      }
    } else if (n.t === 'range') {
      const v = evalPipeline(n.pipe, s);
      const entries: [GoVal, GoVal][] = Array.isArray(v)
        ? v.map((x, i) => [i, x])
        : v && v !== MISSING && typeof v === 'object'
          ? Object.keys(v).sort().map((k) => [k, v[k] as Json])
          : [];
      if (v !== MISSING && v !== null && typeof v !== 'object') throw new UsageError(`error executing template: range can't iterate over ${goValue(v)}`);
      if (entries.length === 0) execGo(n.alt, s, out);
      for (const [k, x] of entries) {
        const vars = new Map(s.vars);
        if (n.vars.length === 1) vars.set(n.vars[0] as string, x);
        if (n.vars.length === 2) {
          vars.set(n.vars[0] as string, k);
          vars.set(n.vars[1] as string, x);
        }
        execGo(n.body, { ...s, dot: x, vars }, out);
      }
    }
  }
}

/** kubectl's GoTemplatePrinter on `data`: Go's text/template subset described above. */
export function renderGoTemplate(template: string, data: Json, allowMissingKeys: boolean): string {
  const nodes = parseGo(lexGo(template));
  const out: string[] = [];
  execGo(nodes, { dot: data, vars: new Map([['$', data]]), allowMissingKeys }, out);
  return out.join('');
}
