import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesize } from '../../lib';
import { buildPlainScaleApp, buildScaleApp, countObjects } from '../../scripts/bench/scale';
import { toYamlDocumentReference } from '../../lib/core/yaml';

/** The benchmark's generated workload (scripts/bench/scale.ts): its size and its determinism. No timing here. */
describe('bench scale workload', () => {
  const unused = path.join(os.tmpdir(), 'cdk8s-stacks-bench-unused');

  test('N services give 20 N + 7 objects with the library, and about as many with plain cdk8s-plus-27', () => {
    for (const n of [1, 3]) {
      const result = synthesize(buildScaleApp(n, unused), { outdir: unused, dryRun: true });
      expect(result.objects.length).toBe(20 * n + 7);
      expect(countObjects(result.objects.map((o) => o.object as { kind: string }))).toMatchObject({
        Deployment: n,
        StatefulSet: 2 * n,
        Service: 5 * n,
        Namespace: 1,
      });
      const plain = buildPlainScaleApp(n, unused).charts.flatMap((c) => c.toJson());
      expect(plain.length).toBe(21 * n);
    }
  });

  test('two synths of the workload write byte-identical files, identical to the yaml package', () => {
    const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-')));
    try {
      const results = dirs.map((dir) => synthesize(buildScaleApp(5, unused), { outdir: path.join(dir, 'dist') }));
      const files = (dir: string) => fs.readdirSync(path.join(dir, 'dist', 'prod', 'scale')).sort();
      expect(files(dirs[0])).toEqual(files(dirs[1]));
      expect(files(dirs[0]).length).toBe(5 * 20 + 7 + 2); // plus kustomization.yaml and README.md
      for (const name of files(dirs[0])) {
        expect(fs.readFileSync(path.join(dirs[1], 'dist', 'prod', 'scale', name), 'utf8')).toBe(
          fs.readFileSync(path.join(dirs[0], 'dist', 'prod', 'scale', name), 'utf8'),
        );
      }
      for (const o of results[0].objects) {
        expect(fs.readFileSync(path.join(dirs[0], 'dist', 'prod', 'scale', o.file), 'utf8')).toBe(toYamlDocumentReference(o.object));
      }
    } finally {
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
