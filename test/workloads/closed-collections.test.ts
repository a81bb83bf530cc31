/**
 * A Workload's collections are closed: read as copies, changed only through checked verbs
 * (addInitContainer, addSidecar, addVolume, exposeMetrics, connect; on the container addEnv,
 * addEnvFrom, mount, addPort), whose bad input is a synth error on the construct and field.
 */
import { ContainerModel, Probe, WebService } from '../../lib';
import { errorsOf, objectOf, testChart } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const image = 'registry.stackworks.io/org/api:1.0.0';
const web = (chart: any) =>
  new WebService(chart, 'api', { image, ports: [{ name: 'http', port: 8080 }], readiness: Probe.http('/ready'), resources });
const helper = (name: string) => new ContainerModel(name, { image: 'registry.stackworks.io/org/helper:1.0.0' }, resources);

describe('closed collections: what is read is a copy', () => {
  test('changing a returned array or map changes nothing in the workload or its manifest', () => {
    const { app, chart } = testChart();
    const api = web(chart);
    api.addSidecar(helper('agent'));
    api.exposeMetrics({ port: 'http' });
    (api.sidecars as ContainerModel[]).push(helper('sneaky'));
    (api.initContainers as ContainerModel[]).push(helper('sneaky-init'));
    (api.metricsEndpoints as any[]).length = 0;
    (api.storeConnections as any[]).push({});
    (api.container.mounts as any[]).push({ name: 'x', mountPath: '/x' });
    (api.container.env as Map<string, string>).set('SNEAKY', '1');
    (api.container.envFrom as any[]).push({ kind: 'secret', name: 'x' });
    (api.container.ports as any[]).push({ name: 'x', port: 1 });
    expect(api.sidecars.map((c) => c.name)).toEqual(['agent']);
    expect(api.initContainers).toEqual([]);
    expect(api.metricsEndpoints).toEqual([{ port: 'http' }]);
    expect(api.storeConnections).toEqual([]);
    expect(api.container.mounts.map((m) => m.mountPath)).toEqual(['/tmp']);
    expect(api.container.env.has('SNEAKY')).toBe(false);
    expect(api.container.envFrom).toEqual([]);
    expect(api.ports.map((p) => p.name)).toEqual(['http']);
    expect(errorsOf(app)).toEqual([]);
    const spec = objectOf(app, 'Deployment', 'api').spec.template.spec;
    expect(spec.containers.map((c: any) => c.name)).toEqual(['api', 'agent']);
    expect(spec.initContainers).toBeUndefined();
    expect(spec.containers[0].env).toBeUndefined();
  });
});

describe('checked verbs: they change the model, and bad input is an error naming the construct and field', () => {
  test('mount, addEnv, addEnvFrom and addPort reach the rendered container; init containers and sidecars get /tmp', () => {
    const { app, chart } = testChart();
    const api = web(chart);
    api.addVolume({ name: 'cache', emptyDir: {} });
    api.container.mount('/var/cache', 'cache', { readOnly: true });
    api.container.addEnv('MODE', 'fast');
    api.container.addEnvFrom({ kind: 'configMap', name: 'shared' });
    api.container.addPort({ name: 'admin', port: 9000 });
    const init = helper('setup');
    api.addInitContainer(init);
    expect(errorsOf(app)).toEqual([]);
    const spec = objectOf(app, 'Deployment', 'api').spec.template.spec;
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'cache', mountPath: '/var/cache', readOnly: true });
    expect(spec.containers[0].env).toEqual([{ name: 'MODE', value: 'fast' }]);
    expect(spec.containers[0].envFrom).toEqual([{ configMapRef: { name: 'shared' } }]);
    expect(spec.containers[0].ports.map((p: any) => p.name)).toEqual(['http', 'admin']);
    expect(spec.initContainers[0].volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(spec.volumes.map((v: any) => v.name)).toEqual(['tmp', 'cache']);
  });

  test('wrong-typed input from JavaScript is collected, each once, and synth fails with the field', () => {
    const { app, chart } = testChart();
    const api = web(chart) as any;
    api.container.mount('relative/path', 'cache');
    api.container.mount('/data', '');
    api.container.mount('/data2', 'cache', { subPath: '../etc' });
    api.container.addEnv(42, 'x');
    api.container.addEnv('EMPTY', undefined);
    api.container.addEnvFrom({ kind: 'vault', name: 'x' });
    api.addSidecar({ name: 'not-a-container' });
    api.addInitContainer(null);
    api.addVolume({ emptyDir: {} });
    api.exposeMetrics({ path: '/metrics' });
    expect(errorsOf(app)).toEqual([
      '[test-prod/api] sidecars: needs a ContainerModel (got an object)',
      '[test-prod/api] initContainers: needs a ContainerModel (got null)',
      '[test-prod/api] volumes: addVolume() needs an object with a name (got an object)',
      "[test-prod/api] exposeMetrics(): exposeMetrics() needs { port: '<port name>' } (got an object)",
      "[test-prod/api] volumeMounts: mount() needs an absolute path (got 'relative/path' for volume 'cache')",
      "[test-prod/api] volumeMounts./data: mount() needs the name of a pod volume (got '')",
      "[test-prod/api] volumeMounts./data2.subPath: '../etc' must be a relative path inside the volume",
      '[test-prod/api] env: addEnv() needs a variable name (got number 42)',
      '[test-prod/api] env.EMPTY: addEnv() needs a value (got undefined)',
      "[test-prod/api] envFrom: addEnvFrom() needs { kind: 'secret' | 'configMap', name } (got an object)",
    ]);
  });
});

