/**
 * Stable error ids (issue 29): every validation error carries an id, raised at one place,
 * listed in docs/error-ids.md; the table and the code agree both ways, and the id is
 * printed with the message.
 */
import { App } from 'cdk8s';
import { isErrorId, formatIssue, issue, ValidationReport } from '../../lib/core/validation';
import { WebService, Probe, SynthesisError } from '../../lib';
import { idsInTable, IdScan, policyIds, readTable, scanErrorIds, tableSource } from '../../scripts/error-ids/error-ids';
import { errorIdsOf, testChart } from '../support/synth';

let scan: IdScan;
beforeAll(() => {
  scan = scanErrorIds();
}, 240_000);

test('docs/error-ids.md is current (npm run error-ids:update)', () => {
  expect(readTable()).toBe(tableSource(scan, policyIds()));
});

test('every id in the code is in the table, and every id in the table is in the code', () => {
  const inCode = new Set([...scan.raised.map((r) => r.id), ...policyIds().map((p) => p.id)]);
  const inTable = new Set(idsInTable(readTable()));
  expect([...inCode].filter((id) => !inTable.has(id))).toEqual([]);
  expect([...inTable].filter((id) => !inCode.has(id))).toEqual([]);
  expect(inCode.size).toBeGreaterThan(400);
});

test('ids are well formed and each is raised at one place', () => {
  expect(scan.raised.filter((r) => !isErrorId(r.id)).map((r) => `${r.file}:${r.line} ${r.id}`)).toEqual([]);
  const places = new Map<string, string[]>();
  for (const r of scan.raised) places.set(r.id, [...(places.get(r.id) ?? []), `${r.file}:${r.line}`]);
  expect([...places].filter(([, p]) => p.length > 1)).toEqual([]);
});

test('no error is raised without an id, or with a computed one', () => {
  expect(scan.missing.filter((m) => m.reason === 'computed id').map((m) => `${m.file}:${m.line} ${m.call}`)).toEqual([]);
  expect(scan.missing.filter((m) => m.reason === 'no id').map((m) => `${m.file}:${m.line} ${m.call}`)).toEqual([]);
});

test('an id of the wrong shape is refused loudly (a defect of the library, not of the user)', () => {
  const report = new ValidationReport();
  expect(() => report.error('No Id', 'field', 'message')).toThrow(/not of the form area\.what/);
  expect(() => issue('single', 'path', 'message')).toThrow(/not of the form/);
});

test('the id reaches the issue and is printed after the message', () => {
  const { app, chart } = testChart();
  new WebService(chart, 'api', {
    image: 'registry.example.io/api:1.0.0',
    ports: [{ name: 'http', port: 8000 }],
    readiness: Probe.http('/ready'),
    replicas: 0.5,
  } as never);
  expect(errorIdsOf(app)).toContain('[test-prod/api] replicated-workload.replicas.whole-number');
  try {
    new App();
    throw new SynthesisError([issue('render.failed', 'a/b', 'render: it broke')]);
  } catch (e) {
    expect((e as Error).message).toContain('[a/b] render: it broke [render.failed]');
  }
  expect(formatIssue({ path: 'p', id: 'store.backup.target-in-cluster', message: 'backup.target: x' })).toBe(
    '  [p] backup.target: x [store.backup.target-in-cluster]',
  );
});
