import { Construct, IConstruct } from 'constructs';
import {
  PrometheusRule,
  PrometheusRuleSpec,
  PrometheusRuleSpecGroups,
  PrometheusRuleSpecGroupsRulesExpr,
} from '../../imports/prometheusrules-monitoring.coreos.com';
import { checkDnsLabel } from '../core/naming';
import { SystemChart } from '../core/system-chart';
import { addCheck, ValidationReport } from '../core/validation';
import { AlertGroup, AlertModel, AlertRule, DEFAULT_GRACE_SECONDS, systemAlertGroups } from './alert-rules';
import { checkDurationProp, Duration, durationProblem as checkDuration, positiveSeconds, prometheusDuration, secondsOr } from '../core/duration';
import { scrapeTargetsOf } from './scrape-targets';
import { lazy } from './workload-metrics';
import { checkProps, objectOrUndefined } from '../core/prop-check';
import { requirePlatform } from '../core/platform-requirements';
import { SPAN_METRICS_SETTING } from '../core/observability-profile';
import { describeValue } from '../core/describe-value';
import { Workload } from '../workloads/workload';
import { WorkloadTracing } from '../workloads/workload-tracing';
import { CacheExporter, cacheExporterOf, CacheHitModel, SPAN_KINDS, TraceLatencyModel, TraceLatencyTarget } from './service-targets';

export interface SystemAlertsProps {
  /** Ratio (0 to 1) of requests answered 5xx above which `HttpErrorRatioHigh` fires. @default 0.05 */
  readonly errorRatio?: number;
  /** Ratio (0 to 1) of requests answered 4xx above which `HttpClientErrorRatioHigh` fires. @default - no 4xx alert (clients cause most 4xx) */
  readonly clientErrorRatio?: number;
  /** 95th-percentile request duration above which `HttpLatencyP95High` fires. @default Duration.millis(500) */
  readonly latencyP95?: Duration;
  /**
   * Targets of their own for some jobs (workload names), e.g. `{ graphql: Duration.millis(150) }`;
   * the other jobs use `latencyP95`. @default - every job at `latencyP95`
   */
  readonly latencyP95ByJob?: Readonly<Record<string, Duration>>;
  /** CPU use of a container, in percent of its limit (1 to 100). @default 90 */
  readonly cpuPercent?: number;
  /** Memory working set of a container, in percent of its limit (1 to 100). @default 90 */
  readonly memoryPercent?: number;
  /** Used space of a persistent volume, in percent of its capacity (1 to 100). @default 85 */
  readonly diskPercent?: number;
  /** Restarts of one container in an hour above which `ContainerRestarting` fires. @default 3 */
  readonly restartsPerHour?: number;
  /** Window of the rates. @default Duration.minutes(5) */
  readonly rateWindow?: Duration;
  /** How long a condition must hold before an alert fires. @default - the environment's `monitoring.alertFor` */
  readonly for?: Duration;
  /** Label of `http_requests_total` holding the status code (`code` for some client libraries). @default 'status' */
  readonly statusLabel?: string;
  /** Jobs (workload names) with HTTP request metrics. @default - every WebService whose own container serves metrics (`exposeMetrics`) */
  readonly httpJobs?: readonly string[];
  /**
   * Latency targets measured from the workloads' traces, for work no HTTP histogram measures:
   * queue jobs, database queries as the application waits for them. Each is an alert of its own
   * name. The platform layer then runs Tempo's metrics generator (span metrics, remote-written to
   * the platform's Prometheus, which is set to receive them).
   * @example [{ alert: 'WorkerJobLatencyHigh', workloads: [workers], spanKind: 'consumer', p95: Duration.millis(500) }]
   * @default - none
   */
  readonly traceLatencyP95?: readonly TraceLatencyTarget[];
  /**
   * Minimum hit ratio (0 to 1) of every cache that runs an exporter (a Redis with `use: 'cache'`,
   * a Memcached): `CacheHitRatioLow` fires below it, and the dashboard draws the ratio.
   * @default - no hit-ratio alert
   */
  readonly cacheHitRatio?: number;
}

/** The CronJobs to watch, per system, whichever is created first: the alerts or the backups. */
/** A watch as given (checked in validate): the Durations are not trusted until then. */
interface GivenWatch {
  readonly name: string;
  readonly period: unknown;
  readonly grace?: unknown;
}

const WATCHES = new WeakMap<IConstruct, GivenWatch[]>();