describe('the verbs added last: addPort, connect, addVolume', () => {
  test('addPort copies the port it is given and refuses what is not a port; clashes are reported with the field', () => {
    const { app, chart } = testChart();
    const api = web(chart) as any;
    const admin = { name: 'admin', port: 9000 };
    api.container.addPort(admin);
    admin.port = 1; // the caller's object is not the model's
    api.container.addPort(null);
    api.container.addPort('metrics:9090');
    api.container.addPort({ name: 'http', port: 9001 });
    expect(api.port('admin')).toEqual({ name: 'admin', port: 9000 });
    expect(errorsOf(app)).toEqual([
      '[test-prod/api] ports: addPort() needs { name, port, protocol? } (got null)',
      "[test-prod/api] ports: addPort() needs { name, port, protocol? } (got 'metrics:9090')",
      "[test-prod/api] ports[2].name: 'http' is used by another port; port names must be unique",
    ]);
  });

  test('connect refuses what is not a store or has no variable convention, naming connect() and what it needs', () => {
    const { app, chart } = testChart();
    const api = web(chart) as any;
    api.connect({ name: 'db' }, { env: () => [] });
    api.connect(undefined, { env: () => [] });
    expect(errorsOf(app)).toEqual([
      '[test-prod/api] connect(): needs a data store (a construct with connectionInfo() and readinessCheck, e.g. Postgres) (got an object)',
      '[test-prod/api] connect(): needs a data store (a construct with connectionInfo() and readinessCheck, e.g. Postgres) (got undefined)',
    ]);
    expect(api.storeConnections).toEqual([]);
    expect(api.initContainers).toEqual([]);
  });

  test('addVolume: the same volume twice is one volume; a different one under a used name is an error', () => {
    const { app, chart } = testChart();
    const api = web(chart);
    api.addVolume({ name: 'cache', emptyDir: {} });
    api.addVolume({ name: 'cache', emptyDir: {} });
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'Deployment', 'api').spec.template.spec.volumes.filter((v: any) => v.name === 'cache')).toHaveLength(1);
    const { app: app2, chart: chart2 } = testChart();
    const api2 = web(chart2);
    api2.addVolume({ name: 'cache', emptyDir: {} });
    api2.addVolume({ name: 'cache', secret: { secretName: 'x' } });
    expect(errorsOf(app2)).toEqual([
      expect.stringMatching(/^\[test-prod\/api\] volumes: 'cache' names two different volumes \(.*\); volume names must be unique/),
    ]);
  });

  test('a returned metrics endpoint is a copy too', () => {
    const { app, chart } = testChart();
    const api = web(chart);
    api.exposeMetrics({ port: 'http', path: '/metrics' });
    (api.metricsEndpoints[0] as any).path = '/public';
    expect(api.metricsEndpoints).toEqual([{ port: 'http', path: '/metrics' }]);
    expect(errorsOf(app)).toEqual([]);
  });
});

test('a volume given to addVolume is copied: changing the caller object afterwards changes nothing', () => {
  const { app, chart } = testChart();
  const api = web(chart);
  const volume = { name: 'config', configMap: { name: 'settings', items: [{ key: 'a', path: 'a' }] } };
  api.addVolume(volume);
  api.container.mount('/etc/app', 'config', { readOnly: true });
  volume.configMap.name = 'other';
  volume.configMap.items.push({ key: 'b', path: 'b' });
  expect(errorsOf(app)).toEqual([]);
  const rendered = objectOf(app, 'Deployment', 'api').spec.template.spec.volumes.find((v: any) => v.name === 'config');
  expect(rendered).toEqual({ name: 'config', configMap: { name: 'settings', items: [{ key: 'a', path: 'a' }] } });
});
