import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { describeValue } from '../core/describe-value';
import { durationSeconds, Duration, formatSeconds } from '../core/duration';
import { requirePlatform } from '../core/platform-requirements';
import { checkProps } from '../core/prop-check';
import { SystemChart } from '../core/system-chart';
import { addCheck, ValidationReport } from '../core/validation';
import { toYamlDocument } from '../core/yaml';
import { LOKI_RULE_LABEL } from './log-collection';

/** Alerts on the rate of error lines a workload logs. */
export interface ErrorBurstAlert {
  /** Error lines per minute, per workload, above which `LogErrorBurst` fires. @default 10 */
  readonly linesPerMinute?: number;
  /**
   * What counts as an error line: a LogQL line filter regular expression (RE2), matched
   * case-insensitively. @default - a whole word error, exception, fatal, panic or critical, or a level field `level=error`
   */
  readonly pattern?: string;
  /** Window of the rate. @default Duration.minutes(5) */
  readonly window?: Duration;
  /** Severity before the environment maps it (`monitoring.severities`). @default 'warning' */
  readonly severity?: 'critical' | 'warning';
}

export interface SystemLogsProps {
  /** Alert on bursts of error lines (Loki ruler rule, routed like the system's other alerts). @default - no log alerts */
  readonly errorBurst?: ErrorBurstAlert;
}

/** The default error-line filter: the words applications and runtimes log errors with. */
export const DEFAULT_ERROR_PATTERN = '(?i)(\\b(error|exception|fatal|panic|critical)\\b|level"?[=:]"?(error|fatal))';

/**
 * The system's central logs: every pod's stdout and stderr reach the environment's Loki
 * (collected by Grafana Alloy, labelled `system`, `workload`, `environment`, `namespace`,
 * `pod`, `container`; kept as long as the profile's `platform.logs.retention`). Added to every
 * system by the synth when the profile collects logs; a chart makes its own to add log alerts.
 *
 * Log alerts are Loki ruler rules in a ConfigMap labelled `loki_rule` (Loki's rules sidecar
 * loads it), labelled with the system, environment, namespace and severity like the system's
 * PrometheusRules, so Alertmanager routes and inhibits them the same way.
 *
 * @example new SystemLogs(this, 'logs', { errorBurst: { linesPerMinute: 20 } })
 * @sealed subclassing is not supported; its protected members are not API
 */
export class SystemLogs extends Construct {
  /** The chart's SystemLogs, if any. */
  public static of(scope: IConstruct): SystemLogs | undefined {
    return SystemChart.of(scope)
      .node.findAll()
      .find((c): c is SystemLogs => c instanceof SystemLogs);
  }

  public readonly chart: SystemChart;
  /** The ConfigMap of the log alert rules, when there are any. */
  public readonly rules?: ApiObject;
  private readonly props: SystemLogsProps;

