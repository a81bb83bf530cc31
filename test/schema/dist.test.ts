/**
 * Every object the synth pipeline wrote to dist/ must pass strict schema
 * validation on every Kubernetes version we support — the offline equivalent of
 * `kubectl apply --validate=strict` against 1.27 and 1.33.
 *
 * Requires a prior `npm run synth`. An absent or empty dist/ fails (see
 * validateManifestTree): a check that validates nothing must not look green.
 */
import * as path from 'path';
import { REPO_ROOT } from '../support/schema/k8s-definitions';
import { validateManifestTree } from '../support/schema/validate-tree';

const DIST = path.join(REPO_ROOT, 'dist');

test('every object in dist/ passes strict schema validation on all supported Kubernetes versions', () => {
  const { objects, problems } = validateManifestTree(DIST);
  // One assertion carrying the whole report.
  const summary = problems.length === 0 ? '' : `${problems.length} problem(s) in ${objects} objects under dist/:\n${problems.join('\n')}`;
  expect(summary).toBe('');
}, 120_000);
