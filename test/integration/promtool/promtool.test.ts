/**
 * Every generated PrometheusRule through Prometheus's own checker, and the alerts' logic
 * through `promtool test rules` (input series -> expected alerts).
 *
 *   npm run test:promtool   (= npx jest -c jest.integration.config.js test/integration/promtool)
 *
 * promtool is built from the Go module proxy by scripts/observability/build-promtool.sh
 * into .cache/promtool/<version> (a few minutes the first time). If it cannot be built,
 * the suite fails: a rule check that checked nothing must not look green.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { buildRepositoryApp } from '../../../charts/app';
import { Duration, ExistingSecret, Probe, Redis, SystemAlerts, SystemSecret, synthesize, WebService, Worker } from '../../../lib';
import { testChart, testEnv, UNUSED_OUTDIR } from '../../support/synth';

const repo = path.resolve(__dirname, '../../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-stacks-promtool-'));
let promtool = '';

beforeAll(() => {
  const build = spawnSync('bash', [path.join(repo, 'scripts/observability/build-promtool.sh')], { encoding: 'utf8', timeout: 1_800_000 });
  if (build.status !== 0) {
    throw new Error(
      `promtool could not be built (scripts/observability/build-promtool.sh exited ${build.status ?? build.signal}):\n${build.stderr}\n${build.stdout}`,
    );
  }
  promtool = build.stdout.trim().split('\n').pop()!;
  expect(fs.existsSync(promtool)).toBe(true);
}, 1_800_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function run(args: string[]): { status: number | null; output: string } {
  const r = spawnSync(promtool, args, { encoding: 'utf8', cwd: work });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The `spec` of a PrometheusRule is a Prometheus rule file. */
function writeRuleFile(name: string, rule: Record<string, any>): string {
  const file = path.join(work, `${name}.rules.yaml`);
  fs.writeFileSync(file, stringify({ groups: rule.spec.groups }));
  return file;
}

/** Runs `promtool test rules` on one PrometheusRule's groups with the given tests; they must all pass. */
function promtoolTestRules(name: string, rule: Record<string, any>, tests: unknown[]): void {
  const rules = writeRuleFile(name, rule);
  const file = path.join(work, `${name}.test.yaml`);
  fs.writeFileSync(file, stringify({ rule_files: [path.basename(rules)], evaluation_interval: '1m', tests }));
  const { status, output } = run(['test', 'rules', file]);
  expect(output).toContain('SUCCESS');
  expect(status).toBe(0);
}

describe('promtool check rules', () => {
  test('every PrometheusRule of every system in every environment passes, lint included', () => {
    const app = buildRepositoryApp({ outdir: UNUSED_OUTDIR });
    // Policy rules have their own suite; here only the rule files matter.
    const result = synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true, rules: [] });
    const rules = result.objects.filter((o) => o.object.kind === 'PrometheusRule');
    // Every system folder (the platform's Prometheus namespace has no rules of its own).
    const folders = [...new Set(result.objects.filter((o) => o.object.kind === 'Namespace').map((o) => o.folder))].filter(
      (f) => f.split('/')[1] !== 'platform',
    );
    // One per system and environment: nothing skipped silently.
    expect(rules.map((r) => r.folder).sort()).toEqual(folders.sort());
    const failures: string[] = [];
    for (const r of rules) {
      const file = writeRuleFile(`${r.folder.replace(/\//g, '_')}-${r.object.metadata.name}`, r.object);
      const { status, output } = run(['check', 'rules', '--lint=all', '--lint-fatal', file]);
      if (status !== 0) failures.push(`${r.folder} ${r.object.metadata.name}:\n${output}`);
      else expect(output).toMatch(/SUCCESS: \d+ rules found/);
    }
    expect(failures).toEqual([]);
  });
});

