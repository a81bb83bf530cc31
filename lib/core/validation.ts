import { IConstruct } from 'constructs';

/**
 * Validation: constructs register checks next to the props they check; synthesis runs
 * every check of every construct and reports all failures together, each naming the
 * construct path and the field (aws-cdk-lib's `node.addValidation` model).
 */

/** One problem found in a construct's configuration. */
export interface ValidationIssue {
  /** Construct path, e.g. `loopi-prod/api`. */
  readonly path: string;
  /** Human-readable message, starting with the field it is about. */
  readonly message: string;
}

/** Collects the problems of one check.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class ValidationReport {
  private readonly messages: string[] = [];
  private readonly warningMessages: string[] = [];
  private readonly typeErrors = new Map<string, string>();

  /**
   * Records an error on a field.
   * @param field the prop (dotted path) at fault, e.g. `resources.limits.memory`
   * @param message what is wrong and what is allowed
   */
  public error(field: string, message: string): void {
    this.messages.push(`${field}: ${message}`);
  }

  /** Records an error unless `condition` holds. */
  public check(condition: boolean, field: string, message: string): void {
    if (!condition) this.error(field, message);
  }

  /**
   * Records that a prop has the wrong type (null, a number for a string, an unknown enum
   * value). Errors below it (`prop.x`) are then left out as its consequences; an error on
   * exactly the prop from the construct's own check replaces it.
   */
  public typeError(field: string, message: string): void {
    this.typeErrors.set(field, `${field}: ${message}`);
  }

  /**
   * Records a warning on a field: printed by every synth, never fails it. For settings
   * that are legal but probably not meant (one replica in production).
   */
  public warn(field: string, message: string): void {
    this.warningMessages.push(`${field}: ${message}`);
  }

  public get errors(): readonly string[] {
    // The construct's own message on exactly that prop says more than the type; keep it instead.
    const typeErrors = [...this.typeErrors].filter(([f]) => !this.messages.some((m) => m.startsWith(`${f}:`)));
    const consequence = (m: string) => [...this.typeErrors.keys()].some((f) => m.startsWith(`${f}.`) || m.startsWith(`${f}[`));
    return [...typeErrors.map(([, m]) => m), ...this.messages.filter((m) => !consequence(m))];
  }

  public get warnings(): readonly string[] {
    return this.warningMessages;
  }
}

/** Warnings of the last validation run of each construct (node.addValidation returns errors only). */
const WARNINGS = new WeakMap<IConstruct, string[]>();

/** Registers a check that runs at synth time. */
export function addCheck(scope: IConstruct, check: (report: ValidationReport) => void): void {
  let checks = CHECKS.get(scope);
  if (!checks) {
    const list: Array<(report: ValidationReport) => void> = [];
    checks = list;
    CHECKS.set(scope, list);
    // One validation per construct running every check, so warnings are gathered once per run.
    scope.node.addValidation({
      validate: () => {
        const report = new ValidationReport();
        for (const c of list) {
          try {
            c(report);
          } catch (error) {
            report.error('props', wrongTypeMessage(error));
          }
        }
        WARNINGS.set(scope, [...report.warnings]);
        return [...report.errors];
      },
    });
  }
  checks.push(check);
}

const CHECKS = new WeakMap<IConstruct, Array<(report: ValidationReport) => void>>();

/** Runs every registered validation below `root` and returns all issues, in tree order. */
export function collectIssues(root: IConstruct): ValidationIssue[] {
  return collectReport(root).issues;
}

/** Every issue and warning below `root`, in tree order, each reported once. */
export function collectReport(root: IConstruct): { issues: ValidationIssue[]; warnings: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];
  for (const construct of root.node.findAll()) {
    WARNINGS.delete(construct);
    let messages: string[];
    try {
      messages = construct.node.validate();
    } catch (error) {
      messages = [`props: ${wrongTypeMessage(error)}`];
    }
    for (const message of messages) issues.push({ path: construct.node.path, message });
    for (const message of WARNINGS.get(construct) ?? []) warnings.push({ path: construct.node.path, message });
  }
  return { issues: uniqueIssues(issues), warnings: uniqueIssues(warnings) };
}

/**
 * A check that throws met a prop of the wrong type that no check caught first: still a
 * collected error on the construct, never a stack trace.
 */
function wrongTypeMessage(error: unknown): string {
  return `could not be checked (${error instanceof Error ? error.message : String(error)}); a prop has a value of the wrong type`;
}

/** The issues without repeats of the same message on the same path, in their first order. */
export function uniqueIssues(issues: readonly ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The id a new child of `scope` gets: `id`, or when a sibling already has it, a free
 * variant. The caller reports the clash on the new construct (see `checkUniqueId`), so a
 * repeated id is a collected error instead of the constructs library's exception.
 */
export function freeId(scope: IConstruct, id: string): string {
  if (scope.node.tryFindChild(id) === undefined) return id;
  for (let n = 2; ; n++) {
    const candidate = `${id}~${n}`;
    if (scope.node.tryFindChild(candidate) === undefined) return candidate;
  }
}

const RENAMED = new WeakSet<IConstruct>();

/**
 * True when `path` is in a construct whose id clashed (see `checkUniqueId`): what it
 * renders clashes too, and saying so again would only repeat its one error.
 */
export function isInRenamedConstruct(root: IConstruct, path: string): boolean {
  return root.node.findAll().some((c) => RENAMED.has(c) && (path === c.node.path || path.startsWith(`${c.node.path}/`)));
}

/** Reports a construct whose id had to be changed by `freeId`. */
export function checkUniqueId(construct: IConstruct, id: string, what = 'id'): void {
  if (construct.node.id === id) return;
  RENAMED.add(construct);
  const first = construct.node.scope?.node.tryFindChild(id);
  addCheck(construct, (report) =>
    report.error(what, `'${id}' is already used by ${first?.node.path ?? 'another construct'}; ids must be unique within their scope`),
  );
}

/** Thrown when synthesis finds problems; carries all of them.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class SynthesisError extends Error {
  constructor(
    public readonly issues: readonly ValidationIssue[],
    /** Warnings found in the same run, printed with the errors. */
    public readonly warnings: readonly ValidationIssue[] = [],
  ) {
    super(`${issues.length} validation error${issues.length === 1 ? '' : 's'}:\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'SynthesisError';
  }
}

export function formatIssue(issue: ValidationIssue): string {
  return `  [${issue.path}] ${issue.message}`;
}
