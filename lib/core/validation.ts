import { IConstruct } from 'constructs';

/**
 * Validation: constructs register checks next to the props they check; synthesis runs
 * every check of every construct and reports all failures together, each naming the
 * construct path and the field (aws-cdk-lib's `node.addValidation` model).
 */

/**
 * The stable id of one kind of validation error: lowercase dot-separated segments in kebab
 * case, area first (`store.backup.target-in-cluster`). Printed with every message, so a user
 * can search for it and a test can assert it rather than a sentence that may be reworded.
 *
 * Every id is a string literal where the error is raised (or a parameter of this type that
 * passes one through), is raised at one place only, and is listed in docs/error-ids.md, which
 * `npm run error-ids:update` writes from the code and test/core/error-ids.test.ts compares
 * with it both ways. Ids are written at the call site rather than derived from the field or
 * the construct: a derived id would change when a field is renamed or a check moves, and two
 * rules on one field would share one.
 */
export type ErrorId = string;

const ERROR_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)+$/;

/** True when `id` has the shape of an error id (see ErrorId). */
export function isErrorId(id: unknown): id is ErrorId {
  return typeof id === 'string' && ERROR_ID.test(id);
}

/** One problem found in a construct's configuration. */
export interface ValidationIssue {
  /** Construct path, e.g. `shop-prod/api`. */
  readonly path: string;
  /** The stable id of the kind of problem, e.g. `store.backup.target-in-cluster`. */
  readonly id: ErrorId;
  /** Human-readable message, starting with the field it is about. */
  readonly message: string;
}

/** An issue found outside a construct check (rendering, policy, the platform plan). */
export function issue(id: ErrorId, path: string, message: string): ValidationIssue {
  return { path, id: checkedId(id), message };
}

/** The id as given; an id of the wrong shape is a defect of the library, said loudly. */
function checkedId(id: string): ErrorId {
  if (!isErrorId(id)) throw new Error(`validation error id ${JSON.stringify(id)} is not of the form area.what (lowercase, kebab-case segments)`);
  return id;
}

/** One recorded message with its id. */
interface Entry {
  readonly id: ErrorId;
  readonly field: string;
  readonly text: string;
}

/**
 * Collects the problems of one check. Every method takes the error's id first (see ErrorId).
 * The two-argument forms without an id are kept only for call sites that have not adopted
 * ids yet (docs/error-ids.md lists the files); their errors carry the id `unassigned.<field>`.
 * @sealed subclassing is not supported (checks receive one, they do not make their own kind)
 */
export class ValidationReport {
  private readonly entries: Entry[] = [];
  private readonly warningEntries: Entry[] = [];
  private readonly typeErrors = new Map<string, Entry>();

  /**
   * Records an error on a field.
   * @param id the stable id of this kind of error, e.g. `store.backup.target-in-cluster`
   * @param field the prop (dotted path) at fault, e.g. `resources.limits.memory`
   * @param message what is wrong and what is allowed
   */
  public error(id: ErrorId, field: string, message: string): void;
  /** @deprecated give the error's id first: `error(id, field, message)` */
  public error(field: string, message: string): void;
  public error(...args: [string, string, string?]): void {
    this.entries.push(entry(args));
  }

  /**
   * Records that a prop has the wrong type (null, a number for a string, an unknown enum
   * value). Errors below it (`prop.x`) are then left out as its consequences; an error on
   * exactly the prop from the construct's own check replaces it.
   */
  public typeError(id: ErrorId, field: string, message: string): void {
    const e = entry([id, field, message]);
    this.typeErrors.set(field, e);
  }

  /**
   * Records a warning on a field: printed by every synth, never fails it. For settings
   * that are legal but probably not meant (one replica in production).
   */
  public warn(id: ErrorId, field: string, message: string): void;
  /** @deprecated give the warning's id first: `warn(id, field, message)` */
  public warn(field: string, message: string): void;
  public warn(...args: [string, string, string?]): void {
    this.warningEntries.push(entry(args));
  }

