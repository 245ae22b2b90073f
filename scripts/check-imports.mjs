#!/usr/bin/env node
// Import rules for src/ (see ARCHITECTURE.md): a module may import only its own layer or a lower one, the module
// graph has no cycles, and only the I/O rooms touch node:fs, node:child_process or process.
// Usage: node scripts/check-imports.mjs [--src DIR] [--graph]; exits 1 and lists every violation. There is no
// allow-list: a new exception is a change to LAYERS or IO_ROOMS, made in review.
//
// Own code rather than madge or dependency-cruiser: the rule is a dozen lines over one regex-built graph, the
// tool would add a large dependency tree to a root-run CLI's dev setup, and the layer order is ours either way.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Layers from lowest to highest. A file belongs to the first entry whose prefix matches its path under src/.
 * Imports may go to the same layer or any lower one, never up.
 */
export const LAYERS = [
  { name: 'lib', prefixes: ['lib/'] },
  { name: 'errors', prefixes: ['errors.ts'] },
  { name: 'config', prefixes: ['config/'] },
  { name: 'pki', prefixes: ['pki/'] },
  { name: 'kubeconfig', prefixes: ['kubeconfig/'] },
  { name: 'node', prefixes: ['node/'] },
  { name: 'store', prefixes: ['store/'] },
  { name: 'net', prefixes: ['net/'] },
  { name: 'coord', prefixes: ['coord/'] },
  { name: 'ops', prefixes: ['ops/'] },
  { name: 'output', prefixes: ['output/'] },
  { name: 'cli', prefixes: ['cli/'] },
  { name: 'main', prefixes: ['main.ts'] },
  { name: 'bin', prefixes: ['bin.ts', 'standalone.ts', 'sea.ts'] },
];

/** Where node:fs, node:child_process and the process object may be used. */
export const IO_ROOMS = ['store/', 'cli/', 'main.ts', 'bin.ts', 'standalone.ts', 'sea.ts'];
const IO_USE = /from\s+['"]node:(?:fs|fs\/promises|child_process|process)['"]|(?<![.\w])process\.[a-zA-Z]/;

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
/** Files that use node:fs, node:child_process or process, filled by importGraph. */
export const ioUsers = new Set();
const IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The relative-import graph of src/: Map<file under src/, Set<file under src/>>. */
export function importGraph(src = SRC) {
  const graph = new Map();
  ioUsers.clear();
  for (const file of sourceFiles(src)) {
    const from = relative(src, file);
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|(^|[^:'"`])\/\/.*$/gm, '$1');
    const targets = new Set();
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      targets.add(relative(src, resolve(dirname(file), spec)).replace(/\.js$/, '.ts'));
    }
    graph.set(from, targets);
    if (IO_USE.test(text)) ioUsers.add(from);
  }
  return graph;
}

const isLayered = (file) => LAYERS.some((l) => l.prefixes.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p)));

/** Index of a file's layer in LAYERS; throws when no layer claims it. */
export function layerOf(file) {
  const i = LAYERS.findIndex((l) => l.prefixes.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p)));
  if (i < 0) throw new Error(`${file}: no layer in scripts/check-imports.mjs (add its folder to LAYERS)`);
  return i;
}

/** Strongly connected components with more than one file (or a self-import): Tarjan's algorithm. */
export function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.has(v)) out.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

/** Every problem as a line of text; empty when the tree keeps the rules. */
export function check(graph = importGraph()) {
  const problems = [];
  for (const file of graph.keys()) {
    try {
      layerOf(file);
    } catch (e) {
      problems.push(e.message);
    }
  }
  for (const [from, targets] of [...graph].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const to of [...targets].sort()) {
      if (!graph.has(to)) {
        problems.push(`${from}: imports ${to}, which does not exist`);
        continue;
      }
      if (!isLayered(to) || !isLayered(from) || layerOf(to) <= layerOf(from)) continue;
      problems.push(`${from} -> ${to}: ${LAYERS[layerOf(from)].name} may not import ${LAYERS[layerOf(to)].name} (a higher layer)`);
    }
  }
  for (const scc of cycles(graph)) problems.push(`import cycle: ${scc.join(', ')}`);
  for (const file of [...ioUsers].sort()) {
    if (IO_ROOMS.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p))) continue;
    problems.push(`${file}: uses node:fs, node:child_process or process outside ${IO_ROOMS.join(', ')}`);
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const srcAt = args.indexOf('--src');
  const graph = importGraph(srcAt >= 0 ? resolve(args[srcAt + 1]) : SRC);
  if (args.includes('--graph')) {
    for (const [from, targets] of graph) for (const to of targets) console.log(`${from} -> ${to}`);
  }
  const problems = check(graph);
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(`check-imports: ${problems.length} problem(s)`);
    process.exit(1);
  }
  console.log(`check-imports: ${graph.size} modules keep the layer order, no cycles, fs/process only in I/O rooms`);
}
