/**
 * One table per class of misuse: several inputs each, through the real constructs; every
 * error names the construct path and the field. (The CLI test shows the same errors
 * through `npm run synth`'s code path; props.test.ts covers wrong types on every prop.)
 */
import { ApiObject, App } from 'cdk8s';
import {
  AcmeIssuer,
  BackupTarget,
  ConnectionEnv,
  DEFAULT_RULES,
  Environment,
  ExistingSecret,
  Probe,
  PublicEndpoint,
  Redis,
  ScheduledTask,
  SystemChart,
  SystemSecret,
  WebService,
  Worker,
} from '../../lib';
import { ENVIRONMENTS } from '../../charts';
import { errorsOf, render, testChart, testEnv, UNUSED_OUTDIR } from '../support/synth';
import { NOT_BACKED_UP_IN_TEST, samplePostgres } from '../support/stores';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const service = { image: 'registry.stackworks.io/org/api:1.0.0', ports: [{ name: 'http', port: 8000 }], readiness: Probe.http('/ready'), resources };
const loose = (props: unknown) => props as never;

/** The errors of one WebService `api` with props merged over a valid base. */
function serviceErrors(props: Record<string, unknown>, env = testEnv('prod')): string[] {
  const { app, chart } = testChart(env);
  new WebService(chart, 'api', loose({ ...service, ...props }));
  return errorsOf(app);
}

describe('generated names are checked against the field they land in', () => {
  test.each(['Db_Password', 'DB', 'db_password', 'db.', '-db', 'a'.repeat(254)])('SystemSecret id %s', (id) => {
    const { app, chart } = testChart();
    new SystemSecret(chart, id, { keys: ['password'] });
    expect(errorsOf(app)).toEqual([expect.stringMatching(new RegExp(`^\\[test-prod/${id}\\] id: '${id}' must`))]);
  });

  test.each(['Api_Keys', 'api keys', 'API'])('SystemSecret secretName %s', (secretName) => {
    const { app, chart } = testChart();
    new SystemSecret(chart, 'secret', { keys: ['password'], secretName });
    expect(errorsOf(app)).toEqual([
      `[test-prod/secret] secretName: '${secretName}' must consist of lower case alphanumeric characters, "-" or ".", and start and end with an alphanumeric character (it names the Secret)`,
    ]);
  });

  // A valid host of 250 characters (labels of at most 63) gives a TLS Secret name over 253.
  const label = 'a'.repeat(61);
  test.each([
    [`${label}.${label}.${label}.${label}.io`, 'public'],
    [`${label}.${label}.${label}.${'b'.repeat(50)}.example.com`, 'public'],
    [`${label}.${label}.${label}.${'c'.repeat(58)}.io`, 'a-longer-endpoint-name'],
  ])('a TLS Secret name derived from host %#', (host, id) => {
    const { app, chart } = testChart();
    const api = new WebService(chart, 'api', service);
    new PublicEndpoint(chart, id, { host, backend: api, tls: { issuer: new AcmeIssuer(chart, 'le', { email: 'ops@loopi.com' }) } });
    const secretName = `${id}-${host.replace(/\./g, '-')}-tls`;
    expect(errorsOf(app)).toEqual([
      `[test-prod/${id}] host: '${host}' gives the TLS Secret name '${secretName}', which must be at most 253 characters (is ${secretName.length}); use a shorter host or endpoint id`,
    ]);
  });
});

describe('every object name in dist is checked, whoever chose it (backstop at render)', () => {
  test.each([
    ['ConfigMap', 'Bad_Name', 'must consist of lower case alphanumeric characters, "-" or "."'],
    ['Secret', 'x'.repeat(254), 'must be at most 253 characters (is 254)'],
    ['Service', 's'.repeat(64), 'must be at most 63 characters (is 64)'],
    ['Service', 'api.v1', 'must consist of lower case alphanumeric characters or "-"'],
    ['CronJob', 'c'.repeat(53), 'must be at most 52 characters (is 53)'],
  ])('%s named %s', (kind, name, reason) => {
    const { app, chart } = testChart();
    new ApiObject(chart, 'raw', { apiVersion: kind === 'CronJob' ? 'batch/v1' : 'v1', kind, metadata: { name } });
    expect(errorsOf(app)).toEqual([expect.stringContaining(`[test-prod/raw] metadata.name: ${kind} name '${name}' ${reason}`)]);
  });

  test('a name its construct already refused is reported once', () => {
    const { app, chart } = testChart();
    new SystemSecret(chart, 'Db_Password', { keys: ['password'] });
    expect(errorsOf(app)).toHaveLength(1);
  });
});

