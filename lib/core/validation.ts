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

/** Collects the problems of one check. */
export class ValidationReport {
  private readonly messages: string[] = [];

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

  public get errors(): readonly string[] {
    return this.messages;
  }
}

/** Registers a check that runs at synth time. */
export function addCheck(scope: IConstruct, check: (report: ValidationReport) => void): void {
  scope.node.addValidation({
    validate: () => {
      const report = new ValidationReport();
      check(report);
      return [...report.errors];
    },
  });
}

/** Runs every registered validation below `root` and returns all issues, in tree order. */
export function collectIssues(root: IConstruct): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const construct of root.node.findAll()) {
    for (const message of construct.node.validate()) {
      issues.push({ path: construct.node.path, message });
    }
  }
  return issues;
}

/** Thrown when synthesis finds problems; carries all of them. */
export class SynthesisError extends Error {
  constructor(public readonly issues: readonly ValidationIssue[]) {
    super(`${issues.length} validation error${issues.length === 1 ? '' : 's'}:\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'SynthesisError';
  }
}

export function formatIssue(issue: ValidationIssue): string {
  return `  [${issue.path}] ${issue.message}`;
}
