import { Construct } from 'constructs';
import { checkDurationProp, Duration, secondsOr } from '../core/duration';
import { ValidationReport } from '../core/validation';
import { ContainerModel } from './container';
import { contentHash, RUN_TO_COMPLETION_POD, Workload, WorkloadProps } from './workload';
import { checkProps } from '../core/prop-check';

export interface MigrationJobProps extends WorkloadProps {
  /** What the migration runs, e.g. `['bash', 'scripts/prestart.sh']`. */
  readonly command: readonly string[];
  /**
   * A command that succeeds once the schema is migrated (e.g. `alembic current | grep -q '(head)'`,
   * run with `sh -c`). Gated workloads run it in an init container until it succeeds.
   */
  readonly readyCheck: string;
  /** Retries before the Job fails. @default 2 */
  readonly backoffLimit?: number;
  /** How long a migration may run before it is stopped and failed: whole seconds. @default Duration.minutes(15) */
  readonly activeDeadline?: Duration;
  /** How long a finished Job is kept (for its logs) before it is deleted: whole seconds. @default Duration.days(1) */
  readonly ttlAfterFinished?: Duration;
}

/**
 * A schema migration that must finish before the application that depends on it runs.
 *
 * How ordering works (the choice, and why):
 * - Argo CD: the Job is a `Sync`-phase hook in wave 50, after the databases (40) and
 *   before the Deployments (60). Argo CD waits for a wave to be healthy, and a Job is
 *   healthy when it completed, so the apps roll out only after the migration succeeded.
 *   Not `PreSync`: PreSync hooks run before anything of the sync is applied, so on the
 *   first sync the namespace and the database would not exist yet and the migration
 *   could never succeed. `BeforeHookCreation` re-creates the Job on every sync.
 * - `kubectl apply`: order alone proves nothing (apply does not wait), so every gated
 *   workload gets an init container running `readyCheck` in the same image until the
 *   schema is at the expected version. This needs no API access (no token, no Role)
 *   and also holds when the migration is run by Argo CD or by hand.
 * - The Job's name carries a hash of its pod template: Jobs are immutable, so a new
 *   image or command yields a new Job instead of an apply error.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class MigrationJob extends Workload {
  public readonly jobName: string;
  /** The workloads whose pods wait for this migration (`gate()`). */
  public readonly gatedWorkloads: Workload[] = [];

  constructor(scope: Construct, id: string, props: MigrationJobProps) {
    super(scope, id, props, 'migration');
    checkProps(this, 'MigrationJobProps', props);
    this.jobName = `${this.name}-${contentHash({ image: props.image, command: props.command, args: props.args, env: props.env ? Object.keys(props.env) : [] }).slice(0, 8)}`;
    this.syncHookJob(this.jobName, {
      backoffLimit: props.backoffLimit ?? 2,
      activeDeadlineSeconds: secondsOr(props.activeDeadline, 900),
      ttlSecondsAfterFinished: secondsOr(props.ttlAfterFinished, 86400),
    });
  }

  /**
   * Keeps `workload` from starting against an unmigrated schema: an init container runs
   * the ready check, with the workload's own image, environment, writable paths and
   * resources (the check usually boots the application's framework, which needs what the
   * application needs to start), until it succeeds.
   */
  public gate(workload: Workload): void {
    const props = this.props as MigrationJobProps;
    const check = new ContainerModel(
      'wait-for-migration',
      {
        image: workload.container.props.image,
        command: ['sh', '-c', `until ${props.readyCheck}; do echo 'waiting for migration ${this.jobName}'; sleep 5; done`],
        runAs: workload.container.props.runAs,
      },
      workload.container.resources,
    );
    for (const [name, value] of workload.container.env) check.addEnv(name, value);
    for (const source of workload.container.envFrom) check.addEnvFrom(source);
    for (const m of workload.writableMounts()) check.mount(m.mountPath, m.name, { readOnly: m.readOnly, subPath: m.subPath });
    workload.addInitContainer(check);
    this.gatedWorkloads.push(workload);
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    const p = this.props as MigrationJobProps;
    if (p.command.length === 0) report.error('migration-job.command', 'command', 'must not be empty');
    if (p.readyCheck.trim() === '')
      report.error('migration-job.ready-check', 'readyCheck', 'must be a shell command that succeeds once the schema is migrated');
    positive(report, 'backoffLimit', p.backoffLimit, 0);
    checkDurationProp(report, 'migration-job.active-deadline', 'activeDeadline', p.activeDeadline, 1, 'Duration.minutes(15)');
    checkDurationProp(report, 'migration-job.ttl-after-finished', 'ttlAfterFinished', p.ttlAfterFinished, 0, 'Duration.days(1)');
  }

  protected podExtras(): Record<string, unknown> {
    return RUN_TO_COMPLETION_POD;
  }
}

export function positive(report: ValidationReport, field: string, value: number | undefined, min: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min))
    report.error('migration-job.value', field, `${value} must be a whole number of at least ${min}`);
}