/** Seconds of a latency target, `fallback` when absent or invalid (reported by validate). */
function seconds(value: unknown, fallback: number): number {
  const s = value === undefined ? fallback : positiveSeconds(value);
  return typeof s === 'number' ? s : fallback;
}

const ALERT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The system's alerts as one PrometheusRule (`monitoring.coreos.com/v1`), every
 * expression restricted to the system's namespace: HTTP error ratio and p95 latency of
 * the web services that expose metrics, CPU and memory against limits, volume usage,
 * restarts, unavailable replicas and, for the CronJobs given to `watchCronJob` (backups),
 * failed runs and runs not successful for longer than their period. Severity labels and
 * `for` come from the environment (`monitoring`), so dev does not page anyone.
 *
 * @example
 * const alerts = new SystemAlerts(this, 'alerts', { errorRatio: 0.01, latencyP95: Duration.millis(200) });
 * alerts.watchCronJob('db-backup', Duration.days(1));
 * @sealed subclassing is not supported; its protected members are not API
 */
export class SystemAlerts extends Construct {
  /** The chart's first SystemAlerts, if any. */
  public static of(scope: IConstruct): SystemAlerts | undefined {
    return SystemChart.of(scope)
      .node.findAll()
      .find((c): c is SystemAlerts => c instanceof SystemAlerts);
  }

  /**
   * Watches a CronJob of the system whether or not its SystemAlerts exists yet (for
   * constructs, like backups, that may be declared before the alerts). Without any
   * SystemAlerts in the system, nothing is rendered.
   */
  public static watchCronJob(scope: IConstruct, name: string, period: Duration, options: { readonly grace?: Duration } = {}): void {
    const chart = SystemChart.of(scope);
    const list = WATCHES.get(chart) ?? [];
    list.push({ name, period, grace: options?.grace });
    WATCHES.set(chart, list);
  }

  public readonly chart: SystemChart;
  /** The PrometheusRule object. */
  public readonly resource: PrometheusRule;
  private readonly props: SystemAlertsProps;
  private readonly custom: AlertRule[] = [];

  constructor(scope: Construct, id: string, props: SystemAlertsProps = {}) {
    super(scope, id);
    checkProps(this, 'SystemAlertsProps', props);
    this.chart = SystemChart.of(this);
    this.props = props;
    const prometheus = this.chart.environment.platform.prometheus;
    requirePlatform(this, {
      component: 'prometheus-operator',
      minVersion: '0.50.0',
      reason: 'monitoring.coreos.com/v1 PrometheusRule (every field used is served since v0.50)',
      settings: {
        ruleSelector: Object.entries(prometheus.ruleLabels)
          .map(([k, v]) => `${k}=${v}`)
          .sort(),
        ruleNamespaceSelector: [this.chart.namespaceName],
      },
    });
    if (Array.isArray(props?.traceLatencyP95) && props.traceLatencyP95.length > 0)
      requirePlatform(this, {
        component: 'tempo',
        minVersion: '2.4.0',
        reason: 'span metrics (metrics generator, dimension_mappings) remote-written to the platform Prometheus',
        settings: { [SPAN_METRICS_SETTING]: ['latency'] },
      });
    this.resource = new PrometheusRule(this, 'resource', {
      metadata: { name: id, labels: { ...this.chart.environment.platform.prometheus.ruleLabels } },
      spec: lazy<PrometheusRuleSpec>(() => ({ groups: this.groups().map((g) => this.renderGroup(g)) })),
    });
    addCheck(this, (report) => this.validate(report));
  }

  /**
   * Alerts when CronJob `name` has a failed run, or has not succeeded for longer than
   * `period` plus `grace` (whole seconds; the grace defaults to one hour, for the run itself).
   * @example alerts.watchCronJob('db-backup', Duration.days(1))
   */
  public watchCronJob(name: string, period: Duration, options: { readonly grace?: Duration } = {}): void {
    SystemAlerts.watchCronJob(this, name, period, options);
  }

  /** Adds an alert of the system's own (e.g. a queue backlog). Its name must be unique in the system. */
  public addAlert(rule: AlertRule): void {
    this.custom.push(rule);
  }