describe('promtool test rules', () => {
  // The rules exactly as a chart renders them: an API exposing metrics and a watched backup.
  const { app, chart } = testChart(testEnv('prod'));
  new WebService(chart, 'api', {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  }).exposeMetrics({ port: 'http' });
  const alerts = new SystemAlerts(chart, 'alerts', { errorRatio: 0.01 });
  alerts.watchCronJob('db-backup', Duration.days(1));
  alerts.watchCronJob('never-ran', Duration.hours(1));
  const rule = synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true, rules: [] }).objects.find((o) => o.object.kind === 'PrometheusRule')!.object;
  const labels = { severity: 'critical', system: 'test', environment: 'prod', namespace: 'test-prod' };

  const testRules = (name: string, tests: unknown[]): void => promtoolTestRules(name, rule, tests);

  test('error ratio: 10 % 5xx on api fires after `for`; errors elsewhere do not', () => {
    testRules('error-ratio', [
      {
        interval: '1m',
        input_series: [
          { series: 'http_requests_total{namespace="test-prod",job="api",status="200"}', values: '0+90x30' },
          { series: 'http_requests_total{namespace="test-prod",job="api",status="500"}', values: '0+10x30' },
          // Another system's API, and an unmonitored job of this one: not this rule's business.
          { series: 'http_requests_total{namespace="other-prod",job="api",status="500"}', values: '0+100x30' },
          { series: 'http_requests_total{namespace="test-prod",job="frontend",status="500"}', values: '0+100x30' },
        ],
        alert_rule_test: [
          // The ratio is above 1 % from the first rate, but must hold for 5m.
          { eval_time: '4m', alertname: 'HttpErrorRatioHigh', exp_alerts: [] },
          {
            eval_time: '15m',
            alertname: 'HttpErrorRatioHigh',
            exp_alerts: [
              {
                exp_labels: { ...labels, job: 'api' },
                exp_annotations: {
                  summary: 'api answers 10% of requests with 5xx',
                  description: 'More than 1 % of the requests to api in test-prod failed with a server error over 5m.',
                },
              },
            ],
          },
        ],
      },
      {
        // 0.5 % errors: below the threshold.
        interval: '1m',
        input_series: [
          { series: 'http_requests_total{namespace="test-prod",job="api",status="200"}', values: '0+995x30' },
          { series: 'http_requests_total{namespace="test-prod",job="api",status="503"}', values: '0+5x30' },
        ],
        alert_rule_test: [{ eval_time: '15m', alertname: 'HttpErrorRatioHigh', exp_alerts: [] }],
      },
    ]);
  });

  test('backups: a failed run fires; a CronJob without success for longer than period + grace fires, a recent one does not', () => {
    testRules('backups', [
      {
        interval: '1m',
        input_series: [
          { series: 'kube_job_status_failed{namespace="test-prod",job_name="db-backup-29000000"}', values: '0x10 1x20' },
          {
            series:
              'kube_job_owner{namespace="test-prod",job_name="db-backup-29000000",owner_kind="CronJob",owner_name="db-backup",owner_is_controller="true"}',
            values: '1x30',
          },
          // A failed Job of a CronJob nobody watches.
          { series: 'kube_job_status_failed{namespace="test-prod",job_name="report-1"}', values: '1x30' },
          {
            series: 'kube_job_owner{namespace="test-prod",job_name="report-1",owner_kind="CronJob",owner_name="report",owner_is_controller="true"}',
            values: '1x30',
          },
        ],
        alert_rule_test: [
          { eval_time: '10m', alertname: 'BackupJobFailed', exp_alerts: [] },
          {
            eval_time: '25m',
            alertname: 'BackupJobFailed',
            exp_alerts: [
              {
                exp_labels: { ...labels, cronjob: 'db-backup' },
                exp_annotations: {
                  summary: 'A run of CronJob db-backup failed',
                  description:
                    'A Job of the backup CronJob failed; the alert clears when the failed Job is deleted (kubectl delete job) or ages out of failedJobsHistoryLimit.',
                },
              },
            ],
          },
        ],
      },
      {
        // db-backup (daily, +1h grace) last succeeded at t=0; never-ran (hourly) was created at t=0 and never succeeded.
        interval: '5m',
        input_series: [
          { series: 'kube_cronjob_status_last_successful_time{namespace="test-prod",cronjob="db-backup"}', values: '0x400' },
          { series: 'kube_cronjob_created{namespace="test-prod",cronjob="db-backup"}', values: '0x400' },
          { series: 'kube_cronjob_created{namespace="test-prod",cronjob="never-ran"}', values: '0x400' },
        ],
        alert_rule_test: [
          // At 90m neither: never-ran's limit is 1h period + 1h grace, db-backup's 25h.
          { eval_time: '90m', alertname: 'BackupNotSuccessful', exp_alerts: [] },
          {
            eval_time: '3h',
            alertname: 'BackupNotSuccessful',
            exp_alerts: [
              {
                exp_labels: { ...labels, cronjob: 'never-ran' },
                exp_annotations: {
                  summary: 'CronJob never-ran has not succeeded for 3h 0m 0s',
                  description: 'No successful run for longer than its period plus grace: the latest backup is older than the schedule promises.',
                },
              },
            ],
          },
          {
            eval_time: '26h',
            alertname: 'BackupNotSuccessful',
            exp_alerts: [
              {
                exp_labels: { ...labels, cronjob: 'db-backup' },
                exp_annotations: {
                  summary: 'CronJob db-backup has not succeeded for 1d 2h 0m 0s',
                  description: 'No successful run for longer than its period plus grace: the latest backup is older than the schedule promises.',
                },
              },
              {
                exp_labels: { ...labels, cronjob: 'never-ran' },
                exp_annotations: {
                  summary: 'CronJob never-ran has not succeeded for 1d 2h 0m 0s',
                  description: 'No successful run for longer than its period plus grace: the latest backup is older than the schedule promises.',
                },
              },
            ],
          },
        ],
      },
    ]);
  });
});

