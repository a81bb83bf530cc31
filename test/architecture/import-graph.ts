import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/** A file-level import graph of a folder of TypeScript sources (relative imports only). */
export interface ImportGraph {
  /** Every .ts file, relative to the root, with forward slashes. */
  readonly files: string[];
  /** file -> files it imports or re-exports from (type-only imports included: they couple the files just as much). */
  readonly edges: Map<string, string[]>;
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function resolveFile(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/**
 * Reads every import, `export ... from`, `import()` and `require()` of the files under `root`
 * with the TypeScript pre-processor (the compiler's own scanner, so comments and strings never count).
 * Imports that leave `root` (packages, imports/) are not edges; a relative import that resolves to nothing throws.
 */
export function readImportGraph(root: string): ImportGraph {
  const abs = path.resolve(root);
  const rel = (f: string) => path.relative(abs, f).split(path.sep).join('/');
  const files = listTs(abs).sort();
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const targets = new Set<string>();
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      // A data file (JSON) is a leaf, not a module of a layer.
      if (ref.fileName.endsWith('.json') && fs.existsSync(path.resolve(path.dirname(file), ref.fileName))) continue;
      const target = resolveFile(file, ref.fileName);
      if (!target) throw new Error(`${rel(file)}: import '${ref.fileName}' resolves to no .ts file`);
      if (target.startsWith(abs + path.sep)) targets.add(rel(target));
    }
    edges.set(rel(file), [...targets].sort());
  }
  return { files: files.map(rel), edges };
}

/** The folder a file belongs to: its first path segment, or '.' for files at the root (lib/index.ts). */
export function folderOf(file: string): string {
  const i = file.indexOf('/');
  return i < 0 ? '.' : file.slice(0, i);
}

/** Imports that go from a folder to a folder of a higher layer, or to a folder that has no layer. */
export function upwardImports(graph: ImportGraph, layers: readonly string[], exempt: readonly string[] = []): string[] {
  const rank = (folder: string) => layers.indexOf(folder);
  const found: string[] = [];
  for (const [from, tos] of graph.edges) {
    const fromFolder = folderOf(from);
    if (exempt.includes(fromFolder)) continue;
    if (rank(fromFolder) < 0) {
      found.push(`${from}: folder '${fromFolder}' has no layer`);
      continue;
    }
    for (const to of tos) {
      const toFolder = folderOf(to);
      if (rank(toFolder) < 0) found.push(`${from} -> ${to}: folder '${toFolder}' has no layer`);
      else if (rank(toFolder) > rank(fromFolder)) found.push(`${from} -> ${to}: ${fromFolder} may not import ${toFolder} (a higher layer)`);
    }
  }
  return found.sort();
}

/** Every cycle of files, each as the list of its files (strongly connected components of more than one file, or a self-import). */
export function importCycles(graph: ImportGraph): string[][] {
  // Tarjan's strongly connected components; recursive, as the depth is bounded by the few hundred files of lib/.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.edges.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const f of graph.files) if (!idx.has(f)) visit(f);
  return cycles.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Folder-level edges (for the report in the layer check's failure message). */
export function folderEdges(graph: ImportGraph): string[] {
  const out = new Set<string>();
  for (const [from, tos] of graph.edges) {
    for (const to of tos) if (folderOf(from) !== folderOf(to)) out.add(`${folderOf(from)} -> ${folderOf(to)}`);
  }
  return [...out].sort();
}