describe('memory and storage in milli-units are refused', () => {
  test.each([
    [{ resources: { ...resources, limits: { cpu: '1', memory: '512m' } } }, "resources.limits.memory: '512m' is in milli-units"],
    [{ resources: { ...resources, requests: { cpu: '1', memory: '100m' } } }, "resources.requests.memory: '100m' is in milli-units"],
    [
      { resources: { requests: { ...resources.requests, ephemeralStorage: '64m' }, limits: resources.limits } },
      "resources.requests.ephemeralStorage: '64m' is in milli-units",
    ],
    [{ resources: { ...resources, limits: { cpu: '1', memory: '1.5' } } }, "resources.limits.memory: '1.5' is not a whole number of bytes"],
  ])('%j', (props, message) => {
    expect(serviceErrors(props)).toEqual(expect.arrayContaining([expect.stringContaining(`[test-prod/api] ${message}`)]));
  });

  test.each(['500m', '1500m', '0.5m'])('store storage %s', (storage) => {
    const { app, chart } = testChart();
    new Redis(chart, 'cache', {
      use: 'cache',
      storage,
      resources,
      credentials: new SystemSecret(chart, 'redis', { keys: ['redis-password'] }),
    }).noBackup(NOT_BACKED_UP_IN_TEST);
    expect(errorsOf(app)).toEqual([expect.stringMatching(new RegExp(`^\\[test-prod/cache\\] storage: '${storage}' is in milli-units`))]);
  });

  test.each(['200m', '2000m'])('backup volume size %s', (size) => {
    const { app, chart } = testChart();
    const db = samplePostgres(chart, resources);
    db.backup({ target: BackupTarget.volume({ size }) });
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(new RegExp(`^\\[test-prod/db-backup\\] target\\.volume\\.size: '${size}' is in milli-units`)),
    ]);
  });
});

test.each([
  ['org/api:v1!', "tag 'v1!' must be"],
  ['org/api:-rc1', "tag '-rc1' must be"],
  ['org/api:.hidden', "tag '.hidden' must be"],
  ['org/api:1.0+build', "tag '1.0+build' must be"],
  ['org/api:' + 'x'.repeat(129), 'must be 1-128'],
  ['org//api:1.0.0', "repository component '' must be"],
  ['ex_ample.com/api:1.0.0', "registry 'ex_ample.com' is not a valid host[:port]"],
])('image reference %s is refused with the reason', (image, reason) => {
  expect(serviceErrors({ image })).toEqual([expect.stringContaining(`[test-prod/api] image: '${image}' `)]);
  expect(serviceErrors({ image })[0]).toContain(reason);
});

describe('values must have the type and case Kubernetes expects', () => {
  test.each([
    [{ PORT: 8000 }, 'config.PORT: must be a string (is number)'],
    [{ DEBUG: true }, 'config.DEBUG: must be a string (is boolean)'],
    [{ LIMITS: null }, 'config.LIMITS: must be a string (is null)'],
    [{ NESTED: { a: 1 } }, 'config.NESTED: must be a string (is object)'],
  ])('ConfigMap data %j', (config, message) => {
    expect(serviceErrors({ config })).toEqual([
      `[test-prod/api] ${message}; ConfigMap data holds strings only, e.g. '${String(Object.values(config)[0])}'`,
    ]);
  });

  test.each(['tcp', 'Tcp', 'udp', 'SCTP', 'HTTP'])('port protocol %s', (protocol) => {
    expect(serviceErrors({ ports: [{ name: 'http', port: 8000, protocol }] })).toEqual([
      `[test-prod/api] ports[0].protocol: '${protocol}' must be one of TCP, UDP (upper case)`,
    ]);
  });

  test.each([
    [null, 'env.X: must be a string, number, boolean, fromSecret(...) or fromField(...) (is null)'],
    [[1], 'env.X: must be a string, number, boolean, fromSecret(...) or fromField(...) (is an array)'],
    [{ other: 1 }, 'env.X: must be a string, number, boolean, fromSecret(...) or fromField(...) (is object)'],
    [Infinity, 'env.X: Infinity is not a finite number'],
  ])('env value %p', (value, message) => {
    expect(serviceErrors({ env: { X: value } })).toEqual([`[test-prod/api] ${message}`]);
  });
});

