import { Duration, Probe, SystemAlerts, WebService } from '../../lib';
import { errorsOf, objectOf, testChart, testEnv } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const web = { image: 'registry.stackworks.io/org/api:1.0.0', ports: [{ name: 'http', port: 8080 }], readiness: Probe.http('/ready'), resources };

type Rule = { alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> };
const rulesOf = (rule: Record<string, any>): Rule[] => rule.spec.groups.flatMap((g: any) => g.rules);
const ruleNamed = (rule: Record<string, any>, name: string): Rule => {
  const found = rulesOf(rule).filter((r) => r.alert === name);
  if (found.length !== 1) throw new Error(`expected one rule ${name}, found ${found.length}`);
  return found[0];
};

describe('SystemAlerts', () => {
  const { app, chart } = testChart();
  const api = new WebService(chart, 'api', web);
  api.exposeMetrics({ port: 'http' });
  const other = new WebService(chart, 'other', web); // no metrics: not in the HTTP alerts
  void other;
  const alerts = new SystemAlerts(chart, 'alerts', {
    errorRatio: 0.01,
    latencyP95: Duration.millis(200),
    cpuPercent: 80,
    memoryPercent: 80,
    diskPercent: 80,
  });
  alerts.watchCronJob('db-backup', Duration.days(1));
  const rule = objectOf(app, 'PrometheusRule', 'alerts');

  test('one PrometheusRule with the labels Prometheus selects rules by, groups named after the namespace', () => {
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.metadata.namespace).toBe('test-prod');
    expect(rule.metadata.labels.release).toBe('prometheus');
    expect(rule.spec.groups.map((g: any) => g.name)).toEqual([
      'test-prod.alerts.http',
      'test-prod.alerts.resources',
      'test-prod.alerts.availability',
      'test-prod.alerts.backups',
    ]);
    expect(rulesOf(rule).map((r) => r.alert)).toEqual([
      'HttpErrorRatioHigh',
      'HttpLatencyP95High',
      'ContainerCpuNearLimit',
      'ContainerMemoryNearLimit',
      'PersistentVolumeFillingUp',
      'ContainerRestarting',
      'SystemDown',
      'DeploymentReplicasUnavailable',
      'StatefulSetReplicasNotReady',
      'BackupJobFailed',
      'BackupNotSuccessful',
    ]);
  });

  test('error ratio: 5xx over all requests of the services exposing metrics, above the threshold', () => {
    expect(ruleNamed(rule, 'HttpErrorRatioHigh').expr).toBe(
      'sum by (namespace, job) (rate(http_requests_total{namespace="test-prod",job=~"api",status=~"5.."}[5m])) / sum by (namespace, job) (rate(http_requests_total{namespace="test-prod",job=~"api"}[5m])) > 0.01',
    );
  });

  test('p95 latency from the histogram buckets', () => {
    expect(ruleNamed(rule, 'HttpLatencyP95High').expr).toBe(
      'histogram_quantile(0.95, sum by (namespace, job, le) (rate(http_request_duration_seconds_bucket{namespace="test-prod",job=~"api"}[5m]))) > 0.2',
    );
  });

  test('CPU and memory against the limits from kube-state-metrics', () => {
    expect(ruleNamed(rule, 'ContainerCpuNearLimit').expr).toBe(
      'sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{namespace="test-prod",container!=""}[5m])) / sum by (namespace, pod, container) (kube_pod_container_resource_limits{namespace="test-prod",resource="cpu"}) > 0.8',
    );
    expect(ruleNamed(rule, 'ContainerMemoryNearLimit').expr).toBe(
      'sum by (namespace, pod, container) (container_memory_working_set_bytes{namespace="test-prod",container!=""}) / sum by (namespace, pod, container) (kube_pod_container_resource_limits{namespace="test-prod",resource="memory"}) > 0.8',
    );
  });

  test('volumes, restarts and replicas', () => {
    expect(ruleNamed(rule, 'PersistentVolumeFillingUp').expr).toBe(
      'max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes{namespace="test-prod"}) / max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes{namespace="test-prod"}) > 0.8',
    );
    expect(ruleNamed(rule, 'ContainerRestarting').expr).toBe('increase(kube_pod_container_status_restarts_total{namespace="test-prod"}[1h]) > 3');
    expect(ruleNamed(rule, 'DeploymentReplicasUnavailable').expr).toBe(
      'max by (namespace, deployment) (kube_deployment_status_replicas_unavailable{namespace="test-prod"}) > 0',
    );
    expect(ruleNamed(rule, 'StatefulSetReplicasNotReady').expr).toBe(
      'max by (namespace, statefulset) (kube_statefulset_replicas{namespace="test-prod"}) - max by (namespace, statefulset) (kube_statefulset_status_replicas_ready{namespace="test-prod"}) > 0',
    );
  });

  test('backups: a failed run of a watched CronJob, and no success for longer than period + grace', () => {
    expect(ruleNamed(rule, 'BackupJobFailed').expr).toBe(
      'max by (namespace, cronjob) (label_replace(kube_job_status_failed{namespace="test-prod"} * on (namespace, job_name) group_left (owner_name) kube_job_owner{namespace="test-prod",owner_kind="CronJob",owner_name=~"db-backup"}, "cronjob", "$1", "owner_name", "(.+)")) > 0',
    );
    expect(ruleNamed(rule, 'BackupNotSuccessful').expr).toBe(
      '(time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{namespace="test-prod",cronjob="db-backup"}) > 90000)' +
        ' or (time() - max by (namespace, cronjob) (kube_cronjob_created{namespace="test-prod",cronjob="db-backup"}) > 90000' +
        ' unless on (namespace, cronjob) kube_cronjob_status_last_successful_time{namespace="test-prod",cronjob="db-backup"})',
    );
  });

  test("every expression is scoped to the system's namespace", () => {
    for (const r of rulesOf(rule)) {
      const selectors = r.expr.match(/\{[^}]*\}/g) ?? [];
      expect(selectors.length).toBeGreaterThan(0);
      for (const s of selectors) expect(s).toContain('namespace="test-prod"');
    }
  });

  test('severity, system and environment labels; `for` from the environment; annotations', () => {
    expect(ruleNamed(rule, 'HttpErrorRatioHigh')).toMatchObject({
      for: '5m',
      labels: { severity: 'critical', system: 'test', environment: 'prod' },
      annotations: {
        summary: '{{ $labels.job }} answers {{ $value | humanizePercentage }} of requests with 5xx',
        description: 'More than 1 % of the requests to {{ $labels.job }} in {{ $labels.namespace }} failed with a server error over 5m.',
      },
    });
    expect(ruleNamed(rule, 'HttpLatencyP95High').labels.severity).toBe('warning');
  });
});

