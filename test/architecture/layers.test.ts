import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { folderEdges, importCycles, readImportGraph, upwardImports } from './import-graph';

const LIB = path.join(__dirname, '../../lib');
const FIXTURES = path.join(__dirname, 'fixtures');

/** The layer order, bottom to top, as lib/README.md defines it; the public index.ts ('.') is above all. */
function declaredLayers(): string[] {
  const readme = fs.readFileSync(path.join(LIB, 'README.md'), 'utf8');
  const line = /^layers \(bottom to top\): (.+)$/m.exec(readme);
  if (!line) throw new Error('lib/README.md must define the layers: "layers (bottom to top): a < b < ..."');
  return [...line[1].split('<').map((l) => l.trim()), '.'];
}

describe('lib/ layers', () => {
  const graph = readImportGraph(LIB);
  const layers = declaredLayers();

  test('every folder of lib/ has a layer, and every layer is a folder', () => {
    const folders = fs
      .readdirSync(LIB, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect([...layers.filter((l) => l !== '.')].sort()).toEqual(folders);
  });

  test('no file imports a folder of a higher layer', () => {
    // On failure: the offending imports, then the folder graph to see where they belong.
    const upward = upwardImports(graph, layers);
    expect({ upward, folders: upward.length ? folderEdges(graph) : [] }).toEqual({ upward: [], folders: [] });
  });

  test('no import cycles between files', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  test('the graph is read: the pipeline imports the layers it runs', () => {
    // Guards the check itself: an empty graph would pass the two tests above.
    expect(graph.files.length).toBeGreaterThan(50);
    expect(graph.edges.get('pipeline/synth.ts')).toEqual(expect.arrayContaining(['core/system-chart.ts', 'gitops/render.ts', 'policy/evaluate.ts']));
    expect(folderEdges(graph)).toEqual(expect.arrayContaining(['data -> backup', 'workloads -> core', 'pipeline -> gitops']));
  });
});

describe('the layer check on fixtures', () => {
  const layers = ['core', 'workloads', 'edge'];

  test('an upward import is reported, whether a value import, a type-only import or a re-export', () => {
    const graph = readImportGraph(path.join(FIXTURES, 'violations'));
    expect(upwardImports(graph, layers)).toEqual([
      'core/model.ts -> workloads/role.ts: core may not import workloads (a higher layer)',
      'core/names.ts -> edge/endpoint.ts: core may not import edge (a higher layer)',
      'core/routes.ts -> edge/route.ts: core may not import edge (a higher layer)',
    ]);
  });

  test('comments and strings are not imports', () => {
    const graph = readImportGraph(path.join(FIXTURES, 'violations'));
    expect(graph.edges.get('core/names.ts')).toEqual(['edge/endpoint.ts']);
  });

  test('cycles are reported, within a folder and across folders', () => {
    const graph = readImportGraph(path.join(FIXTURES, 'violations'));
    expect(importCycles(graph)).toEqual([
      ['core/cycle-a.ts', 'core/cycle-b.ts'],
      ['core/model.ts', 'workloads/role.ts'],
    ]);
  });

  test('a folder without a layer is reported', () => {
    const graph = readImportGraph(path.join(FIXTURES, 'violations'));
    expect(upwardImports(graph, ['core', 'workloads'])).toEqual(
      expect.arrayContaining(["edge/endpoint.ts: folder 'edge' has no layer", "core/names.ts -> edge/endpoint.ts: folder 'edge' has no layer"]),
    );
  });

  test('downward imports and re-exports pass', () => {
    const graph = readImportGraph(path.join(FIXTURES, 'clean'));
    expect(graph.edges.get('workloads/workload.ts')).toEqual(['core/model.ts']);
    expect(upwardImports(graph, layers)).toEqual([]);
    expect(importCycles(graph)).toEqual([]);
  });

  test('a relative import that resolves to no file is an error, not a silent pass', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-'));
    try {
      fs.mkdirSync(path.join(dir, 'core'));
      fs.writeFileSync(path.join(dir, 'core', 'a.ts'), "import { x } from '../gone/x';\nexport const y = x;\n");
      expect(() => readImportGraph(dir)).toThrow("core/a.ts: import '../gone/x' resolves to no .ts file");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