describe('a variable set in two places is an error', () => {
  test.each(['MODE', 'LOG_LEVEL', 'PORT'])('config and env both set %s', (name) => {
    expect(serviceErrors({ config: { [name]: 'a' }, env: { [name]: 'b' } })).toEqual([
      `[test-prod/api] config.${name}: is also set by env, which overrides the ConfigMap value; set '${name}' in one place`,
    ]);
  });

  test.each(['DB_HOST', 'DB_PASSWORD', 'DB_PORT'])('config and a connection both set %s', (name) => {
    const { app, chart } = testChart();
    const db = samplePostgres(chart, resources).noBackup(NOT_BACKED_UP_IN_TEST);
    const api = new WebService(chart, 'api', { ...service, config: { [name]: 'x' } });
    api.connect(db, {
      env: ConnectionEnv.discrete({ host: 'DB_HOST', port: 'DB_PORT', database: 'DB_NAME', user: 'DB_USER', password: 'DB_PASSWORD' }),
    });
    expect(errorsOf(app)).toEqual([
      `[test-prod/api] config.${name}: is also set by a connection, which overrides the ConfigMap value; set '${name}' in one place`,
    ]);
  });

  test.each(['API_KEY', 'TOKEN'])('config and envFromSecrets both set %s', (name) => {
    const secret = ExistingSecret.named('api-secrets', [name]);
    expect(serviceErrors({ config: { [name]: 'x' }, envFromSecrets: [secret] })).toEqual([
      `[test-prod/api] config.${name}: is also a key of existing Secret 'api-secrets' (envFromSecrets); set '${name}' in one place`,
    ]);
  });
});

describe('schedules that never fire', () => {
  test.each(['0 0 31 2 *', '0 0 30 2 *', '0 0 31 4,6,9,11 *'])('ScheduledTask %s', (schedule) => {
    const { app, chart } = testChart();
    new ScheduledTask(chart, 'report', { image: 'registry.stackworks.io/org/report:1.0.0', resources, schedule });
    expect(errorsOf(app)).toEqual([`[test-prod/report] schedule: '${schedule}' never fires (no date matches its day, month and weekday fields)`]);
  });

  test.each(['0 0 31 2 *', '0 3 30 2 *'])('a backup with alerts on names the backup and its schedule (%s)', (schedule) => {
    const { app, chart } = testChart();
    const db = samplePostgres(chart, resources);
    db.backup({ target: BackupTarget.volume({ size: '20Gi' }), schedule });
    const errors = errorsOf(app);
    expect(errors).toEqual([`[test-prod/db-backup] schedule: '${schedule}' never fires (no date matches its day, month and weekday fields)`]);
    expect(errors.join('\n')).not.toContain('watchCronJob');
  });
});

test.each(['qa', 'test', 'production', 'PROD'])('environment name %s is refused at the chart', (name) => {
  const app = new App({ outdir: UNUSED_OUTDIR });
  new SystemChart(app, { system: 'shop', environment: new Environment({ ...ENVIRONMENTS.prod, name: name as never }) });
  const errors = errorsOf(app);
  expect(errors).toContain(`[shop-${name}] environment.name: '${name}' must be one of dev, staging, prod (each has its own presets and dist folder)`);
});

