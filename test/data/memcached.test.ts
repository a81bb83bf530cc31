import { spawn, spawnSync } from 'child_process';
import { createServer, Server } from 'net';
import { ConnectionEnv, Memcached, Probe, WebService } from '../../lib';
import { errorsOf, objectOf, objectsOf, testChart } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const apiProps = { image: 'registry.stackworks.io/org/api:1.0.0', ports: [{ name: 'http', port: 8080 }], readiness: Probe.http('/ready'), resources };

describe('Memcached', () => {
  const { app, chart } = testChart();
  const cache = new Memcached(chart, 'cache', { replicas: 2, resources, monitoring: { exporter: true } });
  const api = new WebService(chart, 'api', apiProps);
  api.connect(cache, { env: ConnectionEnv.discrete({ members: 'MEMCACHED_SERVERS' }) });
  const sts = objectOf(app, 'StatefulSet', 'cache');
  const pod = sts.spec.template.spec;
  const server = pod.containers[0];
  const envOf = (c: any) => Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));

  test('a StatefulSet of memory-only members: no volume claim, no data mount, stable member names', () => {
    expect(sts.spec.replicas).toBe(2);
    expect(sts.spec.serviceName).toBe('cache-headless');
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toBeUndefined();
    expect(server.volumeMounts.map((m: any) => m.name)).not.toContain('data');
    expect(objectOf(app, 'Service', 'cache').spec.ports).toEqual([{ name: 'memcached', port: 11211, targetPort: 'memcached', protocol: 'TCP' }]);
    expect(objectOf(app, 'Service', 'cache-headless').spec.clusterIP).toBe('None');
  });

  test('the pinned official image as its memcache uid, -m at 75 % of the limit, UDP off', () => {
    expect(server.image).toBe('docker.io/library/memcached:1.6.39');
    expect(pod.securityContext).toMatchObject({ runAsUser: 11211, runAsGroup: 11211, runAsNonRoot: true });
    expect(server.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(server.command.join(' ')).toContain('memcached -p 11211 -U 0 -m "$MEMCACHED_MEMORY_MB" -c "$MEMCACHED_MAX_CONNECTIONS"');
    expect(envOf(server)).toEqual({ MEMCACHED_MEMORY_MB: '384', MEMCACHED_MAX_CONNECTIONS: '1024' });
    expect(cache.memoryBytes).toBe(384 * 2 ** 20);
  });

  test('several members: a PDB, spread over nodes and zones', () => {
    expect(objectOf(app, 'PodDisruptionBudget', 'cache').spec).toMatchObject({ maxUnavailable: 1 });
    expect(pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe(
      'kubernetes.io/hostname',
    );
  });

  test('memcached_exporter beside it, scraped', () => {
    const metrics = pod.containers[1];
    expect(metrics.image).toBe('docker.io/prom/memcached-exporter:v0.15.3');
    expect(metrics.args).toEqual(['--memcached.address=127.0.0.1:11211']);
    expect(metrics.ports).toEqual([{ name: 'metrics', containerPort: 9150, protocol: 'TCP' }]);
    expect(objectOf(app, 'ServiceMonitor', 'cache').spec.endpoints[0].port).toBe('metrics');
  });

  test('connect(): every member in MEMCACHED_SERVERS, NetworkPolicy both ways on 11211 only', () => {
    const container = objectOf(app, 'Deployment', 'api').spec.template.spec.containers[0];
    expect(envOf(container).MEMCACHED_SERVERS).toBe('cache-0.cache-headless.test-prod.svc:11211,cache-1.cache-headless.test-prod.svc:11211');
    expect(objectOf(app, 'NetworkPolicy', 'api').spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: cache.selectorLabels } }], ports: [{ port: 11211, protocol: 'TCP' }] },
    ]);
    expect(objectOf(app, 'NetworkPolicy', 'cache').spec.ingress).toContainEqual({
      from: [{ podSelector: { matchLabels: api.selectorLabels } }],
      ports: [{ port: 11211, protocol: 'TCP' }],
    });
    expect(objectOf(app, 'Deployment', 'api').spec.template.spec.initContainers[0].name).toBe('wait-for-cache');
  });

  test('not backed up, with the reason in the README, and no backup error in prod', () => {
    expect(cache.backupDecision).toEqual({ kind: 'none', reason: expect.stringContaining('memory-only cache') });
    expect(errorsOf(app)).toEqual([]);
  });

  test('a URL convention lists every member too', () => {
    const { app: a, chart: c } = testChart();
    const m = new Memcached(c, 'm', { replicas: 3, resources });
    new WebService(c, 'w', apiProps).connect(m, { env: ConnectionEnv.url('MEMCACHE_URL') });
    const env = objectOf(a, 'Deployment', 'w').spec.template.spec.containers[0].env;
    expect(env).toEqual([{ name: 'MEMCACHE_URL', value: `memcached://${[0, 1, 2].map((i) => `m-${i}.m-headless.test-prod.svc:11211`).join(',')}` }]);
    expect(errorsOf(a)).toEqual([]);
  });

  test('bad input: several members reached through the Service alone, memory over 90 % or under 64 MiB, no limit, version, connections', () => {
    const { app: a, chart: c } = testChart();
    const m = new Memcached(c, 'm', { replicas: 2, resources, memory: '500Mi', maxConnections: 0, version: '1.5' });
    new WebService(c, 'w', apiProps).connect(m, { env: ConnectionEnv.discrete({ host: 'MEMCACHED_HOST', port: 'MEMCACHED_PORT' }) });
    new Memcached(c, 'small', { resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '100m', memory: '64Mi' } } });
    new Memcached(c, 'junk', { resources, memory: 'lots' });
    new Memcached(c, 'unbounded', { resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '100m' } as never } });
    const errors = errorsOf(a);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /\[test-prod\/m\] replicas: test-prod\/w reaches the 2 members only through the client Service.*ConnectionEnv\.discrete\(\{ members: 'MEMCACHED_SERVERS' \}\)/,
        ),
        expect.stringMatching(/\[test-prod\/m\] memory: 500Mi is more than 90 % of the container memory limit 512Mi/),
        expect.stringMatching(/\[test-prod\/m\] maxConnections: 0 must be a whole number from 1 to 65536/),
        expect.stringMatching(/\[test-prod\/m\] version: '1\.5' is not a supported Memcached version \(supported: 1\.6\)/),
        expect.stringMatching(
          /\[test-prod\/small\] resources\.limits\.memory: 75 % of the memory limit 64Mi \(48Mi\) is below the 64Mi Memcached needs/,
        ),
        expect.stringMatching(/\[test-prod\/junk\] memory: 'lots' is not a valid quantity/),
        expect.stringMatching(/\[test-prod\/unbounded\] resources\.limits\.memory: a memory limit is required/),
      ]),
    );
    expect(errors.filter((e) => e.includes('backup'))).toEqual([]);
    expect(new Set(errors).size).toBe(errors.length);
  });

  test('one member through the client Service is fine', () => {
    const { app: a, chart: c } = testChart();
    const m = new Memcached(c, 'm', { resources });
    new WebService(c, 'w', apiProps).connect(m, { env: ConnectionEnv.discrete({ host: 'MEMCACHED_HOST', port: 'MEMCACHED_PORT' }) });
    expect(errorsOf(a)).toEqual([]);
    expect(objectsOf(a, 'PodDisruptionBudget').filter((p) => p.metadata.name === 'm')).toEqual([]);
  });
});

