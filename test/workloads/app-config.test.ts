import * as fs from 'fs';
import { App } from 'cdk8s';
import { AppConfig, fromSecret, Probe, synthesize, SystemSecret, WebService, Worker } from '../../lib';
import { referencesResolve } from '../../lib/policy/rules/secrets';
import { errorsOf, objectOf, objectsOf, render, testChart, testEnv, tmpdir, UNUSED_OUTDIR } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const web = { image: 'registry.stackworks.io/org/app:1.0.0', ports: [{ name: 'http', port: 8080 }], readiness: Probe.http('/ready'), resources };

describe('one config shared by several workloads, with files mounted', () => {
  const { app, chart } = testChart();
  const api = new WebService(chart, 'api', web);
  const worker = new Worker(chart, 'worker', { image: 'registry.stackworks.io/org/app:1.0.0', resources });
  const common = new AppConfig(chart, 'common', {
    env: { LOG_LEVEL: 'info', APP_MODE: 'server' },
    files: { '/etc/app/config.yaml': 'log_level: info\n', '/etc/app/routes.json': '{}\n' },
  });
  common.useIn(api);
  common.useIn(worker);

  test('synthesizes without errors', () => {
    expect(errorsOf(app, [referencesResolve])).toEqual([]);
  });

  test('one ConfigMap, not one copy per workload', () => {
    expect(objectsOf(app, 'ConfigMap').map((c) => c.metadata.name)).toEqual(['common']);
    expect(objectOf(app, 'ConfigMap', 'common').data).toEqual({
      APP_MODE: 'server',
      LOG_LEVEL: 'info',
      'etc_app_config.yaml': 'log_level: info\n',
      'etc_app_routes.json': '{}\n',
    });
  });

  test.each(['Deployment api', 'Deployment worker'])('%s reads the variables and mounts each file read-only at its path', (name) => {
    const [kind, objectName] = name.split(' ');
    const pod = objectOf(app, kind, objectName).spec.template.spec;
    const c = pod.containers[0];
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'common' } }]);
    expect(c.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'cfg-common', mountPath: '/etc/app/config.yaml', subPath: 'etc_app_config.yaml', readOnly: true },
        { name: 'cfg-common', mountPath: '/etc/app/routes.json', subPath: 'etc_app_routes.json', readOnly: true },
      ]),
    );
    expect(pod.volumes).toContainEqual({
      name: 'cfg-common',
      configMap: {
        name: 'common',
        items: [
          { key: 'etc_app_config.yaml', path: 'etc_app_config.yaml' },
          { key: 'etc_app_routes.json', path: 'etc_app_routes.json' },
        ],
      },
    });
  });

  test('a change of a file rolls the pods of every workload using it', () => {
    const checksum = (content: string) => {
      const { app: a, chart: c } = testChart();
      const w = new Worker(c, 'worker', { image: 'registry.stackworks.io/org/app:1.0.0', resources });
      new AppConfig(c, 'common', { files: { '/etc/app/config.yaml': content } }).useIn(w);
      return objectOf(a, 'Deployment', 'worker').spec.template.metadata.annotations['checksum/config-common'];
    };
    expect(checksum('a: 1\n')).toMatch(/^[0-9a-f]{16}$/);
    expect(checksum('a: 1\n')).not.toBe(checksum('a: 2\n'));
  });
});

describe('config refusals name the field and say what to do', () => {
  function errors(build: (app: App, chart: ReturnType<typeof testChart>['chart']) => void): string[] {
    const { app, chart } = testChart();
    build(app, chart);
    return errorsOf(app);
  }

  test('a variable of a shared config also set by env is an error on the workload (env would win, the shared value be dead)', () => {
    const found = errors((_, chart) => {
      const api = new WebService(chart, 'api', { ...web, env: { LOG_LEVEL: 'debug' } });
      new AppConfig(chart, 'common', { env: { LOG_LEVEL: 'info' } }).useIn(api);
    });
    expect(found).toEqual([
      "[test-prod/api] useConfig(common).LOG_LEVEL: is set by AppConfig test-prod/common and by env, which overrides the shared value; set 'LOG_LEVEL' in one place",
    ]);
  });

  test("a variable set by the workload's own config and a shared config is an error", () => {
    const found = errors((_, chart) => {
      const api = new WebService(chart, 'api', { ...web, config: { MODE: 'a' } });
      new AppConfig(chart, 'common', { env: { MODE: 'b' } }).useIn(api);
    });
    expect(found).toEqual([
      "[test-prod/api] useConfig(common).MODE: is set by AppConfig test-prod/common and by config; only one value is read, set 'MODE' in one place",
    ]);
  });

  test.each([
    ['a relative file path', { files: { 'etc/app.yaml': 'x' } }, 'files.etc/app.yaml', /must be an absolute file path/],
    ['a path with ..', { files: { '/etc/../app.yaml': 'x' } }, 'files./etc/../app.yaml', /without '.' or '..' segments/],
    [
      'file content that is not a string',
      { files: { '/etc/a.yaml': 3 } },
      'files./etc/a.yaml',
      /must be the file's content as a string \(is number\)/,
    ],
    [
      'two paths on one key',
      { files: { '/etc/a_b': 'x', '/etc/a/b': 'y' } },
      'files./etc/a/b',
      /maps to the same ConfigMap key 'etc_a_b' as '\/etc\/a_b'; rename one of the files/,
    ],
    ['a bad variable name', { env: { 'log.level': 'x' } }, 'env.log.level', /not a valid environment variable name/],
    ['a non-string value', { env: { PORT: 8080 } }, 'env.PORT', /must be a string \(is number\)/],
    ['nothing at all', {}, 'props', /set env or files/],
    ['a file over 1 MiB', { files: { '/etc/big': 'x'.repeat(1024 * 1024 + 1) } }, 'files', /a ConfigMap holds at most 1 MiB/],
  ])('%s', (_name, props, field, message) => {
    const found = errors((_, chart) =>
      new AppConfig(chart, 'common', props as never).useIn(new Worker(chart, 'w', { image: 'registry.stackworks.io/org/app:1.0.0', resources })),
    );
    expect(found.filter((e) => e.startsWith(`[test-prod/common] ${field}: `))).toEqual([expect.stringMatching(message)]);
  });

  test('a file path that is also a writable path is refused', () => {
    const found = errors((_, chart) => {
      const w = new Worker(chart, 'w', { image: 'registry.stackworks.io/org/app:1.0.0', resources, writablePaths: ['/etc/app.yaml'] });
      new AppConfig(chart, 'common', { files: { '/etc/app.yaml': 'x' } }).useIn(w);
    });
    expect(found).toEqual([expect.stringMatching(/^\[test-prod\/common\] files\.\/etc\/app\.yaml: is mounted more than once in test-prod\/w/)]);
  });
});