describe('warnings', () => {
  function warningsOf(build: (chart: SystemChart) => void, env = testEnv('prod')): string[] {
    const { app, chart } = testChart(env);
    build(chart);
    return render(app).warnings.map((w) => `[${w.path}] ${w.message}`);
  }

  test.each([
    [
      'WebService replicas 1',
      (c: SystemChart) => new WebService(c, 'api', { ...service, replicas: 1 }),
      '[test-prod/api] replicas: runs a single pod in prod',
    ],
    [
      'Worker replicas 1',
      (c: SystemChart) => new Worker(c, 'jobs', { image: 'registry.stackworks.io/org/jobs:1.0.0', resources, replicas: 1 }),
      '[test-prod/jobs] replicas: runs a single pod in prod',
    ],
    [
      'an HPA with max 1',
      (c: SystemChart) => new WebService(c, 'api', service).autoscale({ min: 1, max: 1 }),
      '[test-prod/api] autoscale().max: runs a single pod in prod',
    ],
    [
      'cpuPercent 150',
      (c: SystemChart) => new WebService(c, 'api', service).autoscale({ min: 2, max: 4, cpuPercent: 150 }),
      '[test-prod/api/autoscaler] cpuPercent: 150 % of the cpu request',
    ],
    [
      'cpuPercent 101',
      (c: SystemChart) => new WebService(c, 'api', service).autoscale({ min: 2, max: 4, cpuPercent: 101 }),
      '[test-prod/api/autoscaler] cpuPercent: 101 % of the cpu request',
    ],
  ])('%s', (_, build, warning) => {
    expect(warningsOf(build)).toEqual([expect.stringContaining(warning)]);
  });

  test.each([
    ['replicas 1 in dev', (c: SystemChart) => new WebService(c, 'api', { ...service, replicas: 1 })],
    ['cpuPercent 100', (c: SystemChart) => new WebService(c, 'api', service).autoscale({ min: 2, max: 4, cpuPercent: 100 })],
  ])('no warning: %s', (_, build) => {
    expect(warningsOf(build, testEnv('dev'))).toEqual([]);
  });
});

describe('missing amounts, repeated ids and repeated calls are collected errors, not exceptions', () => {
  test.each([
    [{ requests: { cpu: '100m', memory: '128Mi' } }, 'resources.limits: is required'],
    [{ limits: { cpu: '1', memory: '1Gi' } }, 'resources.requests: is required'],
    [{ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '1Gi' } }, 'resources.limits.cpu: is required'],
    [{ requests: { memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi' } }, 'resources.requests.cpu: is required'],
  ])('resources %j', (res, message) => {
    const errors = serviceErrors({ resources: res });
    expect(errors).toContainEqual(expect.stringContaining(`[test-prod/api] ${message}`));
    expect(errors.filter((e) => !e.startsWith('[test-prod/api] '))).toEqual([]);
  });

  test.each([2, 3])('%p constructs with the same id', (count) => {
    const { app, chart } = testChart();
    for (let i = 0; i < count; i++) new WebService(chart, 'api', service);
    const errors = errorsOf(app);
    expect(errors.filter((e) => e.includes("id: 'api' is already used by test-prod/api"))).toHaveLength(count - 1);
  });

  test.each([2, 3])('the same system %p times in one environment', (count) => {
    const app = new App({ outdir: UNUSED_OUTDIR });
    for (let i = 0; i < count; i++) new SystemChart(app, { system: 'shop', environment: testEnv('prod') });
    expect(errorsOf(app).filter((e) => e.includes("system: 'shop' is defined twice in environment 'prod'"))).toHaveLength(count - 1);
  });

  test.each([
    ['autoscale', (api: WebService) => [api.autoscale({ min: 2, max: 3 }), api.autoscale({ min: 2, max: 5 })]],
    ['autoscaleVertically', (api: WebService) => [api.autoscaleVertically(), api.autoscaleVertically({ mode: 'Off' })]],
    ['allowApiAccess', (api: WebService) => [0, 1].map(() => api.allowApiAccess([{ apiGroup: '', resource: 'configmaps', verbs: ['list'] }]))],
  ])('%s() called twice', (method, call) => {
    const { app, chart } = testChart();
    const api = new WebService(chart, 'api', service);
    expect(() => call(api)).not.toThrow();
    expect(errorsOf(app)).toEqual([
      `[test-prod/api] ${method}(): was called more than once; call it once with everything it needs (later calls are ignored)`,
    ]);
  });
});

describe('an error is reported once, not again by the policy rule', () => {
  test.each([
    ['no readiness probe', { readiness: undefined }, 'readiness: a web service must have a readiness probe'],
    ['an unpinned image', { image: 'registry.stackworks.io/org/api:latest' }, "image: 'registry.stackworks.io/org/api:latest' is not pinned"],
    ['an untagged image', { image: 'registry.stackworks.io/org/api' }, "image: 'registry.stackworks.io/org/api' is not pinned"],
    ['no limits', { resources: { requests: resources.requests } }, 'resources.limits: is required'],
  ])('%s', (_, props, message) => {
    const { app, chart } = testChart();
    new WebService(chart, 'api', loose({ ...service, ...props }));
    const errors = errorsOf(app, DEFAULT_RULES);
    expect(errors.filter((e) => e.includes(message))).toHaveLength(1);
    expect(errors.filter((e) => e.includes('policy '))).toEqual([]);
  });
});
