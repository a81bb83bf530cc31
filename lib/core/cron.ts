import { describeValue } from './describe-value';
/**
 * Cron schedules exactly as Kubernetes CronJobs read them (robfig/cron v3, `ParseStandard`):
 * five fields or a macro, checked at synth time so a typo or a schedule that never fires
 * fails the build instead of silently never running.
 */
const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  // robfig/cron v3 (and so Kubernetes) refuses 7 for Sunday.
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const MACRO_EXPRESSIONS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** One parsed field: the values it allows, and whether robfig counts it as unrestricted. */
interface ParsedField {
  readonly values: ReadonlySet<number>;
  /** A `*` or `?` item without a step above 1: robfig's "star bit". */
  readonly star: boolean;
}

/** The five parsed fields, or why the expression does not parse. */
function parseExpression(schedule: string): ParsedField[] | string {
  const trimmed = schedule.trim();
  if (trimmed.startsWith('@')) {
    if (!MACROS.has(trimmed)) return `'${schedule}' is not a known macro (${[...MACROS].join(', ')})`;
    return parseExpression(MACRO_EXPRESSIONS[trimmed]);
  }
  if (/TZ=|CRON_TZ=/.test(trimmed)) return 'must not embed a time zone; use the timeZone prop';
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 5) return `'${schedule}' must have 5 fields (minute hour day-of-month month day-of-week), has ${parts.length}`;
  const fields: ParsedField[] = [];
  for (let i = 0; i < 5; i++) {
    const field = parseField(parts[i], FIELDS[i]);
    if (typeof field === 'string') return `'${schedule}': ${FIELDS[i].name} ${field}`;
    fields.push(field);
  }
  return fields;
}

function parseField(field: string, spec: FieldSpec): ParsedField | string {
  const values = new Set<number>();
  let star = false;
  for (const item of field.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) return `'${item}' has more than one '/'`;
    if (stepText !== undefined && !/^[1-9][0-9]*$/.test(stepText)) return `step '${stepText}' must be a positive number`;
    const step = stepText === undefined ? 1 : parseInt(stepText, 10);
    let from = spec.min;
    let to = spec.max;
    if (range === '*' || range === '?') {
      // robfig: `*/1` is still unrestricted, `*/2` is not.
      if (step === 1) star = true;
    } else {
      const bounds = range.split('-');
      if (bounds.length > 2) return `'${range}' is not a value or a range`;
      const numbers = bounds.map((b) => valueOf(b, spec));
      if (numbers.some((v) => v === undefined)) {
        return `'${range}' must be within ${spec.min}-${spec.max}${spec.names ? ` or a name (${spec.names.join(', ')})` : ''}`;
      }
      from = numbers[0] as number;
      // `N/step` means `N-max/step`.
      to = numbers.length === 2 ? (numbers[1] as number) : stepText !== undefined ? spec.max : from;
      if (from > to) return `range '${range}' runs backwards`;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return { values, star };
}

function valueOf(token: string, spec: FieldSpec): number | undefined {
  if (/^[0-9]+$/.test(token)) {
    const n = parseInt(token, 10);
    return n >= spec.min && n <= spec.max ? n : undefined;
  }
  const index = spec.names?.indexOf(token.toLowerCase()) ?? -1;
  return index === -1 ? undefined : index + spec.min;
}

/** The simulated window: eight years cover the leap-year cycle (a schedule on 29 February runs every four). */
const WINDOW_START = Date.UTC(2027, 0, 1);
const WINDOW_END = Date.UTC(2035, 0, 1);
const DAY = 86_400_000;

interface Simulation {
  readonly fires: boolean;
  readonly longestGapMs: number;
}

/** Every run of the schedule in the window, day by day (UTC), as robfig/cron v3 matches days. */
function simulate(fields: readonly ParsedField[]): Simulation {
  const [minutes, hours, days, months, weekdays] = fields;
  const sortedTimes = [...hours.values]
    .sort((a, b) => a - b)
    .flatMap((h) => [...minutes.values].sort((a, b) => a - b).map((m) => (h * 60 + m) * 60_000));
  let withinDay = 0;
  for (let i = 1; i < sortedTimes.length; i++) withinDay = Math.max(withinDay, sortedTimes[i] - sortedTimes[i - 1]);
  // robfig/cron v3: when either day field is unrestricted both must match; otherwise either may.
  const bothRestricted = !days.star && !weekdays.star;
  let previousLast: number | undefined;
  let longest = 0;
  for (let day = WINDOW_START; day < WINDOW_END; day += DAY) {
    const d = new Date(day);
    if (!months.values.has(d.getUTCMonth() + 1)) continue;
    const dom = days.values.has(d.getUTCDate());
    const dow = weekdays.values.has(d.getUTCDay());
    if (!(bothRestricted ? dom || dow : dom && dow)) continue;
    if (previousLast !== undefined) longest = Math.max(longest, day + sortedTimes[0] - previousLast);
    longest = Math.max(longest, withinDay);
    previousLast = day + sortedTimes[sortedTimes.length - 1];
  }
  return { fires: previousLast !== undefined, longestGapMs: longest };
}

/**
 * Simulations by schedule text. A synth checks the same few schedules many times (every
 * backup CronJob, its alert and its runbook read the schedule; a system has the same one in
 * three environments), and eight years day by day is the costliest check of a CronJob: the
 * result depends on the text alone, so it is computed once per text and process.
 */
const SIMULATIONS = new Map<string, Simulation>();

function simulated(schedule: string, fields: readonly ParsedField[]): Simulation {
  let run = SIMULATIONS.get(schedule);
  if (run === undefined) {
    run = simulate(fields);
    SIMULATIONS.set(schedule, run);
  }
  return run;
}

/** Why the schedule is invalid or never fires, or undefined when Kubernetes would run it. */
export function checkCronSchedule(schedule: string): string | undefined {
  if (typeof schedule !== 'string') return `must be a cron expression string (is ${describeValue(schedule)})`;
  const fields = parseExpression(schedule);
  if (typeof fields === 'string') return fields;
  if (!simulated(schedule, fields).fires) return `'${schedule}' never fires (no date matches its day, month and weekday fields)`;
  return undefined;
}

/** The IANA names this Node knows, read once (the list is fixed for the process). */
let timeZones: ReadonlySet<string> | undefined;

/** Why the IANA time zone name is unknown, or undefined. */
export function checkTimeZone(timeZone: string): string | undefined {
  if (typeof timeZone !== 'string') return `must be an IANA time zone name (is ${describeValue(timeZone)})`;
  timeZones ??= new Set((Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone'));
  return timeZones.has(timeZone) || timeZone === 'UTC' || timeZone === 'Etc/UTC'
    ? undefined
    : `'${timeZone}' is not an IANA time zone name (e.g. UTC, Europe/Madrid)`;
}

/**
 * The longest time between two consecutive runs of a schedule, in seconds (UTC, simulated
 * over eight years): how long "no successful run" may last before it means a missed run.
 * Throws for a schedule `checkCronSchedule` refuses; check it first.
 */
export function cronPeriodSeconds(schedule: string): number {
  const fields = parseExpression(schedule);
  if (typeof fields === 'string') throw new Error(`cronPeriodSeconds: ${fields}`);
  const run = simulated(schedule, fields);
  if (!run.fires) throw new Error(`cronPeriodSeconds: '${schedule}' never fires`);
  return Math.round(run.longestGapMs / 1000);
}
