/**
 * What the API server refuses in a pod spec is a synth error first, on the construct and its
 * field: duplicate mount paths (writablePaths with /tmp next to the library's own /tmp mount),
 * container names (init containers included), volume names, ports across containers, and
 * environment variables set twice.
 */
import { AppConfig, ConnectionEnv, ContainerModel, ExistingSecret, Postgres, Probe, WebService, Worker } from '../../lib';
import { errorsOf, objectOf, testChart } from '../support/synth';
import { NOT_BACKED_UP_IN_TEST } from '../support/stores';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const image = 'registry.stackworks.io/org/api:1.0.0';
const web = (chart: any, props: Record<string, unknown> = {}) =>
  new WebService(chart, 'api', { image, ports: [{ name: 'http', port: 8080 }], readiness: Probe.http('/ready'), resources, ...props });

describe('mount paths', () => {
  test.each(['/tmp', '/tmp/'])("writablePaths: ['%s'] next to the library's /tmp mount is refused on writablePaths, once", (path) => {
    const { app, chart } = testChart();
    web(chart, { writablePaths: ['/var/cache/app', path] });
    expect(errorsOf(app)).toEqual([
      `[test-prod/api] writablePaths: '${path}' is always writable: every container gets an emptyDir at /tmp, and a second mount there is refused by the API server; remove it from writablePaths`,
    ]);
  });

  test('a path listed twice is refused once, on writablePaths', () => {
    const { app, chart } = testChart();
    web(chart, { writablePaths: ['/data', '/data/'] });
    expect(errorsOf(app)).toEqual(["[test-prod/api] writablePaths: '/data/' is listed twice; each path is one mount, list it once"]);
  });

  test('an extra mount over a path already mounted (escape hatch, shared config files) names both volumes, each clash once', () => {
    const { app, chart } = testChart();
    const api = web(chart, { writablePaths: ['/etc/app'] });
    new AppConfig(chart, 'common', { files: { '/etc/app': 'x: 1\n' } }).useIn(api);
    api.container.mount('/var/cache/app', 'tmp');
    api.container.mount('/var/cache/app', 'tmp');
    const errors = errorsOf(app);
    expect(errors).toContainEqual(
      "[test-prod/api] volumeMounts: '/var/cache/app' is mounted twice (volumes 'tmp' and 'tmp'); mount paths must be unique in a container (the API server refuses the pod)",
    );
    // A shared config file over a writable path: reported once, by the AppConfig on its file.
    expect(errors.filter((e) => e.includes("'/etc/app'") || e.includes('files./etc/app'))).toEqual([
      '[test-prod/common] files./etc/app: is mounted more than once in test-prod/api (another volume or config uses the same path)',
    ]);
  });

  test('the same check runs on sidecars and init containers', () => {
    const { app, chart } = testChart();
    const api = web(chart);
    const sidecar = new ContainerModel('shipper', { image: 'docker.io/fluent/fluent-bit:3.2.2' }, resources);
    api.addSidecar(sidecar);
    sidecar.mount('/tmp', 'tmp');
    expect(errorsOf(app)).toEqual([
      "[test-prod/api] sidecars[0].volumeMounts: '/tmp' is mounted twice (volumes 'tmp' and 'tmp'); mount paths must be unique in a container (the API server refuses the pod)",
    ]);
  });
});

describe('names and ports across the containers of a pod', () => {
  test('an init container or sidecar named like another container', () => {
    const { app, chart } = testChart();
    const api = web(chart);
    api.addInitContainer(new ContainerModel('api', { image, command: ['/app/migrate'] }, resources));
    api.addSidecar(new ContainerModel('warm', { image }, resources));
    api.addInitContainer(new ContainerModel('warm', { image, command: ['/app/warm'] }, resources));
    expect(errorsOf(app)).toEqual([
      "[test-prod/api] initContainers[0].name: 'api' is also the name of the main container; container names must be unique in a pod, init containers included (the API server refuses the pod)",
      "[test-prod/api] sidecars[0].name: 'warm' is also the name of initContainers[1]; container names must be unique in a pod, init containers included (the API server refuses the pod)",
    ]);
  });

  test('a sidecar port with the name or the number of a main container port', () => {
    const { app, chart } = testChart();
    const api = web(chart);
    api.addSidecar(new ContainerModel('proxy', { image }, resources, [{ name: 'http', port: 9000 }]));
    api.addSidecar(new ContainerModel('stats', { image }, resources, [{ name: 'stats', port: 8080 }]));
    expect(errorsOf(app)).toEqual([
      "[test-prod/api] sidecars[0].ports[0].name: 'http' is also a port of the main container; port names must be unique in a pod (a Service's targetPort names one)",
      '[test-prod/api] sidecars[1].ports[0].port: 8080/TCP is also a port of the main container; two containers of a pod cannot listen on one port',
    ]);
  });

  test('the same port number over TCP and UDP in two containers is fine', () => {
    const { app, chart } = testChart();
    const api = web(chart);
    api.addSidecar(new ContainerModel('dns', { image }, resources, [{ name: 'dns', port: 8080, protocol: 'UDP' }]));
    expect(errorsOf(app)).toEqual([]);
  });
});

describe('volumes and environment variables', () => {
  test('a second, different volume under a taken name is refused (it would have replaced /tmp)', () => {
    const { app, chart } = testChart();
    const api = web(chart);
    api.addVolume({ name: 'tmp', configMap: { name: 'scripts' } });
    expect(errorsOf(app)).toEqual([
      "[test-prod/api] volumes: 'tmp' names two different volumes (a emptyDir and a configMap); volume names must be unique in a pod: give the second another name",
    ]);
    // The library's /tmp stays what the mounts expect.
    expect(errorsOf(app).length).toBe(1);
  });

  test('the same volume added twice is one volume', () => {
    const { app, chart } = testChart();
    const worker = new Worker(chart, 'jobs', { image, resources });
    worker.addVolume({ name: 'ca', configMap: { name: 'ca' } });
    worker.addVolume({ name: 'ca', configMap: { name: 'ca' } });
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'Deployment', 'jobs').spec.template.spec.volumes.filter((v: { name: string }) => v.name === 'ca')).toHaveLength(1);
  });

  test('a variable set by env and again by a connection is refused (the later would hide the first)', () => {
    const { app, chart } = testChart();
    const api = web(chart, { env: { DATABASE_URL: 'postgres://elsewhere' } });
    const db = new Postgres(chart, 'db', {
      version: '16',
      database: 'shop',
      user: 'shop',
      storage: '1Gi',
      credentials: ExistingSecret.named('db', ['postgres-password', 'password']),
      resources,
    }).noBackup(NOT_BACKED_UP_IN_TEST);
    api.connect(db, { env: ConnectionEnv.url('DATABASE_URL') });
    expect(errorsOf(app).filter((e) => e.includes('is set twice'))).toEqual([
      '[test-prod/api] env.DATABASE_URL: is set twice: DATABASE_URL (connecting test-prod/db) overrides an earlier value',
    ]);
  });
});