describe('promtool test rules: a Redis replica group', () => {
  // The rules as a chart renders them for Redis with replicas: 3 (exporter on every member).
  const { app, chart } = testChart(testEnv('prod'));
  new SystemAlerts(chart, 'alerts', {});
  new Redis(chart, 'cache', {
    use: 'cache',
    storage: '1Gi',
    replicas: 3,
    credentials: ExistingSecret.named('cache-credentials', ['redis-password']),
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    monitoring: { exporter: true },
  }).noBackup({ reason: 'a cache in a test of its alerts, nothing to keep' });
  const rule = synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true, rules: [] }).objects.find((o) => o.object.kind === 'PrometheusRule')!.object;
  const annotations = (name: string) =>
    rule.spec.groups.flatMap((g: any) => g.rules).find((r: any) => r.alert === name)?.annotations ?? { missing: `no rule ${name}` };
  const labels = (severity: string) => ({ severity, system: 'test', environment: 'prod', namespace: 'test-prod' });
  const member = (metric: string, pod: number, extra = '') => `${metric}{namespace="test-prod",pod="cache-${pod}"${extra}}`;
  const up = [0, 1, 2].map((i) => ({ series: member('redis_up', i), values: '1x20' }));

  const testRules = (name: string, tests: unknown[]): void => promtoolTestRules(name, rule, tests);

  test('no master fires; one master with both replicas connected fires nothing; two masters fire', () => {
    const alert = (name: string, severity: string) => ({ exp_labels: labels(severity), exp_annotations: annotations(name) });
    testRules('redis', [
      {
        // Every member answers, none is the master (Sentinel could not elect one).
        interval: '1m',
        input_series: [...up, ...[0, 1, 2].map((i) => ({ series: member('redis_instance_info', i, ',role="slave"'), values: '1x20' }))],
        alert_rule_test: [{ eval_time: '5m', alertname: 'RedisNoMasterCache', exp_alerts: [alert('RedisNoMasterCache', 'critical')] }],
      },
      {
        // The healthy group: cache-0 the master, followed by two replicas.
        interval: '1m',
        input_series: [
          ...up,
          { series: member('redis_instance_info', 0, ',role="master"'), values: '1x20' },
          { series: member('redis_instance_info', 1, ',role="slave"'), values: '1x20' },
          { series: member('redis_instance_info', 2, ',role="slave"'), values: '1x20' },
          { series: member('redis_connected_slaves', 0), values: '2x20' },
          { series: member('redis_connected_slaves', 1), values: '0x20' },
          { series: member('redis_connected_slaves', 2), values: '0x20' },
        ],
        alert_rule_test: ['RedisNoMasterCache', 'RedisSeveralMastersCache', 'RedisReplicasDisconnectedCache'].map((name) => ({
          eval_time: '15m',
          alertname: name,
          exp_alerts: [],
        })),
      },
      {
        // Two masters (the old one not reconfigured), each with one replica or none.
        interval: '1m',
        input_series: [
          ...up,
          { series: member('redis_instance_info', 0, ',role="master"'), values: '1x20' },
          { series: member('redis_instance_info', 1, ',role="master"'), values: '1x20' },
          { series: member('redis_instance_info', 2, ',role="slave"'), values: '1x20' },
          { series: member('redis_connected_slaves', 0), values: '0x20' },
          { series: member('redis_connected_slaves', 1), values: '1x20' },
          { series: member('redis_connected_slaves', 2), values: '0x20' },
        ],
        alert_rule_test: [
          { eval_time: '1m', alertname: 'RedisSeveralMastersCache', exp_alerts: [] },
          { eval_time: '5m', alertname: 'RedisSeveralMastersCache', exp_alerts: [alert('RedisSeveralMastersCache', 'critical')] },
          // The replicas the masters count (1) are fewer than 2 for longer than 5m.
          { eval_time: '10m', alertname: 'RedisReplicasDisconnectedCache', exp_alerts: [alert('RedisReplicasDisconnectedCache', 'warning')] },
        ],
      },
    ]);
  });
});

