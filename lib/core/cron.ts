/**
 * Cron schedules as Kubernetes CronJobs accept them (five fields, or a macro), checked
 * at synth time so a typo fails the build instead of silently never running.
 */
const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const FIELDS: Array<{ name: string; min: number; max: number; names?: string[] }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** Why the schedule is invalid, or undefined when it is valid. */
export function checkCronSchedule(schedule: string): string | undefined {
  const trimmed = schedule.trim();
  if (trimmed.startsWith('@')) return MACROS.has(trimmed) ? undefined : `'${schedule}' is not a known macro (${[...MACROS].join(', ')})`;
  if (/TZ=|CRON_TZ=/.test(trimmed)) return 'must not embed a time zone; use the timeZone prop';
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 5) return `'${schedule}' must have 5 fields (minute hour day-of-month month day-of-week), has ${parts.length}`;
  for (let i = 0; i < 5; i++) {
    const problem = checkField(parts[i], FIELDS[i]);
    if (problem) return `'${schedule}': ${FIELDS[i].name} ${problem}`;
  }
  return undefined;
}

function checkField(field: string, spec: (typeof FIELDS)[number]): string | undefined {
  for (const item of field.split(',')) {
    const [range, step, extra] = item.split('/');
    if (extra !== undefined) return `'${item}' has more than one '/'`;
    if (step !== undefined && !/^[1-9][0-9]*$/.test(step)) return `step '${step}' must be a positive number`;
    if (range === '*' || range === '?') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `'${range}' is not a value or a range`;
    const values = bounds.map((b) => valueOf(b, spec));
    if (values.some((v) => v === undefined)) return `'${range}' must be within ${spec.min}-${spec.max}${spec.names ? ` or a name (${spec.names.join(', ')})` : ''}`;
    if (values.length === 2 && (values[0] as number) > (values[1] as number)) return `range '${range}' runs backwards`;
  }
  return undefined;
}

function valueOf(token: string, spec: (typeof FIELDS)[number]): number | undefined {
  if (/^[0-9]+$/.test(token)) {
    const n = parseInt(token, 10);
    return n >= spec.min && n <= spec.max ? n : undefined;
  }
  const index = spec.names?.indexOf(token.toLowerCase()) ?? -1;
  return index === -1 ? undefined : index + (spec.min === 1 ? 1 : 0);
}

/** Why the IANA time zone name is unknown, or undefined. */
export function checkTimeZone(timeZone: string): string | undefined {
  const known = (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  return known.includes(timeZone) || timeZone === 'UTC' || timeZone === 'Etc/UTC' ? undefined : `'${timeZone}' is not an IANA time zone name (e.g. UTC, Europe/Madrid)`;
}

const MACRO_EXPRESSIONS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** The values a field allows (day of week 7 is Sunday, 0). */
function fieldValues(field: string, spec: (typeof FIELDS)[number]): Set<number> {
  const out = new Set<number>();
  for (const item of field.split(',')) {
    const [range, stepText] = item.split('/');
    const step = stepText ? parseInt(stepText, 10) : 1;
    let [from, to] = [spec.min, spec.max];
    if (range !== '*' && range !== '?') {
      const bounds = range.split('-').map((b) => valueOf(b, spec) as number);
      from = bounds[0];
      to = bounds.length === 2 ? bounds[1] : stepText ? spec.max : bounds[0];
    }
    for (let v = from; v <= to; v += step) out.add(spec.name === 'day of week' && v === 7 ? 0 : v);
  }
  return out;
}

/**
 * The longest time between two consecutive runs of a valid schedule, in seconds (UTC,
 * simulated minute by minute over a year): how long "no successful run" may last before
 * it means a missed run.
 */
export function cronPeriodSeconds(schedule: string): number {
  const expression = MACRO_EXPRESSIONS[schedule.trim()] ?? schedule.trim();
  const parts = expression.split(/\s+/);
  const [minutes, hours, days, months, weekdays] = parts.map((p, i) => fieldValues(p, FIELDS[i]));
  const domRestricted = !/^[*?]/.test(parts[2]);
  const dowRestricted = !/^[*?]/.test(parts[4]);
  // Two years, day by day: every gap between runs, including a yearly schedule's, is seen.
  const start = Date.UTC(2027, 0, 1);
  const times = [...hours].sort((a, b) => a - b).flatMap((h) => [...minutes].sort((a, b) => a - b).map((m) => (h * 60 + m) * 60_000));
  let previous: number | undefined;
  let longest = 0;
  for (let day = start; day < start + 731 * 86400_000; day += 86400_000) {
    const d = new Date(day);
    if (!months.has(d.getUTCMonth() + 1)) continue;
    const dom = days.has(d.getUTCDate());
    const dow = weekdays.has(d.getUTCDay());
    // Kubernetes (robfig/cron): with both day fields restricted, either may match.
    const dayMatches = domRestricted && dowRestricted ? dom || dow : dom && dow;
    if (!dayMatches) continue;
    for (const offset of times) {
      if (previous !== undefined) longest = Math.max(longest, day + offset - previous);
      previous = day + offset;
    }
  }
  return Math.round(longest / 1000);
}