describe('SystemAlerts per environment and options', () => {
  test('dev: critical alerts become warnings, warnings info, longer `for`', () => {
    const { app, chart } = testChart(testEnv('dev'));
    new SystemAlerts(chart, 'alerts');
    const rule = objectOf(app, 'PrometheusRule', 'alerts');
    expect(ruleNamed(rule, 'DeploymentReplicasUnavailable')).toMatchObject({ for: '15m', labels: { severity: 'warning', environment: 'dev' } });
    expect(ruleNamed(rule, 'ContainerRestarting').labels.severity).toBe('info');
  });

  test('defaults: no HTTP group without services exposing metrics, no backup group without watched CronJobs', () => {
    const { app, chart } = testChart();
    new WebService(chart, 'api', web);
    new SystemAlerts(chart, 'alerts');
    const rule = objectOf(app, 'PrometheusRule', 'alerts');
    expect(rule.spec.groups.map((g: any) => g.name)).toEqual(['test-prod.alerts.resources', 'test-prod.alerts.availability']);
    expect(ruleNamed(rule, 'ContainerCpuNearLimit').expr).toMatch(/ > 0\.9$/);
    expect(ruleNamed(rule, 'PersistentVolumeFillingUp').expr).toMatch(/ > 0\.85$/);
  });

  test('explicit HTTP jobs, status label, 4xx alert, window and `for`', () => {
    const { app, chart } = testChart();
    const alerts = new SystemAlerts(chart, 'alerts', {
      httpJobs: ['api', 'graphql'],
      statusLabel: 'code',
      clientErrorRatio: 0.1,
      rateWindow: Duration.minutes(10),
      for: Duration.minutes(2),
    });
    alerts.addAlert({
      name: 'QueueBacklogHigh',
      expr: 'sum(rq_queue_length{namespace="test-prod"}) > 1000',
      severity: 'warning',
      summary: 'backlog',
      for: Duration.minutes(30),
    });
    const rule = objectOf(app, 'PrometheusRule', 'alerts');
    expect(ruleNamed(rule, 'HttpClientErrorRatioHigh').expr).toBe(
      'sum by (namespace, job) (rate(http_requests_total{namespace="test-prod",job=~"api|graphql",code=~"4.."}[10m])) / sum by (namespace, job) (rate(http_requests_total{namespace="test-prod",job=~"api|graphql"}[10m])) > 0.1',
    );
    expect(ruleNamed(rule, 'HttpErrorRatioHigh').for).toBe('2m');
    expect(ruleNamed(rule, 'QueueBacklogHigh')).toEqual({
      alert: 'QueueBacklogHigh',
      expr: 'sum(rq_queue_length{namespace="test-prod"}) > 1000',
      for: '30m',
      labels: { severity: 'warning', system: 'test', environment: 'prod' },
      annotations: { summary: 'backlog' },
    });
    expect(rule.spec.groups.at(-1).name).toBe('test-prod.alerts.custom');
  });

  test('a `for` of zero fires at once: rendered as 0s (the end-to-end alert test uses it)', () => {
    const { app, chart } = testChart();
    const alerts = new SystemAlerts(chart, 'alerts', { for: Duration.seconds(0) });
    alerts.addAlert({ name: 'Now', expr: 'up{namespace="test-prod"} == 0', severity: 'warning', summary: 'now', for: Duration.seconds(0) });
    const rule = objectOf(app, 'PrometheusRule', 'alerts');
    expect(ruleNamed(rule, 'Now').for).toBe('0s');
    // The built-in rules take the SystemAlerts' own `for` (0s), none of them an object's text.
    expect(rulesOf(rule).length).toBeGreaterThan(1);
    expect(rulesOf(rule).map((r) => r.for)).toEqual(rulesOf(rule).map(() => '0s'));
  });

  test('CronJobs watched before the alerts exist (a backup declared first) and through SystemAlerts.of', () => {
    const { app, chart } = testChart();
    SystemAlerts.watchCronJob(chart, 'db-backup', Duration.days(1));
    const alerts = new SystemAlerts(chart, 'alerts');
    SystemAlerts.of(chart)!.watchCronJob('cache-backup', Duration.hours(1), { grace: Duration.minutes(10) });
    expect(SystemAlerts.of(chart)).toBe(alerts);
    const rule = objectOf(app, 'PrometheusRule', 'alerts');
    expect(ruleNamed(rule, 'BackupJobFailed').expr).toContain('owner_name=~"db-backup|cache-backup"');
    const stale = ruleNamed(rule, 'BackupNotSuccessful').expr;
    expect(stale).toContain('kube_cronjob_status_last_successful_time{namespace="test-prod",cronjob="db-backup"}) > 90000)');
    expect(stale).toContain('kube_cronjob_status_last_successful_time{namespace="test-prod",cronjob="cache-backup"}) > 4200)');
  });

  test('SystemAlerts.of is undefined without alerts', () => {
    const { chart } = testChart();
    expect(SystemAlerts.of(chart)).toBeUndefined();
  });
});

