import { CHANGE_RISK_IDS } from '../../lib';
import { expectedRisks, planOf } from '../integration/cluster/plan-corpus/change';
import { PLAN_CORPUS } from '../integration/cluster/plan-corpus';

/**
 * The plan corpus (test/integration/cluster/plan-corpus/): each change built twice with the
 * library's constructs; the plan must report exactly the expected risks. The cluster suite
 * checks the same changes against real API servers.
 */
const ALL = Object.values(PLAN_CORPUS).flat();

describe.each(Object.entries(PLAN_CORPUS))('plan corpus: %s', (_, changes) => {
  test.each(changes.map((c) => [c.id, c] as const))('%s', (_id, change) => {
    for (const minor of [27, 37]) {
      const plan = planOf(change, minor);
      // Something changed: the corpus never compares a chart with itself.
      expect(plan.folders.length).toBe(1);
      expect({ minor, risks: [...new Set(plan.findings.map((f) => f.risk))].sort() }).toEqual({
        minor,
        risks: [...expectedRisks(change, minor)].sort(),
      });
    }
  });
});

test('the corpus has at least 30 changes, unique ids, and covers every risk class', () => {
  expect(ALL.length).toBeGreaterThanOrEqual(30);
  expect(new Set(ALL.map((c) => c.id)).size).toBe(ALL.length);
  const covered = new Set(ALL.flatMap((c) => [...expectedRisks(c, 27), ...expectedRisks(c, 37)]));
  expect(CHANGE_RISK_IDS.filter((id) => !covered.has(id))).toEqual([]);
});

test('a changed hook Job is conditional (Argo CD recreates it), a plain Job is refused and blocking', () => {
  const byId = (id: string) => ALL.find((c) => c.id === id)!;
  const [hook] = planOf(byId('job-template'), 27).findings;
  expect(hook).toMatchObject({ risk: 'refused.job-field-changed', outcome: 'conditional', severity: 'warning' });
  const [plain] = planOf(byId('job-template-plain'), 27).findings;
  expect(plain).toMatchObject({ risk: 'refused.job-field-changed', outcome: 'refused', severity: 'blocking' });
});
