import { ConnectionEnv, ExistingSecret, Probe, Redis, WebService } from '../../lib';
import { errorsOf, objectOf, objectsOf, testChart } from '../support/synth';
import { NOT_BACKED_UP_IN_TEST } from '../support/stores';

const resources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const credentials = ExistingSecret.named('cache-credentials', ['redis-password']);

describe('Redis', () => {
  const { app, chart } = testChart();
  const cache = new Redis(chart, 'cache', { use: 'cache', storage: '5Gi', credentials, resources, monitoring: { exporter: true } }).noBackup(
    NOT_BACKED_UP_IN_TEST,
  );
  const api = new WebService(chart, 'api', {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources,
  });
  api.connect(cache, { env: ConnectionEnv.url('REDIS_URL') });
  const sts = objectOf(app, 'StatefulSet', 'cache');
  const pod = sts.spec.template.spec;
  const redis = pod.containers[0];

  test('a StatefulSet with a headless and a client Service, volumes kept on delete and scale-down', () => {
    expect(sts.spec.serviceName).toBe('cache-headless');
    expect(objectOf(app, 'Service', 'cache-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(objectOf(app, 'Service', 'cache').spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' }]);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } });
    expect(redis.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
  });

  test("runs as the image's redis uid under restricted, password from the Secret only", () => {
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true });
    expect(redis.command).toEqual(['redis-server', '/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)']);
    expect(redis.env[0]).toEqual({ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'cache-credentials', key: 'redis-password' } } });
    expect(redis.readinessProbe.exec.command).toEqual(['sh', '-c', 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG']);
  });

  test('redis.conf: AOF, maxmemory at 75 % of the limit, LRU eviction for a cache', () => {
    const conf = objectOf(app, 'ConfigMap', 'cache-config').data['redis.conf'];
    expect(conf).toContain('appendonly yes');
    expect(conf).toContain(`maxmemory ${384 * 2 ** 20}`);
    expect(conf).toContain('maxmemory-policy allkeys-lru');
    expect(conf).not.toMatch(/^requirepass/m);
    expect(sts.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('an exporter sidecar with a metrics port, reading the same Secret', () => {
    const metrics = pod.containers[1];
    expect(metrics.name).toBe('metrics');
    expect(metrics.ports).toEqual([{ name: 'metrics', containerPort: 9121, protocol: 'TCP' }]);
    expect(metrics.env).toContainEqual({ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'cache-credentials', key: 'redis-password' } } });
  });

  test('connect(): a URL with the password spliced in by reference, NetworkPolicy both ways, a wait init container', () => {
    const container = objectOf(app, 'Deployment', 'api').spec.template.spec.containers[0];
    expect(container.env).toEqual([
      { name: 'REDIS_URL_PASSWORD', valueFrom: { secretKeyRef: { name: 'cache-credentials', key: 'redis-password' } } },
      { name: 'REDIS_URL', value: 'redis://default:$(REDIS_URL_PASSWORD)@cache.test-prod.svc:6379/0' },
    ]);
    const apiPolicy = objectOf(app, 'NetworkPolicy', 'api');
    expect(apiPolicy.spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: cache.selectorLabels } }], ports: [{ port: 6379, protocol: 'TCP' }] },
    ]);
    const cachePolicy = objectOf(app, 'NetworkPolicy', 'cache');
    expect(cachePolicy.spec.ingress).toEqual([
      // The exporter (monitoring: { exporter: true }) is scraped: Prometheus reaches its port only.
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
          },
        ],
        ports: [{ port: 9121, protocol: 'TCP' }],
      },
      { from: [{ podSelector: { matchLabels: api.selectorLabels } }], ports: [{ port: 6379, protocol: 'TCP' }] },
    ]);
    const init = objectOf(app, 'Deployment', 'api').spec.template.spec.initContainers[0];
    expect(init.name).toBe('wait-for-cache');
    expect(init.image).toBe(redis.image);
  });

  test('a queue never evicts', () => {
    const { app: a, chart: c } = testChart();
    new Redis(c, 'queue', { use: 'queue', storage: '1Gi', credentials, resources }).noBackup(NOT_BACKED_UP_IN_TEST);
    expect(objectsOf(a, 'ConfigMap')[0].data['redis.conf']).toContain('maxmemory-policy noeviction');
  });

  test('bad input: maxmemory at the limit, unsupported version, bad storage', () => {
    const { app: a, chart: c } = testChart();
    new Redis(c, 'r', { use: 'cache', storage: '0', credentials, resources, maxmemory: '512Mi', version: '6.2' }).noBackup(NOT_BACKED_UP_IN_TEST);
    expect(errorsOf(a)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\[test-prod\/r\] maxmemory: 512Mi is at or above the container memory limit 512Mi/),
        expect.stringMatching(/\[test-prod\/r\] version: '6\.2' is not a supported Redis version \(supported: 7\.4, 8\.2\)/),
        expect.stringMatching(/\[test-prod\/r\] storage: must be greater than zero/),
      ]),
    );
  });
});