describe('a Secret whose values people provide (a VAPID key pair)', () => {
  const provided = { by: 'the notifications team', how: 'npx web-push generate-vapid-keys (the public and private key of one pair)' };
  function build(env: 'dev' | 'prod'): App {
    const { app, chart } = testChart(testEnv(env));
    const vapid = new SystemSecret(chart, 'vapid-keys', { keys: ['VAPID_PRIVATE_KEY', 'VAPID_PUBLIC_KEY'], provided });
    new WebService(chart, 'api', {
      ...web,
      env: { VAPID_PUBLIC_KEY: fromSecret(vapid, 'VAPID_PUBLIC_KEY'), VAPID_PRIVATE_KEY: fromSecret(vapid, 'VAPID_PRIVATE_KEY') },
    });
    return app;
  }

  test('dev generates nothing for it (no random key pair); the reference check is waived with who creates it', () => {
    const app = build('dev');
    expect(errorsOf(app, [referencesResolve])).toEqual([]);
    const objects = render(app, [referencesResolve]);
    expect(objects.objects.filter((o) => ['Password', 'ExternalSecret'].includes(o.object.kind)).map((o) => o.object.metadata.name)).toEqual([]);
    expect(objects.waivers).toEqual([
      expect.objectContaining({
        rule: 'references-resolve',
        reason: "Secret 'vapid-keys' is provided by the notifications team and created by hand (see the README)",
      }),
    ]);
  });

  test('prod reads it from the secret store like any other', () => {
    const app = build('prod');
    expect(objectOf(app, 'ExternalSecret', 'vapid-keys').spec.data.map((d: any) => d.remoteRef)).toEqual([
      { key: 'test/prod/vapid-keys', property: 'VAPID_PRIVATE_KEY' },
      { key: 'test/prod/vapid-keys', property: 'VAPID_PUBLIC_KEY' },
    ]);
  });

  test.each([
    [
      'dev',
      /kubectl -n test-dev create secret generic vapid-keys --from-literal=VAPID_PRIVATE_KEY="\$VAPID_PRIVATE_KEY" --from-literal=VAPID_PUBLIC_KEY="\$VAPID_PUBLIC_KEY"/,
    ],
    ['prod', /The secret store's entry `test\/prod\/vapid-keys` holds them, one property per key/],
  ] as const)('the %s README says who provides it and how', (env, how) => {
    const out = tmpdir(`provided-${env}`);
    synthesize(build(env), { outdir: out, rules: [referencesResolve] });
    const readme = fs.readFileSync(`${out}/${env}/test/README.md`, 'utf8');
    expect(readme).toContain('## Secrets provided by people');
    expect(readme).toContain(
      '- `vapid-keys` (keys: VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY): provided by the notifications team. How: npx web-push generate-vapid-keys (the public and private key of one pair).',
    );
    expect(readme).toMatch(how);
  });

  test.each([
    ['without who', { how: 'x' }, 'provided.by', /is required: who provides the values/],
    ['without how', { by: 'x' }, 'provided.how', /is required: how they are made/],
  ])('%s is refused', (_name, given, field, message) => {
    const { app, chart } = testChart(testEnv('dev'));
    new SystemSecret(chart, 'vapid-keys', { keys: ['K'], provided: given as never });
    expect(errorsOf(app).filter((e) => e.startsWith(`[test-dev/vapid-keys] ${field}: `))).toEqual([expect.stringMatching(message)]);
  });

  test('generatedLength on a provided Secret is refused', () => {
    const { app, chart } = testChart(testEnv('dev'));
    new SystemSecret(chart, 'vapid-keys', { keys: ['K'], provided, generatedLength: 64 });
    expect(errorsOf(app)).toEqual([expect.stringMatching(/^\[test-dev\/vapid-keys\] generatedLength: has no effect on a provided Secret/)]);
  });

  test('synthesize() in dev needs no secret store', () => {
    expect(() => synthesize(build('dev'), { outdir: UNUSED_OUTDIR, dryRun: true })).not.toThrow();
  });
});