describe("Memcached's readiness command against a server on 127.0.0.1", () => {
  const { chart } = testChart();
  const check = new Memcached(chart, 'cache', { resources }).readinessCheck.command;

  async function serve(reply: string | undefined): Promise<Server> {
    const server = createServer((socket) => {
      socket.on('data', (data) => {
        if (reply !== undefined && data.toString() === 'version\r\n') socket.write(reply);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  async function run(reply: string | undefined): Promise<number | null> {
    const server = await serve(reply);
    const port = (server.address() as { port: number }).port;
    // Asynchronously: spawnSync would block the event loop the server answers on.
    const result = await new Promise<number | null>((resolve) => {
      const child = spawn('sh', ['-c', check], { env: { ...process.env, STORE_HOST: '127.0.0.1', STORE_PORT: String(port) } });
      child.on('exit', (code) => resolve(code));
    });
    server.close();
    return result;
  }

  test('succeeds on a VERSION reply, fails on anything else, on silence and with nothing listening', async () => {
    expect(await run('VERSION 1.6.39\r\n')).toBe(0);
    expect(await run('ERROR\r\n')).not.toBe(0);
    expect(await run(undefined)).not.toBe(0);
    const closed = spawnSync('sh', ['-c', check], { env: { ...process.env, STORE_HOST: '127.0.0.1', STORE_PORT: '1' } });
    expect(closed.status).not.toBe(0);
  });
});