  /** The errors, each `<field>: <message>`. */
  public get errors(): readonly string[] {
    return this.errorEntries.map((e) => e.text);
  }

  /** The errors with their ids. */
  public get errorEntries(): ReadonlyArray<{ readonly id: ErrorId; readonly text: string }> {
    // The construct's own message on exactly that prop says more than the type; keep it instead.
    const typeErrors = [...this.typeErrors].filter(([f]) => !this.entries.some((m) => m.field === f)).map(([, e]) => e);
    const consequence = (e: Entry) => [...this.typeErrors.keys()].some((f) => e.field.startsWith(`${f}.`) || e.field.startsWith(`${f}[`));
    return [...typeErrors, ...this.entries.filter((e) => !consequence(e))];
  }

  public get warnings(): readonly string[] {
    return this.warningEntries.map((e) => e.text);
  }

  /** The warnings with their ids. */
  public get warningEntriesWithIds(): ReadonlyArray<{ readonly id: ErrorId; readonly text: string }> {
    return this.warningEntries;
  }
}

function entry([a, b, c]: [string, string, string?]): Entry {
  if (c === undefined) return { id: `unassigned.${fieldSlug(a)}`, field: a, text: `${a}: ${b}` };
  return { id: checkedId(a), field: b, text: `${b}: ${c}` };
}

/** A field path as id segments: `routes[0].backend` -> `routes.backend`. */
function fieldSlug(field: string): string {
  const slug = field
    .replace(/\[[^\]]*\]/g, '')
    .split('.')
    .map((s) =>
      s
        .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^-+|-+$/g, ''),
    )
    .filter(Boolean)
    .join('.');
  return slug || 'value';
}

/** Warnings of the last validation run of each construct (node.addValidation returns errors only). */
const WARNINGS = new WeakMap<IConstruct, Array<{ readonly id: ErrorId; readonly text: string }>>();

/** The id of each error message of the last validation run of each construct. */
const IDS = new WeakMap<IConstruct, Map<string, ErrorId>>();

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
            report.error('construct.unchecked', 'props', wrongTypeMessage(error));
          }
        }
        WARNINGS.set(scope, [...report.warningEntriesWithIds]);
        const errors = report.errorEntries;
        IDS.set(scope, new Map(errors.map((e) => [e.text, e.id])));
        return errors.map((e) => e.text);
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

/**
 * Every issue and warning below `root`, in tree order, each reported once.
 * @param constructs `root` and everything below it, when the caller has walked the tree already @default root.node.findAll()
 */
export function collectReport(
  root: IConstruct,
  constructs: Iterable<IConstruct> = root.node.findAll(),
): { issues: ValidationIssue[]; warnings: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];
  for (const construct of constructs) {
    WARNINGS.delete(construct);
    IDS.delete(construct);
    let messages: string[];
    try {
      messages = construct.node.validate();
    } catch (error) {
      issues.push(issue('construct.validation-threw', construct.node.path, `props: ${wrongTypeMessage(error)}`));
      messages = [];
    }
    // A validation added with node.addValidation directly (not through addCheck) has no ids.
    const ids = IDS.get(construct);
    for (const message of messages) {
      const id: ErrorId | undefined = ids?.get(message);
      issues.push(id === undefined ? issue('construct.validation', construct.node.path, message) : issue(id, construct.node.path, message));
    }
    for (const w of WARNINGS.get(construct) ?? []) warnings.push({ path: construct.node.path, id: w.id, message: w.text });
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
    report.error(
      'construct.id-not-unique',
      what,
      `'${id}' is already used by ${first?.node.path ?? 'another construct'}; ids must be unique within their scope`,
    ),
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

/** How an issue is printed: path, message, and its id to search for. */
export function formatIssue(issue: ValidationIssue): string {
  return `  [${issue.path}] ${issue.message} [${issue.id}]`;
}
