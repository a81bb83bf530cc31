import { Construct } from 'constructs';
import { checkCronSchedule, checkTimeZone } from '../core/cron';
import { checkDurationProp, Duration, secondsOr } from '../core/duration';
import { ValidationReport } from '../core/validation';
import { positive } from './migration-job';
import { RUN_TO_COMPLETION_POD, Workload, WorkloadProps } from './workload';
import { checkProps } from '../core/prop-check';

export interface ScheduledTaskProps extends WorkloadProps {
  /** Cron schedule (five fields, or a macro such as `@daily`). */
  readonly schedule: string;
  /** IANA time zone of the schedule. @default - the controller's time zone (UTC on managed clusters) */
  readonly timeZone?: string;
  /** How long after the scheduled time a missed run may still start: whole seconds, at least 10. @default Duration.minutes(5) */
  readonly startingDeadline?: Duration;
  /** Retries before a run fails. @default 1 */
  readonly backoffLimit?: number;
  /** How long a run may take before it is stopped and failed: whole seconds. @default Duration.hours(1) */
  readonly activeDeadline?: Duration;
  /** Successful Jobs kept. @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** Failed Jobs kept. @default 3 */
  readonly failedJobsHistoryLimit?: number;
  /** Component label. @default 'scheduled-task' */
  readonly role?: string;
}

/**
 * A periodic job: a CronJob that never overlaps itself (`concurrencyPolicy: Forbid`),
 * gives up on runs missed by more than a deadline, and keeps a short history.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class ScheduledTask extends Workload {
  /** The cron schedule, as given. */
  public readonly schedule: string;
  /** The schedule's time zone. @default - UTC */
  public readonly timeZone?: string;

  constructor(scope: Construct, id: string, props: ScheduledTaskProps) {
    super(scope, id, props, props.role ?? 'scheduled-task');
    checkProps(this, 'ScheduledTaskProps', props);
    this.schedule = props.schedule;
    this.timeZone = props.timeZone;
    this.lazyObject('cronjob', 'batch/v1', 'CronJob', () => ({
      schedule: props.schedule,
      timeZone: props.timeZone,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: secondsOr(props.startingDeadline, 300),
      successfulJobsHistoryLimit: props.successfulJobsHistoryLimit ?? 3,
      failedJobsHistoryLimit: props.failedJobsHistoryLimit ?? 3,
      suspend: false,
      jobTemplate: {
        metadata: { labels: { ...this.selectorLabels } },
        spec: {
          backoffLimit: props.backoffLimit ?? 1,
          activeDeadlineSeconds: secondsOr(props.activeDeadline, 3600),
          template: this.podTemplate(),
        },
      },
    }));
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    const p = this.props as ScheduledTaskProps;
    const schedule = checkCronSchedule(p.schedule);
    if (schedule) report.error('scheduled-task.schedule', 'schedule', schedule);
    if (p.timeZone !== undefined) {
      const tz = checkTimeZone(p.timeZone);
      if (tz) report.error('scheduled-task.time-zone', 'timeZone', tz);
    }
    checkDurationProp(report, 'scheduled-task.starting-deadline', 'startingDeadline', p.startingDeadline, 10, 'Duration.minutes(5)');
    positive(report, 'backoffLimit', p.backoffLimit, 0);
    checkDurationProp(report, 'scheduled-task.active-deadline', 'activeDeadline', p.activeDeadline, 1, 'Duration.hours(1)');
    positive(report, 'successfulJobsHistoryLimit', p.successfulJobsHistoryLimit, 0);
    positive(report, 'failedJobsHistoryLimit', p.failedJobsHistoryLimit, 1);
  }

  protected podExtras(): Record<string, unknown> {
    return RUN_TO_COMPLETION_POD;
  }
}