  /** The thresholds with defaults applied, and the jobs and CronJobs covered. */
  public model(): AlertModel {
    const p = this.props;
    return {
      namespace: this.chart.namespaceName,
      httpJobs:
        p.httpJobs ??
        scrapeTargetsOf(this.chart)
          .filter((t) => t.http)
          .map((t) => t.job),
      statusLabel: p.statusLabel ?? 'status',
      rateWindow: p.rateWindow === undefined ? '5m' : prometheusDuration(p.rateWindow),
      errorRatio: p.errorRatio ?? 0.05,
      clientErrorRatio: p.clientErrorRatio,
      latencyP95Seconds: seconds(p.latencyP95, 0.5),
      latencyP95SecondsByJob:
        p.latencyP95ByJob && Object.fromEntries(Object.entries(objectOrUndefined(p.latencyP95ByJob) ?? {}).map(([job, d]) => [job, seconds(d, 0.5)])),
      cpuPercent: p.cpuPercent ?? 90,
      memoryPercent: p.memoryPercent ?? 90,
      diskPercent: p.diskPercent ?? 85,
      restartsPerHour: p.restartsPerHour ?? 3,
      cronJobs: (WATCHES.get(this.chart) ?? []).map((w) => ({
        name: w.name,
        periodSeconds: secondsOr(w.period, 0),
        graceSeconds: secondsOr(w.grace, DEFAULT_GRACE_SECONDS),
      })),
      traceLatency: this.traceLatencyModel(),
      cacheHit: this.cacheHitModel(),
    };
  }

  /** The trace latency targets that are well formed (the others are reported by validate). */
  private traceLatencyModel(): TraceLatencyModel[] {
    const given: unknown = this.props.traceLatencyP95;
    if (!Array.isArray(given)) return [];
    return given.flatMap((t: TraceLatencyTarget) => {
      const p95 = typeof t === 'object' && t !== null ? positiveSeconds(t.p95) : undefined;
      if (typeof p95 !== 'number' || !Array.isArray(t.workloads) || !t.workloads.every((w) => w instanceof Workload)) return [];
      if (!(SPAN_KINDS as readonly unknown[]).includes(t.spanKind)) return [];
      const services = t.workloads.map((w) => w.name);
      return [
        {
          alert: t.alert,
          services,
          spanKind: t.spanKind,
          ...(typeof t.dbSystem === 'string' ? { dbSystem: t.dbSystem } : {}),
          p95Seconds: p95,
          what:
            typeof t.description === 'string' ? t.description : `${t.dbSystem ? `${t.dbSystem} ` : ''}${t.spanKind} spans of ${services.join(', ')}`,
        },
      ];
    });
  }

  /** The caches whose hit ratio is watched, when a ratio is given. */
  private cacheHitModel(): CacheHitModel | undefined {
    const ratio = this.props.cacheHitRatio;
    if (ratio === undefined) return undefined;
    return { ratio, caches: cachesOf(this.chart) };
  }

  /** Every rule group, built-in and custom, as rendered. */
  public groups(): AlertGroup[] {
    const groups = systemAlertGroups(this.model());
    if (this.custom.length > 0) groups.push({ name: 'custom', rules: [...this.custom] });
    return groups;
  }

  /** Every alert name, in rendering order. */
  public alertNames(): string[] {
    return this.groups().flatMap((g) => g.rules.map((r) => r.name));
  }

  private renderGroup(group: AlertGroup): PrometheusRuleSpecGroups {
    const monitoring = this.chart.environment.monitoring;
    const forDuration = this.props.for === undefined ? monitoring.alertFor : prometheusDuration(this.props.for);
    return {
      // Group names are global in Prometheus: qualified by the namespace.
      name: `${this.chart.namespaceName}.${this.node.id}.${group.name}`,
      rules: group.rules.map((r) => ({
        alert: r.name,
        expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
        for: r.for === undefined ? forDuration : prometheusDuration(r.for),
        labels: { severity: monitoring.severities[r.severity], system: this.chart.system, environment: this.chart.environment.name },
        annotations: { summary: r.summary, ...(r.description ? { description: r.description } : {}) },
      })),
    };
  }

