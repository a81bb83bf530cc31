/**
 * Our cron reading against the parser Kubernetes uses for CronJobs (robfig/cron v3.0.1).
 * The expected table, test/core/cron-reference.json, is that parser's output for every
 * line of test/core/cron-expressions.txt, regenerated with:
 *
 *   cd scripts/cron-reference && go run . < ../../test/core/cron-expressions.txt > ../../test/core/cron-reference.json
 *
 * It is committed rather than produced in the test so `npm test` needs no Go toolchain
 * and no network; the test below fails when the table and the expression list disagree.
 */
import * as fs from 'fs';
import * as path from 'path';
import { checkCronSchedule, checkTimeZone, cronPeriodSeconds } from '../../lib/core/cron';

interface Reference {
  readonly expression: string;
  readonly valid: boolean;
  readonly fires: boolean;
  readonly periodSeconds: number;
}

const reference: Reference[] = JSON.parse(fs.readFileSync(path.join(__dirname, 'cron-reference.json'), 'utf8'));
/** Accepted by robfig/cron but refused here on purpose: a CronJob with `@every` has no fixed wall-clock time. */
const DELIBERATELY_REFUSED = new Set(['@every 1h']);

test('the reference table covers exactly the listed expressions', () => {
  const listed = fs
    .readFileSync(path.join(__dirname, 'cron-expressions.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  expect(reference.map((r) => r.expression)).toEqual(listed);
});

describe.each(reference.filter((r) => r.valid && r.fires && !DELIBERATELY_REFUSED.has(r.expression)))('$expression', (r) => {
  test(`is accepted and its longest gap is ${r.periodSeconds} s, as in robfig/cron`, () => {
    expect(checkCronSchedule(r.expression)).toBeUndefined();
    expect(cronPeriodSeconds(r.expression)).toBe(r.periodSeconds);
  });
});

test.each(reference.filter((r) => !r.valid || DELIBERATELY_REFUSED.has(r.expression)).map((r) => r.expression))('%s is refused', (expression) => {
  expect(checkCronSchedule(expression)).toBeDefined();
});

test.each(reference.filter((r) => r.valid && !r.fires).map((r) => r.expression))('%s never fires and is refused as such', (expression) => {
  expect(checkCronSchedule(expression)).toContain('never fires');
  expect(() => cronPeriodSeconds(expression)).toThrow(/never fires/);
});

test('a step in day-of-month makes it restricted, so the two day fields are ORed (every 2 days, not 21)', () => {
  expect(cronPeriodSeconds('0 3 */2 * 1')).toBe(2 * 86_400);
  expect(cronPeriodSeconds('0 3 * * 1')).toBe(7 * 86_400);
});

test.each([
  ['0 0 * * * *', /5 fields/],
  ['0 0 * * 7', /day of week '7' must be within 0-6/],
  ['0 0 32 * *', /day of month '32'/],
  ['CRON_TZ=UTC 0 0 * * *', /time zone/],
  ['@fortnightly', /not a known macro/],
  ['*/x * * * *', /step 'x'/],
  ['10-5 * * * *', /runs backwards/],
])('%s is refused with the reason', (expression, reason) => {
  expect(checkCronSchedule(expression)).toMatch(reason);
});

test.each([undefined, null, 5, {}, ['0 0 * * *']])('a non-string schedule (%p) is refused, not a TypeError', (value) => {
  expect(checkCronSchedule(value as unknown as string)).toMatch(/must be a cron expression string/);
});

test.each([
  ['UTC', undefined],
  ['Europe/Madrid', undefined],
  ['Mars/Olympus', /not an IANA time zone/],
  [42, /must be an IANA time zone name/],
])('time zone %p', (zone, expected) => {
  const result = checkTimeZone(zone as string);
  if (expected === undefined) expect(result).toBeUndefined();
  else expect(result).toMatch(expected);
});