describe('promtool test rules: targets from traces and caches', () => {
  // A traced worker, a traced API calling PostgreSQL, and a Redis cache with its exporter, as a chart renders them.
  const { app, chart } = testChart(testEnv('prod'));
  const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
  const workers = new Worker(chart, 'workers', { image: 'registry.stackworks.io/org/workers:1.0.0', resources });
  workers.tracing();
  const credentials = new SystemSecret(chart, 'redis-credentials', { keys: ['redis-password'] });
  new Redis(chart, 'cache', { use: 'cache', storage: '1Gi', credentials, resources, monitoring: { exporter: true } }).noBackup({
    reason: 'a cache, refilled from the database on a miss',
  });
  new SystemAlerts(chart, 'alerts', {
    traceLatencyP95: [
      { alert: 'WorkerJobLatencyHigh', workloads: [workers], spanKind: 'consumer', p95: Duration.millis(500), description: 'queue jobs' },
    ],
    cacheHitRatio: 0.9,
  });
  const rule = synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true, rules: [] }).objects.find((o) => o.object.kind === 'PrometheusRule')!.object;
  const labels = { severity: 'warning', system: 'test', environment: 'prod', namespace: 'test-prod' };

  const testRules = (name: string, tests: unknown[]): void => promtoolTestRules(name, rule, tests);

  /** Span-metrics buckets of one service, as Tempo writes them: `per` spans a minute, cumulative counts per bound. */
  function spans(labels: string, counts: Record<string, number>): Array<{ series: string; values: string }> {
    return Object.entries(counts).map(([le, n]) => ({ series: `traces_spanmetrics_latency_bucket{${labels},le="${le}"}`, values: `0+${n}x30` }));
  }

  test('worker jobs: a p95 above 500 ms fires for the consumer spans of this namespace only', () => {
    const consumer = 'namespace="test-prod",service="workers",span_kind="SPAN_KIND_CONSUMER"';
    testRules('trace-latency', [
      {
        interval: '1m',
        // 80 of 100 jobs within 500 ms, all within 1 s: p95 interpolates to 875 ms.
        input_series: [
          ...spans(consumer, { '0.25': 50, '0.5': 80, '1': 100, '+Inf': 100 }),
          // Slow spans that are not this target's: another namespace, and the workers' own client calls.
          ...spans('namespace="other-prod",service="workers",span_kind="SPAN_KIND_CONSUMER"', { '0.5': 0, '+Inf': 100 }),
          ...spans('namespace="test-prod",service="workers",span_kind="SPAN_KIND_CLIENT"', { '0.5': 0, '+Inf': 100 }),
        ],
        alert_rule_test: [
          { eval_time: '4m', alertname: 'WorkerJobLatencyHigh', exp_alerts: [] },
          {
            eval_time: '15m',
            alertname: 'WorkerJobLatencyHigh',
            exp_alerts: [
              {
                exp_labels: { ...labels, service: 'workers' },
                exp_annotations: {
                  summary: 'p95 of queue jobs (workers) is 875ms',
                  description:
                    'The 95th percentile of queue jobs is above 500 ms over 5m, measured from the sampled traces (Tempo span metrics); open the slow traces in Grafana (Explore, Tempo) to see where the time goes.',
                },
              },
            ],
          },
        ],
      },
      {
        // 90 of 100 within 250 ms, all within 500 ms: p95 is 375 ms, under the target.
        interval: '1m',
        input_series: spans(consumer, { '0.25': 90, '0.5': 100, '1': 100, '+Inf': 100 }),
        alert_rule_test: [{ eval_time: '15m', alertname: 'WorkerJobLatencyHigh', exp_alerts: [] }],
      },
    ]);
  });

  test('cache: a hit ratio under 90 % fires; 95 % and an idle cache do not', () => {
    const cache = 'namespace="test-prod",job="cache",pod="cache-0"';
    const lookups = (hits: number, misses: number, extra = '') => [
      { series: `redis_keyspace_hits_total{${cache}${extra}}`, values: `0+${hits}x30` },
      { series: `redis_keyspace_misses_total{${cache}${extra}}`, values: `0+${misses}x30` },
    ];
    testRules('cache-hit-ratio', [
      {
        interval: '1m',
        input_series: lookups(80, 20),
        alert_rule_test: [
          {
            eval_time: '15m',
            alertname: 'CacheHitRatioLow',
            exp_alerts: [
              {
                exp_labels: { ...labels, job: 'cache' },
                exp_annotations: {
                  summary: 'Cache cache answers 80% of lookups from memory',
                  description:
                    'The hit ratio of cache is under 90 % over 5m: keys expire or are evicted before they are read again (check maxmemory and evictions), or the application reads keys it never wrote.',
                },
              },
            ],
          },
        ],
      },
      { interval: '1m', input_series: lookups(95, 5), alert_rule_test: [{ eval_time: '15m', alertname: 'CacheHitRatioLow', exp_alerts: [] }] },
      { interval: '1m', input_series: lookups(0, 0), alert_rule_test: [{ eval_time: '15m', alertname: 'CacheHitRatioLow', exp_alerts: [] }] },
    ]);
  });
});

