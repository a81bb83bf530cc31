import * as path from 'path';
import { buildRepositoryApp } from '../../charts/app';
import { readFolderDist, readGitDist } from '../../lib/plan/baseline';
import { currentFolders } from '../../lib/plan/cli';
import { computePlan } from '../../lib/plan/plan';
import { UNUSED_OUTDIR } from '../support/synth';

const REPO = path.join(__dirname, '..', '..');

/** The repository's own charts against its dist/: what `npm run plan` does on an unchanged tree (its speed is in BENCHMARKS.md). */
test('the whole repository compared with dist/ on disk has no changes, folder for folder', () => {
  const current = currentFolders(buildRepositoryApp({ outdir: UNUSED_OUTDIR }));
  const baseline = readFolderDist(path.join(REPO, 'dist'));
  expect(current.map((f) => f.folder).sort()).toEqual([...baseline.keys()].sort());
  const plan = computePlan(current, baseline);
  expect(plan.compared).toBe(baseline.size);
  expect(plan.folders.map((f) => f.folder)).toEqual([]);
  expect(plan.findings).toEqual([]);
  // The comparison can fail: one object edited in the baseline is one change in one folder.
  const edited = new Map([...baseline].map(([f, files]) => [f, new Map(files)]));
  const loopi = edited.get('prod/loopi')!;
  loopi.set('60-deployment-api.yaml', loopi.get('60-deployment-api.yaml')!.replace('revisionHistoryLimit: 5', 'revisionHistoryLimit: 4'));
  const changed = computePlan(current, edited);
  expect(changed.folders.map((f) => [f.folder, f.changed.map((c) => c.fields.map((x) => x.path))])).toEqual([
    ['prod/loopi', [['spec.revisionHistoryLimit']]],
  ]);
});

test('the git baseline at HEAD reads the same dist as the folder, when dist/ is committed unchanged', () => {
  const git = readGitDist(REPO, 'HEAD', 'dist');
  const folder = readFolderDist(path.join(REPO, 'dist'));
  expect([...git.keys()].sort()).toEqual([...folder.keys()].sort());
  for (const [name, files] of folder) expect([...git.get(name)!.keys()].sort()).toEqual([...files.keys()].sort());
});
