/**
 * `local/no-folder-cycle`: the top-level folders of src/ form a graph by their relative imports; an
 * import from folder A into folder B is an error when B, directly or through other folders, imports A.
 * import-x/no-cycle sees cycles between files; this sees them between rooms (A/x -> B/y, B/z -> A/w).
 * The graph is read once per lint run from the sources on disk (static and dynamic relative imports).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
const graphs = new Map();

function folderOf(srcRoot, file) {
  const rel = relative(srcRoot, file);
  if (rel.startsWith('..') || !rel.includes(sep)) return undefined;
  return rel.split(sep)[0];
}

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** folder -> Map(imported folder -> first file that imports it) */
function folderGraph(srcRoot) {
  let graph = graphs.get(srcRoot);
  if (graph) return graph;
  graph = new Map();
  for (const file of sourceFiles(srcRoot)) {
    const from = folderOf(srcRoot, file);
    if (!from) continue;
    const edges = graph.get(from) ?? new Map();
    graph.set(from, edges);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const to = folderOf(srcRoot, resolve(dirname(file), spec));
      if (to && to !== from && !edges.has(to)) edges.set(to, relative(srcRoot, file));
    }
  }
  graphs.set(srcRoot, graph);
  return graph;
}

/** A path of folders from `start` back to `target`, or undefined. */
function pathBetween(graph, start, target) {
  const seen = new Set([start]);
  const queue = [[start]];
  while (queue.length > 0) {
    const path = queue.shift();
    for (const next of (graph.get(path[path.length - 1]) ?? new Map()).keys()) {
      if (next === target) return [...path, next];
      if (!seen.has(next)) {
        seen.add(next);
        queue.push([...path, next]);
      }
    }
  }
  return undefined;
}

export const noFolderCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'forbid imports that close a cycle between the top-level folders of src/' },
    schema: [],
    messages: {
      cycle: '{{from}}/ imports {{to}}/, and {{to}}/ leads back: {{path}} ({{via}}). Move what both need into a room of its own.',
    },
  },
  create(context) {
    const srcRoot = resolve(context.cwd, 'src');
    const from = folderOf(srcRoot, context.filename);
    if (!from) return {};
    const check = (node) => {
      const spec = node.source && node.source.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const to = folderOf(srcRoot, resolve(dirname(context.filename), spec));
      if (!to || to === from) return;
      const graph = folderGraph(srcRoot);
      const back = pathBetween(graph, to, from);
      if (!back) return;
      const via = back
        .slice(0, -1)
        .map((folder, i) => graph.get(folder).get(back[i + 1]))
        .join(', ');
      context.report({ node, messageId: 'cycle', data: { from, to, path: [from, ...back].join(' -> '), via } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default { rules: { 'no-folder-cycle': noFolderCycle } };