describe('bad input is a synth error naming the construct and the field', () => {
  const errors = (props: ConstructorParameters<typeof SystemAlerts>[2], more: (a: SystemAlerts) => void = () => undefined) => {
    const { app, chart } = testChart();
    more(new SystemAlerts(chart, 'alerts', props));
    return errorsOf(app);
  };

  test.each([
    ['errorRatio', 1.5, 'errorRatio: 1.5 must be a ratio from 0 to 1 (0.01 is 1 %)'],
    ['errorRatio', -0.01, 'errorRatio: -0.01 must be a ratio from 0 to 1 (0.01 is 1 %)'],
    ['clientErrorRatio', 2, 'clientErrorRatio: 2 must be a ratio from 0 to 1 (0.01 is 1 %)'],
    ['errorRatio', Number.NaN, 'errorRatio: NaN must be a ratio from 0 to 1 (0.01 is 1 %)'],
    ['cpuPercent', 120, 'cpuPercent: 120 must be a percent greater than 0 and at most 100'],
    ['memoryPercent', 0, 'memoryPercent: 0 must be a percent greater than 0 and at most 100'],
    ['diskPercent', 100.5, 'diskPercent: 100.5 must be a percent greater than 0 and at most 100'],
    ['latencyP95', Duration.millis(0), 'latencyP95: 0 millis must be longer than zero'],
    ['restartsPerHour', 1.5, 'restartsPerHour: 1.5 must be a whole number, 0 or more'],
    [
      'rateWindow',
      '5m',
      "rateWindow: '5m' is ambiguous (minutes or months?): give a Duration, Duration.minutes(5) or, for months, Duration.days(150)",
    ],
    ['rateWindow', Duration.seconds(0), 'rateWindow: 0 seconds is not a whole number of seconds, at least one'],
    ['rateWindow', Duration.millis(1500), 'rateWindow: 1 second 500 millis is not a whole number of seconds, at least one'],
    ['for', 'later', "for: 'later' is a string: give a Duration, e.g. Duration.minutes(5)"],
    ['statusLabel', 'status-code', "statusLabel: 'status-code' is not a Prometheus label name"],
  ])('%s = %p', (field, value, message) => {
    expect(errors({ [field]: value })).toEqual([`[test-prod/alerts] ${message}`]);
  });

  test('watched CronJobs: bad name, twice, bad period and grace', () => {
    expect(
      errors({}, (a) => {
        a.watchCronJob('Db_Backup', Duration.days(1));
        a.watchCronJob('db-backup', 0 as never);
        a.watchCronJob('db-backup', Duration.hours(1), { grace: Duration.millis(1500) });
      }),
    ).toEqual([
      '[test-prod/alerts] watchCronJob(Db_Backup): CronJob name \'Db_Backup\' must consist of lower case alphanumeric characters or "-", and start and end with an alphanumeric character',
      '[test-prod/alerts] watchCronJob(db-backup).period: must be a Duration such as Duration.days(1) (is number 0)',
      "[test-prod/alerts] watchCronJob(db-backup): CronJob 'db-backup' is watched twice",
      '[test-prod/alerts] watchCronJob(db-backup).grace: 1 second 500 millis is not a whole number of seconds',
    ]);
  });

  test('custom alerts: a built-in name, a duplicate, a bad name, no namespace, bad severity and for', () => {
    const base = { expr: 'up{namespace="test-prod"} == 0', severity: 'warning' as const, summary: 's' };
    expect(
      errors({}, (a) => {
        a.addAlert({ ...base, name: 'ContainerCpuNearLimit' });
        a.addAlert({ ...base, name: 'Down' });
        a.addAlert({ ...base, name: 'Down' });
        a.addAlert({ ...base, name: 'not valid' });
        a.addAlert({ ...base, name: 'Everywhere', expr: 'up == 0' });
        a.addAlert({ ...base, name: 'Loud', severity: 'page' as any, for: 'soon' as never });
      }),
    ).toEqual([
      "[test-prod/alerts] addAlert[3].name: 'not valid' must be letters, digits and '_', not starting with a digit",
      '[test-prod/alerts] addAlert[4].expr: must select the system\'s namespace (namespace="test-prod"): alerts are scoped to their system',
      "[test-prod/alerts] addAlert[5].severity: 'page' must be critical or warning",
      "[test-prod/alerts] addAlert[5].for: 'soon' is a string: give a Duration, e.g. Duration.minutes(5)",
      "[test-prod/alerts] alerts: 'ContainerCpuNearLimit' is defined twice in this PrometheusRule; alert names must be unique in the system",
      "[test-prod/alerts] alerts: 'Down' is defined twice in this PrometheusRule; alert names must be unique in the system",
    ]);
  });

  test('two SystemAlerts in one system duplicate every alert name', () => {
    const { app, chart } = testChart();
    new SystemAlerts(chart, 'alerts');
    new SystemAlerts(chart, 'more-alerts');
    const errs = errorsOf(app);
    expect(errs).toHaveLength(6);
    expect(errs[0]).toBe(
      "[test-prod/more-alerts] alerts: 'ContainerCpuNearLimit' is already defined by another SystemAlerts of test-prod; alert names must be unique in the system",
    );
  });
});