describe('promtool test rules: CloudNativePG instances and base backups (ChatNomina prod as synthesized)', () => {
  const app = buildRepositoryApp({ outdir: UNUSED_OUTDIR });
  const rule = synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true, rules: [] }).objects.find(
    (o) => o.object.kind === 'PrometheusRule' && o.folder === 'prod/chatnomina',
  )!.object;
  const labels = { system: 'chatnomina', environment: 'prod', namespace: 'chatnomina-prod' };
  const pod = (n: number) => `namespace="chatnomina-prod",pod="db-${n}"`;

  const testRules = (name: string, tests: unknown[]): void => promtoolTestRules(name, rule, tests);

  test('two of three instances ready fires after `for`; three do not', () => {
    const ready = (n: number, values: string) => ({ series: `kube_pod_status_ready{${pod(n)},condition="true"}`, values });
    testRules('cnpg-instances', [
      {
        interval: '1m',
        input_series: [ready(1, '1x30'), ready(2, '1x30'), ready(3, '1x5 0x25')],
        alert_rule_test: [
          { eval_time: '5m', alertname: 'PostgresInstancesNotReadyDb', exp_alerts: [] },
          {
            eval_time: '20m',
            alertname: 'PostgresInstancesNotReadyDb',
            exp_alerts: [
              {
                exp_labels: { ...labels, severity: 'warning' },
                exp_annotations: {
                  summary: '2 of 3 instance(s) of PostgreSQL cluster db are ready',
                  description:
                    'CloudNativePG cluster db runs fewer ready instances than its 3: it still serves, but without the spare a failover needs. kubectl describe cluster and the instance pods say why (volume, node, replication).',
                },
              },
            ],
          },
        ],
      },
    ]);
  });

  test('a failed base backup after the last good one fires; no good one for longer than a day and an hour fires the stale alert', () => {
    const metric = (m: string, n: number, values: string) => ({ series: `barman_cloud_cloudnative_pg_io_${m}{${pod(n)}}`, values });
    const annotationsOf = (name: string) =>
      rule.spec.groups.flatMap((g: Record<string, any>) => g.rules).find((r: Record<string, any>) => r.alert === name).annotations;
    testRules('cnpg-backups', [
      {
        // Last good backup at t=1000 s, reported by two instances; a failure at t=2000 s from the 10th minute.
        interval: '1m',
        input_series: [
          metric('last_available_backup_timestamp', 1, '1000x40'),
          metric('last_available_backup_timestamp', 2, '1000x40'),
          metric('last_failed_backup_timestamp', 1, '0x9 2000x30'),
        ],
        alert_rule_test: [
          { eval_time: '8m', alertname: 'BaseBackupFailedDb', exp_alerts: [] },
          {
            eval_time: '30m',
            alertname: 'BaseBackupFailedDb',
            exp_alerts: [{ exp_labels: { ...labels, severity: 'critical' }, exp_annotations: annotationsOf('BaseBackupFailedDb') }],
          },
          // The good backup is recent at 30m: not stale.
          { eval_time: '30m', alertname: 'BaseBackupStaleDb', exp_alerts: [] },
        ],
      },
      {
        // The newest good backup is from t=0 and none follows: 24 h is within the daily period plus an hour, 26 h is not.
        interval: '1m',
        input_series: [metric('last_available_backup_timestamp', 1, '0x1600')],
        alert_rule_test: [
          { eval_time: '24h', alertname: 'BaseBackupStaleDb', exp_alerts: [] },
          {
            eval_time: '26h',
            alertname: 'BaseBackupStaleDb',
            exp_alerts: [
              {
                exp_labels: { ...labels, severity: 'critical' },
                exp_annotations: { ...annotationsOf('BaseBackupStaleDb'), summary: 'The newest base backup of db is 1d 2h 0m 0s old' },
              },
            ],
          },
        ],
      },
    ]);
  });
});
