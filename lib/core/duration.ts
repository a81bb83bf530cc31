import { Duration } from 'cdk8s';
import { describeValue } from './describe-value';
import type { ErrorId, ValidationReport } from './validation';

/**
 * The home of durations: every time a prop takes is a cdk8s `Duration` (`Duration.minutes(5)`,
 * `Duration.days(30)`), never a string whose unit the reader has to guess. A string is refused
 * with the Duration to write instead; `'3m'` is refused as ambiguous (minutes or months).
 */
export { Duration };

/** The Duration to write for a duration string, for the error message; undefined when the string is not one. */
function suggestion(text: string): string | undefined {
  const m = /^\s*([0-9]+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?|w|weeks?|mo|months?|M)\s*$/.exec(text);
  if (!m) return undefined;
  const [n, unit] = [Number(m[1]), m[2]];
  if (unit === 'm' || unit === 'M') return `Duration.minutes(${n}) or, for months, Duration.days(${n * 30})`;
  if (unit.startsWith('s')) return `Duration.seconds(${n})`;
  if (unit.startsWith('mi')) return `Duration.minutes(${n})`;
  if (unit.startsWith('h')) return `Duration.hours(${n})`;
  if (unit.startsWith('d')) return `Duration.days(${n})`;
  if (unit.startsWith('w')) return `Duration.days(${n * 7})`;
  return `Duration.days(${n * 30})`;
}

/**
 * Whole seconds of `value` when it is a Duration of at least one whole second, else why not
 * (completing "<field>: ..."). `example` is a Duration expression for the message.
 */
export function durationSeconds(value: unknown, example = 'Duration.minutes(15)'): number | string {
  if (value instanceof Duration) {
    const ms = value.toMilliseconds();
    if (!Number.isFinite(ms) || ms < 1000 || ms % 1000 !== 0) return `${value.toHumanString()} is not a whole number of seconds, at least one`;
    return ms / 1000;
  }
  if (typeof value === 'string') {
    const better = suggestion(value);
    if (better && /m$|M$/.test(value.trim()) && !/min$/.test(value.trim()))
      return `'${value}' is ambiguous (minutes or months?): give a Duration, ${better}`;
    return `'${value}' is a string: give a Duration, ${better ?? `e.g. ${example}`}`;
  }
  return `must be a Duration such as ${example} (is ${describeValue(value)})`;
}

/** The shortest exact spelling of whole seconds in `units`, largest first (`3600` with Prometheus units: `1h`). */
function spell(seconds: number, units: ReadonlyArray<readonly [string, number]>): string {
  for (const [unit, size] of units) if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

/** Prometheus's and the library's short spelling: `90s`, `5m`, `1h`, `1d`. */
export function formatSeconds(seconds: number): string {
  return spell(seconds, [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ]);
}

/**
 * A Duration prop as Prometheus and the Alertmanager spell it (`30s`, `5m`, `4h`); any other
 * value as it is, for the prop's check to report (see `durationProblem`).
 */
export function prometheusDuration(value: unknown): string {
  // Zero is valid where the check allows it (an alert's `for`), though no "whole seconds, at least one".
  if (value instanceof Duration && value.toMilliseconds() === 0) return '0s';
  const seconds = durationSeconds(value);
  return typeof seconds === 'number' ? formatSeconds(seconds) : String(value);
}

/**
 * Why `value` is not a usable Duration (completing "<field>: ..."), or undefined when it is one.
 * `allowZero`: `Duration.seconds(0)` is allowed too (an alert's `for`).
 */
export function durationProblem(value: unknown, allowZero = false, example = 'Duration.minutes(5)'): string | undefined {
  if (allowZero && value instanceof Duration && value.toMilliseconds() === 0) return undefined;
  const seconds = durationSeconds(value, example);
  return typeof seconds === 'string' ? seconds : undefined;
}

/** Go's spelling (cert-manager, External Secrets): hours at most, Go has no day unit (`2160h`, `15m`). */
export function goDuration(seconds: number): string {
  return spell(seconds, [
    ['h', 3600],
    ['m', 60],
  ]);
}

/** PostgreSQL's spelling (`archive_timeout = 5min`): its unit for minutes is `min`. */
export function postgresDuration(seconds: number): string {
  return spell(seconds, [
    ['h', 3600],
    ['min', 60],
  ]);
}

/**
 * Whole seconds of an optional Duration prop, for a manifest field that counts seconds
 * (`periodSeconds`, `activeDeadlineSeconds`): `fallback` when absent, and when invalid too
 * (its `checkDurationProp` reports it, so nothing is written).
 */
export function secondsOr(value: unknown, fallback: number): number {
  if (!(value instanceof Duration)) return fallback;
  const ms = value.toMilliseconds();
  return Number.isFinite(ms) && ms >= 0 && ms % 1000 === 0 ? ms / 1000 : fallback;
}

/**
 * Reports an optional Duration prop that is not a whole number of seconds, or is shorter than
 * `minSeconds` (0: `Duration.seconds(0)` is allowed) or longer than `maxSeconds`. The one check of a Duration prop that a
 * manifest field counts in seconds.
 */
export function checkDurationProp(
  report: ValidationReport,
  id: ErrorId,
  field: string,
  value: unknown,
  minSeconds: number,
  example = 'Duration.seconds(30)',
  maxSeconds = Infinity,
): void {
  if (value === undefined) return;
  const problem = (): string | undefined => {
    if (!(value instanceof Duration)) return durationSeconds(value, example) as string;
    const ms = value.toMilliseconds();
    if (!Number.isFinite(ms) || ms < 0 || ms % 1000 !== 0) return `${value.toHumanString()} is not a whole number of seconds`;
    if (ms / 1000 < minSeconds) return `${formatSeconds(ms / 1000)} is shorter than the minimum of ${formatSeconds(minSeconds)}`;
    return ms / 1000 > maxSeconds ? `${formatSeconds(ms / 1000)} is longer than the maximum of ${formatSeconds(maxSeconds)}` : undefined;
  };
  const message = problem();
  if (message) report.error(id, field, message);
}

/**
 * Seconds, fractions allowed, of a Duration longer than zero (a latency target:
 * `Duration.millis(200)` is 0.2); else why not (completing "<field>: ...").
 */
export function positiveSeconds(value: unknown, example = 'Duration.millis(200)'): number | string {
  if (!(value instanceof Duration)) return durationSeconds(value, example) as string;
  const ms = value.toMilliseconds();
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : `${value.toHumanString()} must be longer than zero`;
}
