/**
 * The checks every part of a cluster profile shares (objects, names, namespaces, pod selectors,
 * labels), recording errors under the profile's prefix. Split from platform-validation.ts.
 */
import { describeValue as describe } from './describe-value';
import { gitRevisionProblem } from './git-revision';
import { checkDnsLabel, checkDnsSubdomain } from './naming';
import type { ErrorId, ValidationReport } from './validation';

/** Records errors under the profile prefix, with the shared shape checks. */
export class Checker {
  constructor(
    private readonly report: ValidationReport,
    private readonly prefix: string,
  ) {}

  public error(id: ErrorId, field: string, message: string): void {
    this.report.error(id, `${this.prefix}${field}`, message);
  }

  /** True when `value` is an object; reports anything else but undefined. */
  public optionalObject(field: string, value: unknown): value is Record<string, unknown> {
    if (value === undefined) return false;
    if (isObject(value)) return true;
    this.error('platform.not-an-object', field, `must be an object when given (is ${describe(value)})`);
    return false;
  }

  public nonEmpty(field: string, value: unknown, what: string): void {
    if (typeof value !== 'string' || value.trim() === '')
      this.error('platform.value.non-empty', field, `${describe(value)} must be a non-empty string: ${what}`);
  }

  /** A branch, tag or commit git can resolve (the empty string reported as nonEmpty does). */
  public gitRevision(field: string, value: unknown): void {
    this.nonEmpty(field, value, 'a branch, tag or commit');
    const problem = typeof value === 'string' && value.trim() !== '' ? gitRevisionProblem(value) : undefined;
    if (problem) this.error('platform.gitops.target-revision', field, problem);
  }

  public namespace(field: string, value: unknown): void {
    const reason = typeof value === 'string' ? checkDnsLabel(value) : `must be a string (is ${describe(value)})`;
    if (reason) this.error('platform.namespace-invalid', field, `${typeof value === 'string' ? `namespace '${value}' ` : ''}${reason}`);
  }

  public subdomain(field: string, value: unknown, what: string): void {
    const reason = typeof value === 'string' ? checkDnsSubdomain(value) : `must be a string (is ${describe(value)})`;
    if (reason) this.error('platform.label-invalid', field, `${typeof value === 'string' ? `'${value}' ` : ''}${reason} (${what})`);
  }

  public mountPath(field: string, value: unknown, what: string): void {
    if (typeof value !== 'string' || !/^[\w-]+(\/[\w-]+)*$/.test(value))
      this.error(
        'platform.value.path-segments',
        field,
        `${describe(value)} must be ${what}: path segments of letters, digits, '-' and '_', without leading or trailing '/'`,
      );
  }

  public pods(field: string, value: unknown): void {
    if (!isObject(value)) {
      this.error('platform.value.namespace-podlabels', field, `must be { namespace, podLabels } (is ${describe(value)})`);
      return;
    }
    this.namespace(`${field}.namespace`, value.namespace);
    this.labels(`${field}.podLabels`, value.podLabels, false);
  }

  /** A label map: qualified names as keys, valid label values; `allowEmpty` for selectors that may match everything. */
  public labels(field: string, value: unknown, allowEmpty: boolean): void {
    if (!isObject(value)) {
      this.error('platform.value.object-label', field, `must be an object of label names to values (is ${describe(value)})`);
      return;
    }
    const entries = Object.entries(value);
    if (entries.length === 0 && !allowEmpty)
      this.error('platform.value.name-least', field, 'must name at least one label (an empty selector selects every pod)');
    for (const [key, v] of entries) {
      if (!isLabelKey(key))
        this.error(
          'platform.value.label-name',
          `${field}.${key}`,
          `'${key}' is not a label name ([prefix/]name: name at most 63 characters of letters, digits, '-', '_', '.')`,
        );
      if (typeof v !== 'string' || !LABEL_VALUE.test(v))
        this.error(
          'platform.value.label-value',
          `${field}.${key}`,
          `${describe(v)} is not a label value (at most 63 letters, digits, '-', '_', '.', starting and ending alphanumeric)`,
        );
    }
  }
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  if (prefix !== undefined && (prefix.length > 253 || checkDnsSubdomain(prefix) !== undefined)) return false;
  return name.length > 0 && LABEL_VALUE.test(name);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
