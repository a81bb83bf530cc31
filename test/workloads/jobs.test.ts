import { Duration, MigrationJob, Probe, ScheduledTask, WebService, Worker } from '../../lib';
import { checkCronSchedule } from '../../lib/core/cron';
import { errorIdsOf, errorsOf, objectOf, objectsOf, testChart } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

describe('MigrationJob', () => {
  const { app, chart } = testChart();
  const backend = new WebService(chart, 'backend', {
    image: 'registry.stackworks.io/org/backend:2.0.0',
    ports: [{ name: 'http', port: 8000 }],
    readiness: Probe.http('/ready'),
    resources,
    env: { DB: 'x' },
  });
  const migrate = new MigrationJob(chart, 'prestart', {
    image: 'registry.stackworks.io/org/backend:2.0.0',
    command: ['bash', 'scripts/prestart.sh'],
    readyCheck: "alembic current | grep -q '(head)'",
    resources,
  });
  migrate.gate(backend);
  const job = objectsOf(app, 'Job')[0];

  test('is an Argo CD Sync hook in the wave between data (40) and apps (60), re-created on each sync', () => {
    expect(job.metadata.annotations).toMatchObject({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      'argocd.argoproj.io/sync-wave': '50',
    });
  });

  test('has a content-hashed name, retry and time limits and a TTL', () => {
    expect(job.metadata.name).toMatch(/^prestart-[0-9a-f]{8}$/);
    expect(job.metadata.name).toBe(migrate.jobName);
    expect(job.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 900, ttlSecondsAfterFinished: 86400 });
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.template.spec.containers[0].command).toEqual(['bash', 'scripts/prestart.sh']);
  });

  test('gates the backend with an init container that waits for the schema, with the same image and env', () => {
    const init = objectOf(app, 'Deployment', 'backend').spec.template.spec.initContainers;
    expect(init).toHaveLength(1);
    expect(init[0].name).toBe('wait-for-migration');
    // The profile's registry qualifies the application image, init containers included.
    expect(init[0].image).toBe('registry.stackworks.io/org/backend:2.0.0');
    expect(init[0].command).toEqual(['sh', '-c', expect.stringContaining("until alembic current | grep -q '(head)'; do")]);
    expect(init[0].env).toEqual([{ name: 'DB', value: 'x' }]);
    expect(init[0].securityContext.runAsNonRoot).toBe(true);
  });

  test.each([
    ['default /tmp only', undefined, [{ name: 'tmp', mountPath: '/tmp' }]],
    [
      'declared writable paths',
      ['/app/cache', '/var/log/app'],
      [
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'w-app-cache', mountPath: '/app/cache' },
        { name: 'w-var-log-app', mountPath: '/var/log/app' },
      ],
    ],
  ])('the gate inherits the workload writable paths (%s) and its resources', (_, writablePaths, mounts) => {
    const { app: a, chart: c } = testChart();
    const bootResources = { requests: { cpu: '250m', memory: '384Mi' }, limits: { cpu: '1', memory: '768Mi' } };
    const api = new WebService(c, 'api', {
      image: 'registry.stackworks.io/org/api:1.0.0',
      ports: [{ name: 'http', port: 8000 }],
      readiness: Probe.http('/ready'),
      resources: bootResources,
      writablePaths,
    });
    new MigrationJob(c, 'migrate', { image: 'registry.stackworks.io/org/api:1.0.0', command: ['migrate'], readyCheck: 'check', resources }).gate(api);
    const init = objectOf(a, 'Deployment', 'api').spec.template.spec.initContainers[0];
    expect(init.volumeMounts).toEqual(mounts);
    expect(init.resources).toEqual({
      requests: { cpu: '250m', memory: '384Mi', 'ephemeral-storage': '64Mi' },
      limits: { cpu: '1', memory: '768Mi', 'ephemeral-storage': '1Gi' },
    });
    expect(errorsOf(a)).toEqual([]);
  });

  test('a new image gives a new Job name', () => {
    const { app: other, chart: c } = testChart();
    new MigrationJob(c, 'prestart', {
      image: 'registry.stackworks.io/org/backend:2.0.1',
      command: ['bash', 'scripts/prestart.sh'],
      readyCheck: 'true',
      resources,
    });
    expect(objectsOf(other, 'Job')[0].metadata.name).not.toBe(job.metadata.name);
  });

  test('bad input', () => {
    const { app: bad, chart: c } = testChart();
    new MigrationJob(c, 'm', {
      image: 'registry.stackworks.io/x:1',
      command: [],
      readyCheck: ' ',
      resources,
      backoffLimit: -1,
      activeDeadline: 900 as never,
      ttlAfterFinished: '1d' as never,
    });
    expect(errorsOf(bad)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\[test-prod\/m\] command: must not be empty/),
        expect.stringMatching(/\[test-prod\/m\] readyCheck: must be a shell command/),
        expect.stringMatching(/\[test-prod\/m\] activeDeadline: must be a Duration such as Duration\.minutes\(15\) \(is number 900\)/),
        expect.stringMatching(/\[test-prod\/m\] ttlAfterFinished: '1d' is a string: give a Duration, Duration\.days\(1\)/),
        expect.stringMatching(/\[test-prod\/m\] backoffLimit: -1 must be a whole number of at least 0/),
      ]),
    );
  });
});

