import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
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
import { removeStaleStaging, writeDist } from '../../lib/core/dist-writer';
import { tmpdir } from '../support/synth';

describe('ValidationReport', () => {
  test('errors and warnings start with their field, in the order recorded', () => {
    const report = new ValidationReport();
    report.error('image', "'x' is not pinned");
    report.check(true, 'replicas', 'never recorded');
    report.check(false, 'replicas', 'must be at least 1');
    report.warn('cpuPercent', 'above 100');
    expect(report.errors).toEqual(["image: 'x' is not pinned", 'replicas: must be at least 1']);
    expect(report.warnings).toEqual(['cpuPercent: above 100']);
  });
});

describe('collectReport', () => {
  const app = new App();
  const a = new Construct(app, 'a');
  const b = new Construct(a, 'b');
  addCheck(a, (r) => r.error('one', 'first'));
  addCheck(a, (r) => r.warn('two', 'second'));
  addCheck(b, (r) => r.error('three', 'third'));
  addCheck(b, () => {
    // What a check that trusted a prop's type does when the prop is null.
    return (null as unknown as { x: number }).x;
  });

  test('every check of every construct, in tree order, with the construct path', () => {
    const { issues, warnings } = collectReport(app);
    expect(issues.map(formatIssue)).toEqual([
      '  [a] one: first',
      '  [a/b] three: third',
      expect.stringMatching(/^ {2}\[a\/b\] props: could not be checked \(.*\); a prop has a value of the wrong type$/),
    ]);
    expect(warnings).toEqual([{ path: 'a', message: 'two: second' }]);
  });

  test('a second run gives the same report (warnings are not accumulated)', () => {
    collectReport(app);
    expect(collectReport(app).warnings).toHaveLength(1);
    expect(collectIssues(app)).toHaveLength(3);
  });
});

test('uniqueIssues drops repeats of the same message on the same path only', () => {
  const issues = [
    { path: 'a', message: 'x: 1' },
    { path: 'a', message: 'x: 1' },
    { path: 'b', message: 'x: 1' },
    { path: 'a', message: 'x: 2' },
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
    for (const issue of issues) expect(issue.message).toBe("id: 'api' is already used by api; ids must be unique within their scope");
  });

  test('a free id is the id itself', () => {
    const app = new App();
    expect(freeId(app, 'api')).toBe('api');
  });
});

test('SynthesisError lists every issue and carries the warnings', () => {
  const error = new SynthesisError([{ path: 'p', message: 'f: m' }], [{ path: 'q', message: 'w: n' }]);
  expect(error.message).toBe('1 validation error:\n  [p] f: m');
  expect(error.warnings).toEqual([{ path: 'q', message: 'w: n' }]);
});

describe('stale staging folders', () => {
  test('folders of dead synths and without a pid are removed; those of live processes are kept', () => {
    const parent = tmpdir('staging');
    // A pid that surely exited: a child that has already been reaped.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    for (const name of [`.dist-staging-${dead}-abc`, '.dist-staging-XyZ12', `.dist-staging-${process.pid}-live`, `.dist-staging-1-init`, 'other']) {
      fs.mkdirSync(path.join(parent, name, 'prod'), { recursive: true });
    }
    expect(removeStaleStaging(parent).sort()).toEqual([`.dist-staging-${dead}-abc`, '.dist-staging-XyZ12'].sort());
    expect(fs.readdirSync(parent).sort()).toEqual([`.dist-staging-${process.pid}-live`, '.dist-staging-1-init', 'other'].sort());
  });

  test('a synth removes them before writing, and leaves no staging folder of its own', () => {
    const parent = tmpdir('staging-write');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    fs.mkdirSync(path.join(parent, `.dist-staging-${dead}-old`, 'dev'), { recursive: true });
    writeDist(path.join(parent, 'dist'), [{ folder: 'dev/x', files: new Map([['a.yaml', 'a: 1\n']]) }], true);
    expect(fs.readdirSync(parent)).toEqual(['dist']);
    expect(fs.readFileSync(path.join(parent, 'dist/dev/x/a.yaml'), 'utf8')).toBe('a: 1\n');
  });

  test('a partial write replaces a folder and the folder nested in it (dist/<env>/platform/prometheus), and leaves the others', () => {
    const parent = tmpdir('nested-write');
    const dist = path.join(parent, 'dist');
    const write = (folders: [string, string][], all: boolean) =>
      writeDist(
        dist,
        folders.map(([folder, text]) => ({ folder, files: new Map([['a.yaml', text]]) })),
        all,
      );
    write(
      [
        ['dev/platform', 'old: 1\n'],
        ['dev/platform/prometheus', 'old: 2\n'],
        ['prod/platform', 'prod: 1\n'],
      ],
      true,
    );
    write(
      [
        ['dev/platform', 'new: 1\n'],
        ['dev/platform/prometheus', 'new: 2\n'],
      ],
      false,
    );
    expect(fs.readFileSync(path.join(dist, 'dev/platform/a.yaml'), 'utf8')).toBe('new: 1\n');
    expect(fs.readFileSync(path.join(dist, 'dev/platform/prometheus/a.yaml'), 'utf8')).toBe('new: 2\n');
    expect(fs.readFileSync(path.join(dist, 'prod/platform/a.yaml'), 'utf8')).toBe('prod: 1\n');
  });
});
