import { App } from 'cdk8s';
import { Construct } from 'constructs';
import {
  addCheck,
  checkUniqueId,
  collectIssues,
  collectReport,
  formatIssue,
  freeId,
  SynthesisError,
  uniqueIssues,
  ValidationReport,
} from '../../lib/core/validation';

describe('ValidationReport', () => {
  test('errors and warnings start with their field, in the order recorded', () => {
    const report = new ValidationReport();
    report.error('test.image', 'image', "'x' is not pinned");
    report.error('test.replicas', 'replicas', 'must be at least 1');
    report.warn('test.cpu', 'cpuPercent', 'above 100');
    expect(report.errors).toEqual(["image: 'x' is not pinned", 'replicas: must be at least 1']);
    expect(report.errorEntries.map((e) => e.id)).toEqual(['test.image', 'test.replicas']);
    expect(report.warnings).toEqual(['cpuPercent: above 100']);
    expect(report.warningEntriesWithIds.map((e) => e.id)).toEqual(['test.cpu']);
  });

  test('a call without an id (not yet converted) gets unassigned.<field>', () => {
    const report = new ValidationReport();
    report.error('routes[0].backendPort', 'required');
    expect(report.errorEntries).toEqual([
      { id: 'unassigned.routes.backend-port', field: 'routes[0].backendPort', text: 'routes[0].backendPort: required' },
    ]);
  });
});

describe('collectReport', () => {
  const app = new App();
  const a = new Construct(app, 'a');
  const b = new Construct(a, 'b');
  addCheck(a, (r) => r.error('test.one', 'one', 'first'));
  addCheck(a, (r) => r.warn('test.two', 'two', 'second'));
  addCheck(b, (r) => r.error('test.three', 'three', 'third'));
  addCheck(b, () => {
    // What a check that trusted a prop's type does when the prop is null.
    return (null as unknown as { x: number }).x;
  });

  test('every check of every construct, in tree order, with the construct path', () => {
    const { issues, warnings } = collectReport(app);
    expect(issues.map(formatIssue)).toEqual([
      '  [a] one: first [test.one]',
      '  [a/b] three: third [test.three]',
      expect.stringMatching(/^ {2}\[a\/b\] props: could not be checked \(.*\); a prop has a value of the wrong type \[construct\.unchecked\]$/),
    ]);
    expect(warnings).toEqual([{ path: 'a', id: 'test.two', message: 'two: second' }]);
  });

  test('a second run gives the same report (warnings are not accumulated)', () => {
    collectReport(app);
    expect(collectReport(app).warnings).toHaveLength(1);
    expect(collectIssues(app)).toHaveLength(3);
  });
});

test('uniqueIssues drops repeats of the same message on the same path only', () => {
  const issues = [
    { path: 'a', id: 'test.x', message: 'x: 1' },
    { path: 'a', id: 'test.x', message: 'x: 1' },
    { path: 'b', id: 'test.x', message: 'x: 1' },
    { path: 'a', id: 'test.x', message: 'x: 2' },
  ];
  expect(uniqueIssues(issues)).toEqual([issues[0], issues[2], issues[3]]);
});

describe('freeId and checkUniqueId', () => {
  test.each([1, 2, 3])('%p repeated ids all become constructs with a collected error each', (extra) => {
    const app = new App();
    new Construct(app, 'api');
    for (let i = 0; i < extra; i++) {
      const again = new Construct(app, freeId(app, 'api'));
      checkUniqueId(again, 'api');
    }
    const issues = collectIssues(app);
    expect(issues).toHaveLength(extra);
    for (const issue of issues) {
      expect(issue.id).toBe('construct.id-not-unique');
      expect(issue.message).toBe("id: 'api' is already used by api; ids must be unique within their scope");
    }
  });

  test('a free id is the id itself', () => {
    const app = new App();
    expect(freeId(app, 'api')).toBe('api');
  });
});

test('SynthesisError lists every issue and carries the warnings', () => {
  const error = new SynthesisError([{ path: 'p', id: 'test.f', message: 'f: m' }], [{ path: 'q', id: 'test.w', message: 'w: n' }]);
  expect(error.message).toBe('1 validation error:\n  [p] f: m [test.f]');
  expect(error.warnings).toEqual([{ path: 'q', id: 'test.w', message: 'w: n' }]);
});