  private validateTargets(report: ValidationReport): void {
    const ratio: unknown = this.props.cacheHitRatio;
    if (ratio !== undefined) {
      if (!(typeof ratio === 'number' && Number.isFinite(ratio) && ratio > 0 && ratio <= 1))
        report.error(
          'system-alerts.cache-hit-ratio.value',
          'cacheHitRatio',
          `must be a ratio greater than 0 and at most 1, e.g. 0.9 (is ${describeValue(ratio)})`,
        );
      else if (cachesOf(this.chart).length === 0)
        report.error(
          'system-alerts.cache-hit-ratio.caches',
          'cacheHitRatio',
          "the system has no cache with an exporter to measure: give a Redis (use: 'cache') or Memcached `monitoring: { exporter: true }`",
        );
    }
    const given: unknown = this.props.traceLatencyP95;
    if (given === undefined) return;
    if (!Array.isArray(given))
      return report.error('system-alerts.trace-latency.list', 'traceLatencyP95', `must be a list of targets (is ${describeValue(given)})`);
    given.forEach((raw: unknown, i) => {
      const field = `traceLatencyP95[${i}]`;
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        return report.error('system-alerts.trace-latency.target', field, `must be a TraceLatencyTarget object (is ${describeValue(raw)})`);
      const t = raw as Record<string, unknown>;
      if (typeof t.alert !== 'string' || !ALERT_NAME.test(t.alert))
        report.error(
          'system-alerts.trace-latency.alert',
          `${field}.alert`,
          `${describeValue(t.alert)} must be an alert name: letters, digits and '_', not starting with a digit`,
        );
      if (!Array.isArray(t.workloads))
        report.error(
          'system-alerts.trace-latency.workloads',
          `${field}.workloads`,
          `must be a list of the traced workloads to measure (is ${describeValue(t.workloads)})`,
        );
      else if (t.workloads.length === 0)
        report.error('system-alerts.trace-latency.workloads-empty', `${field}.workloads`, 'must list at least one traced workload to measure');
      else
        t.workloads.forEach((w: unknown, j) => {
          if (!(w instanceof Workload))
            return report.error(
              'system-alerts.trace-latency.workload',
              `${field}.workloads[${j}]`,
              `must be a Workload of this system (is ${describeValue(w)})`,
            );
          if (SystemChart.of(w) !== this.chart)
            report.error(
              'system-alerts.trace-latency.workload-system',
              `${field}.workloads[${j}]`,
              `${w.node.path} belongs to another system; measure only this system's workloads`,
            );
          else if (!w.node.children.some((c) => c instanceof WorkloadTracing))
            report.error(
              'system-alerts.trace-latency.workload-traced',
              `${field}.workloads[${j}]`,
              `${w.name} sends no traces, so there is nothing to measure: call ${w.name}.tracing()`,
            );
        });
      if (!(SPAN_KINDS as readonly unknown[]).includes(t.spanKind))
        report.error(
          'system-alerts.trace-latency.span-kind',
          `${field}.spanKind`,
          `must be one of ${SPAN_KINDS.map((k) => `'${k}'`).join(', ')} (is ${describeValue(t.spanKind)})`,
        );
      if (t.dbSystem !== undefined) {
        if (typeof t.dbSystem !== 'string' || !/^[a-z][a-z0-9_.]*$/.test(t.dbSystem))
          report.error(
            'system-alerts.trace-latency.db-system',
            `${field}.dbSystem`,
            `must be a db.system value such as 'postgresql' or 'mysql' (is ${describeValue(t.dbSystem)})`,
          );
        else if (t.spanKind !== 'client')
          report.error(
            'system-alerts.trace-latency.db-system-client',
            `${field}.dbSystem`,
            "applies to the calls a workload makes: use it with spanKind 'client'",
          );
      }
      const p95 = positiveSeconds(t.p95 ?? null, 'Duration.millis(500)');
      if (typeof p95 === 'string') report.error('system-alerts.trace-latency.p95', `${field}.p95`, p95);
      if (t.description !== undefined && typeof t.description !== 'string')
        report.error('system-alerts.trace-latency.description', `${field}.description`, `must be a string (is ${describeValue(t.description)})`);
    });
  }