  constructor(scope: Construct, id: string, props: SystemLogsProps = {}) {
    super(scope, id);
    checkProps(this, 'SystemLogsProps', props);
    this.chart = SystemChart.of(this);
    this.props = typeof props === 'object' && props !== null ? props : {};
    const logs = this.chart.environment.platform.logs;
    addCheck(this, (report) => this.validate(report));
    if (!logs.enabled) return;
    requirePlatform(this, {
      component: 'loki',
      minVersion: '3.0.0',
      reason: 'schema v13 with the TSDB index, the compactor deleting by retention_period, and the ruler reading rules from the sidecar folder',
    });
    requirePlatform(this, { component: 'alloy', minVersion: '1.0.0', reason: 'loki.source.file with discovery.kubernetes and sys.env (Alloy 1.x)' });
    if (this.props.errorBurst !== undefined) {
      const key = `${this.chart.namespaceName}-${id}.yaml`;
      this.rules = new ApiObject(this, 'rules', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        // The sidecar writes every ConfigMap's keys into one folder: the key names the namespace.
        metadata: { name: `${id}-alerts`, labels: { [LOKI_RULE_LABEL]: '1' } },
        data: Lazy.any({ produce: () => ({ [key]: toYamlDocument({ groups: this.ruleGroups() }) }) }),
      });
    }
  }

  /** The Loki ruler rule groups (the `groups` of a Prometheus-style rule file, in LogQL). */
  public ruleGroups(): Array<Record<string, unknown>> {
    const burst = this.props.errorBurst;
    if (!burst) return [];
    const env = this.chart.environment;
    const ns = this.chart.namespaceName;
    const window = durationSeconds(burst.window ?? Duration.minutes(5));
    const seconds = typeof window === 'number' ? window : 300;
    const perMinute = burst.linesPerMinute ?? 10;
    const pattern = burst.pattern ?? DEFAULT_ERROR_PATTERN;
    const selector = `{namespace=${JSON.stringify(ns)}, system=${JSON.stringify(this.chart.system)}}`;
    const lines = `sum by (workload) (count_over_time(${selector} |~ ${JSON.stringify(pattern)} [${formatSeconds(seconds)}]))`;
    return [
      {
        name: `${ns}.${this.node.id}.log-errors`,
        rules: [
          {
            alert: 'LogErrorBurst',
            expr: `${lines} / ${seconds / 60} > ${perMinute}`,
            for: env.monitoring.alertFor,
            labels: {
              severity: env.monitoring.severities[burst.severity ?? 'warning'],
              system: this.chart.system,
              environment: env.name,
              namespace: ns,
            },
            annotations: {
              summary: `{{ $labels.workload }} logs more than ${perMinute} error lines a minute`,
              description: `Error lines of ${this.chart.system} in ${env.name}, per minute over ${formatSeconds(seconds)}: {{ $value | humanize }}. In Grafana: Explore, Loki, ${selector}.`,
            },
          },
        ],
      },
    ];
  }

  private validate(report: ValidationReport): void {
    const burst: unknown = this.props.errorBurst;
    if (burst === undefined) return;
    if (typeof burst !== 'object' || burst === null)
      return report.error(
        'system-logs.error-burst.errorburstalert-object',
        'errorBurst',
        `must be an ErrorBurstAlert object (is ${describeValue(burst)})`,
      );
    const b = burst as Record<string, unknown>;
    if (!this.chart.environment.platform.logs.enabled)
      report.error(
        'system-logs.error-burst.log-alerts',
        'errorBurst',
        `log alerts need central logs, and the profile of ${this.chart.environment.name} turns them off (platform.logs.enabled: false)`,
      );
    if (b.linesPerMinute !== undefined && !(typeof b.linesPerMinute === 'number' && Number.isFinite(b.linesPerMinute) && b.linesPerMinute > 0))
      report.error(
        'system-logs.error-burst.lines-per-minute',
        'errorBurst.linesPerMinute',
        `must be a number of lines greater than 0 (is ${describeValue(b.linesPerMinute)})`,
      );
    if (b.pattern !== undefined) {
      if (typeof b.pattern !== 'string' || b.pattern.trim() === '')
        report.error(
          'system-logs.error-burst.pattern.regular-expression',
          'errorBurst.pattern',
          `must be a regular expression (is ${describeValue(b.pattern)})`,
        );
      else if (!compiles(b.pattern))
        report.error('system-logs.error-burst.pattern.valid-regular', 'errorBurst.pattern', `'${b.pattern}' is not a valid regular expression`);
    }
    if (b.window !== undefined) {
      const seconds = durationSeconds(b.window, 'Duration.minutes(5)');
      if (typeof seconds === 'string') report.error('system-logs.error-burst.window.invalid', 'errorBurst.window', seconds);
      else if (seconds < 60 || seconds % 60 !== 0)
        report.error('system-logs.error-burst.window.whole-minutes', 'errorBurst.window', `must be whole minutes, at least one (is ${seconds}s)`);
    }
    if (b.severity !== undefined && b.severity !== 'critical' && b.severity !== 'warning')
      report.error('system-logs.error-burst.severity', 'errorBurst.severity', `must be 'critical' or 'warning' (is ${describeValue(b.severity)})`);
  }
}

/** Whether an RE2 pattern compiles as a JavaScript one (its `(?i)` flag group aside); RE2 is a subset for what patterns use. */
function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern.replace(/^\(\?i\)/, ''));
    return true;
  } catch {
    return false;
  }
}
