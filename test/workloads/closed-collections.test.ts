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