  private validate(report: ValidationReport): void {
    const p = this.props;
    for (const field of ['errorRatio', 'clientErrorRatio'] as const) {
      const v = p[field];
      if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 1))
        report.error('system-alerts.value.ratio', field, `${v} must be a ratio from 0 to 1 (0.01 is 1 %)`);
    }
    for (const field of ['cpuPercent', 'memoryPercent', 'diskPercent'] as const) {
      const v = p[field];
      if (v !== undefined && !(Number.isFinite(v) && v > 0 && v <= 100))
        report.error('system-alerts.value.percent-greater', field, `${v} must be a percent greater than 0 and at most 100`);
    }
    const latency = p.latencyP95 === undefined ? undefined : positiveSeconds(p.latencyP95);
    if (typeof latency === 'string') report.error('system-alerts.latency-p95', 'latencyP95', latency);
    const byJob: unknown = p.latencyP95ByJob;
    if (byJob !== undefined) {
      const httpJobs = this.model().httpJobs;
      for (const [job, target] of Object.entries(typeof byJob === 'object' && byJob !== null ? byJob : {})) {
        const problem = positiveSeconds(target, 'Duration.millis(150)');
        if (typeof problem === 'string') report.error('system-alerts.latency-p95-by-job.duration', `latencyP95ByJob.${job}`, problem);
        if (!httpJobs.includes(job))
          report.error(
            'system-alerts.latency-p95-by-job.job-http',
            `latencyP95ByJob.${job}`,
            `'${job}' is not a job with HTTP metrics (jobs: ${httpJobs.join(', ') || 'none'}); name a web service that exposes metrics`,
          );
      }
    }
    this.validateTargets(report);
    if (p.restartsPerHour !== undefined && !(Number.isInteger(p.restartsPerHour) && p.restartsPerHour >= 0)) {
      report.error('system-alerts.restarts-per-hour', 'restartsPerHour', `${p.restartsPerHour} must be a whole number, 0 or more`);
    }
    for (const [field, value] of [
      ['rateWindow', p.rateWindow],
      ['for', p.for],
    ] as const) {
      const problem = value === undefined ? undefined : checkDuration(value, field === 'for');
      if (problem) report.error('system-alerts.value.invalid', field, problem);
    }
    if (p.statusLabel !== undefined && !ALERT_NAME.test(p.statusLabel))
      report.error('system-alerts.status-label', 'statusLabel', `'${p.statusLabel}' is not a Prometheus label name`);

    const watched = new Set<string>();
    for (const c of WATCHES.get(this.chart) ?? []) {
      const field = `watchCronJob(${c.name})`;
      const reason = checkDnsLabel(c.name, 52);
      if (reason) report.error('system-alerts.value.cronjob-name', field, `CronJob name '${c.name}' ${reason}`);
      if (watched.has(c.name)) report.error('system-alerts.value.cronjob-watched', field, `CronJob '${c.name}' is watched twice`);
      watched.add(c.name);
      checkDurationProp(report, 'system-alerts.period', `${field}.period`, c.period ?? null, 1, 'Duration.days(1)'); // required: null is reported
      checkDurationProp(report, 'system-alerts.grace', `${field}.grace`, c.grace, 0, 'Duration.hours(1)');
    }

    this.custom.forEach((r, i) => {
      const field = `addAlert[${i}]`;
      if (!ALERT_NAME.test(r.name))
        report.error('system-alerts.name', `${field}.name`, `'${r.name}' must be letters, digits and '_', not starting with a digit`);
      if (!r.expr || r.expr.trim() === '') report.error('system-alerts.expr.empty', `${field}.expr`, 'must not be empty');
      else if (!r.expr.includes(`namespace="${this.chart.namespaceName}"`)) {
        report.error(
          'system-alerts.expr.select-system',
          `${field}.expr`,
          `must select the system's namespace (namespace="${this.chart.namespaceName}"): alerts are scoped to their system`,
        );
      }
      if (!['critical', 'warning'].includes(r.severity))
        report.error('system-alerts.severity', `${field}.severity`, `'${r.severity}' must be critical or warning`);
      const problem = r.for === undefined ? undefined : checkDuration(r.for, true);
      if (problem) report.error('system-alerts.for', `${field}.for`, problem);
    });

    // Alert names are unique across every SystemAlerts of the system.
    const earlier = new Set<string>();
    for (const other of this.chart.node.findAll()) {
      if (other === this) break;
      if (other instanceof SystemAlerts) other.alertNames().forEach((n) => earlier.add(n));
    }
    const own = new Set<string>();
    for (const name of this.alertNames()) {
      if (own.has(name))
        report.error(
          'system-alerts.alerts.defined-twice',
          'alerts',
          `'${name}' is defined twice in this PrometheusRule; alert names must be unique in the system`,
        );
      else if (earlier.has(name))
        report.error(
          'system-alerts.alerts.already-defined',
          'alerts',
          `'${name}' is already defined by another SystemAlerts of ${this.chart.node.path}; alert names must be unique in the system`,
        );
      own.add(name);
    }
  }
}

/** The caches of a system that run an exporter whose hit and miss counters are known. */
function cachesOf(chart: SystemChart): Array<{ job: string; exporter: CacheExporter }> {
  return scrapeTargetsOf(chart).flatMap((t) => ((exporter) => (exporter ? [{ job: t.job, exporter }] : []))(cacheExporterOf(t)));
}