describe('ScheduledTask', () => {
  test('a CronJob that never overlaps, with deadlines, history limits and a time zone', () => {
    const { app, chart } = testChart();
    new ScheduledTask(chart, 'report', {
      image: 'registry.stackworks.io/org/report:1.0.0',
      command: ['report'],
      schedule: '0 2 * * *',
      timeZone: 'Europe/Madrid',
      resources,
    });
    const cron = objectOf(app, 'CronJob', 'report');
    expect(cron.spec).toMatchObject({
      schedule: '0 2 * * *',
      timeZone: 'Europe/Madrid',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    expect(cron.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 3600 });
    expect(cron.spec.jobTemplate.spec.template.spec.restartPolicy).toBe('Never');
    expect(cron.spec.jobTemplate.spec.template.metadata.labels['app.kubernetes.io/part-of']).toBe('test');
  });

  test('deadlines are Durations, rendered as whole seconds; a too short starting deadline is refused', () => {
    const { app, chart } = testChart();
    new ScheduledTask(chart, 'ok', {
      image: 'registry.stackworks.io/x:1',
      schedule: '@daily',
      resources,
      startingDeadline: Duration.minutes(10),
      activeDeadline: Duration.hours(2),
    });
    const cron = objectOf(app, 'CronJob', 'ok');
    expect(cron.spec.startingDeadlineSeconds).toBe(600);
    expect(cron.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(7200);
    new ScheduledTask(chart, 'short', { image: 'registry.stackworks.io/x:1', schedule: '@daily', resources, startingDeadline: Duration.seconds(5) });
    expect(errorsOf(app)).toEqual([expect.stringMatching(/\[test-prod\/short\] startingDeadline: 5s is shorter than the minimum of 10s/)]);
    expect(errorIdsOf(app)).toEqual(['[test-prod/short] scheduled-task.starting-deadline']);
  });

  test('an invalid schedule or time zone is an error naming the field', () => {
    const { app, chart } = testChart();
    new ScheduledTask(chart, 'a', { image: 'registry.stackworks.io/x:1', schedule: '0 25 * * *', resources });
    new ScheduledTask(chart, 'b', { image: 'registry.stackworks.io/x:1', schedule: 'daily', timeZone: 'Mars/Olympus', resources });
    expect(errorsOf(app)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\[test-prod\/a\] schedule: '0 25 \* \* \*': hour '25' must be within 0-23/),
        expect.stringMatching(/\[test-prod\/b\] schedule: 'daily' must have 5 fields/),
        expect.stringMatching(/\[test-prod\/b\] timeZone: 'Mars\/Olympus' is not an IANA time zone name/),
      ]),
    );
  });
});

describe('cron schedules', () => {
  test.each(['0 2 * * *', '*/15 * * * *', '0 0 1 jan,jul *', '30 3 * * mon-fri', '@daily', '0 0-23/2 * * 0,6'])('%s is valid', (s) => {
    expect(checkCronSchedule(s)).toBeUndefined();
  });
  test.each([
    '',
    '* * * *',
    '60 * * * *',
    '* * 0 * *',
    '* * * 13 *',
    '5-1 * * * *',
    '*/0 * * * *',
    '@sometimes',
    'CRON_TZ=UTC 0 * * * *',
    '0 0 * * 7',
    '0 0 31 2 *',
  ])('%s is invalid', (s) => {
    expect(checkCronSchedule(s)).toBeDefined();
  });
});

describe('Worker', () => {
  test('a Deployment without a Service, with an exec liveness probe and a long grace period', () => {
    const { app, chart } = testChart();
    new Worker(chart, 'celery', {
      image: 'registry.stackworks.io/org/backend:2.0.0',
      command: ['celery', '-A', 'app', 'worker'],
      liveness: Probe.exec(['celery', 'inspect', 'ping']),
      resources,
    });
    const deployment = objectOf(app, 'Deployment', 'celery');
    expect(objectsOf(app, 'Service')).toEqual([]);
    expect(deployment.spec.template.spec.containers[0].livenessProbe.exec.command).toEqual(['celery', 'inspect', 'ping']);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
    expect(deployment.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
  });

  test('its shutdown grace is a Duration of at least a second', () => {
    const { app, chart } = testChart();
    const props = { image: 'registry.stackworks.io/org/backend:2.0.0', liveness: Probe.exec(['true']), resources };
    new Worker(chart, 'long', { ...props, shutdownGrace: Duration.minutes(5) });
    expect(objectOf(app, 'Deployment', 'long').spec.template.spec.terminationGracePeriodSeconds).toBe(300);
    new Worker(chart, 'bad', { ...props, shutdownGrace: 60 as never });
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(/\[test-prod\/bad\] shutdownGrace: must be a Duration such as Duration\.seconds\(60\) \(is number 60\)/),
    ]);
    expect(errorIdsOf(app)).toEqual(['[test-prod/bad] worker.shutdown-grace']);
  });
});
