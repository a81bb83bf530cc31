import { ConnectionEnv, Duration, ExistingSecret, Probe, Redis, WebService } from '../../lib';
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
    // The start script writes the password into a private file; nothing on the command line.
    expect(redis.command).toEqual(['sh', '/etc/redis/start.sh', 'server']);
    expect(JSON.stringify(pod)).not.toContain('--requirepass');
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

  test('bad input: an even or too large replica group, Sentinel options on one server, a failover timeout below down-after', () => {
    const { app: a, chart: c } = testChart();
    new Redis(c, 'two', { use: 'cache', storage: '1Gi', credentials, resources, replicas: 2 }).noBackup(NOT_BACKED_UP_IN_TEST);
    new Redis(c, 'nine', { use: 'cache', storage: '1Gi', credentials, resources, replicas: 9 }).noBackup(NOT_BACKED_UP_IN_TEST);
    new Redis(c, 'one', { use: 'cache', storage: '1Gi', credentials, resources, sentinel: { downAfter: Duration.seconds(5) } }).noBackup(
      NOT_BACKED_UP_IN_TEST,
    );
    new Redis(c, 'slow', {
      use: 'cache',
      storage: '1Gi',
      credentials,
      resources,
      replicas: 3,
      sentinel: { downAfter: Duration.seconds(30), failoverTimeout: Duration.seconds(10) },
    }).noBackup(NOT_BACKED_UP_IN_TEST);
    new Redis(c, 'fast', {
      use: 'cache',
      storage: '1Gi',
      credentials,
      resources,
      replicas: 3,
      sentinel: { downAfter: Duration.millis(500) },
    }).noBackup(NOT_BACKED_UP_IN_TEST);
    expect(errorsOf(a)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\[test-prod\/two\] replicas: 2 is not allowed: 1 \(a standalone server\) or an odd number from 3 to 7/),
        expect.stringMatching(/\[test-prod\/nine\] replicas: 9 is not allowed/),
        expect.stringMatching(/\[test-prod\/one\] sentinel: Sentinel watches a replica group: set replicas to 3/),
        expect.stringMatching(/\[test-prod\/slow\] sentinel\.failoverTimeout: 10s is shorter than sentinel\.downAfter \(30s\)/),
        expect.stringMatching(/\[test-prod\/fast\] sentinel\.downAfter: .*not a whole number of seconds/),
      ]),
    );
  });
});

describe('Redis with replicas: 3 (Sentinel, HAProxy)', () => {
  const { app, chart } = testChart();
  const cache = new Redis(chart, 'cache', {
    use: 'sessions',
    storage: '5Gi',
    credentials,
    resources,
    replicas: 3,
    sentinel: { downAfter: Duration.seconds(5) },
    monitoring: { exporter: true },
  }).noBackup(NOT_BACKED_UP_IN_TEST);
  const api = new WebService(chart, 'api', {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources,
  });
  api.connect(cache, { env: ConnectionEnv.url('REDIS_URL') });
  const sts = objectOf(app, 'StatefulSet', 'cache');
  const pod = sts.spec.template.spec;
  const byName = (name: string) => pod.containers.find((c: { name: string }) => c.name === name);
  const envOf = (c: { env: Array<{ name: string; value?: string }> }) => Object.fromEntries(c.env.map((e) => [e.name, e.value]));
  const members = ['cache-0', 'cache-1', 'cache-2'].map((p) => `${p}.cache-headless.test-prod.svc`);

  test('three members, a Sentinel beside each, told every member and Sentinel by stable name', () => {
    expect(sts.spec.replicas).toBe(3);
    expect(pod.containers.map((c: { name: string }) => c.name)).toEqual(['cache', 'metrics', 'sentinel']);
    const sentinel = byName('sentinel');
    expect(sentinel.command).toEqual(['sh', '/etc/redis/start.sh', 'sentinel']);
    expect(sentinel.ports).toEqual([{ name: 'sentinel', containerPort: 26379, protocol: 'TCP' }]);
    for (const c of [byName('cache'), sentinel]) {
      const env = envOf(c);
      expect(env.REDIS_MEMBERS).toBe(members.map((m) => `${m}:6379`).join(' '));
      expect(env.REDIS_SENTINELS).toBe(members.map((m) => `${m}:26379`).join(' '));
      expect(env.REDIS_SELF).toBe('$(POD_NAME).cache-headless.test-prod.svc:6379');
      expect(env.SENTINEL_QUORUM).toBe('2');
      expect(env.SENTINEL_DOWN_AFTER_MS).toBe('5000');
      expect(c.env.find((e: { name: string }) => e.name === 'POD_NAME').valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    }
    const sentinelConf = objectOf(app, 'ConfigMap', 'cache-config').data['sentinel.conf'];
    expect(sentinelConf).toContain('sentinel resolve-hostnames yes');
    expect(sentinelConf).toContain('sentinel announce-hostnames yes');
    expect(sentinelConf).not.toMatch(/requirepass|auth-pass/);
  });

  test('the client Service selects HAProxy, not the members; Sentinel has a Service of its own', () => {
    const proxy = objectOf(app, 'Deployment', 'cache-proxy');
    expect(objectOf(app, 'Service', 'cache').spec.selector).toEqual(proxy.spec.selector.matchLabels);
    expect(objectOf(app, 'Service', 'cache').spec.selector).not.toEqual(sts.spec.selector.matchLabels);
    expect(objectOf(app, 'Service', 'cache-sentinel').spec).toMatchObject({ selector: sts.spec.selector.matchLabels, ports: [{ port: 26379 }] });
    expect(proxy.spec.replicas).toBe(2);
    expect(proxy.spec.template.spec.containers[0].image).toMatch(/^docker\.io\/library\/haproxy:\d+\.\d+\.\d+$/);
    expect(proxy.spec.template.spec.topologySpreadConstraints).toHaveLength(2);
    expect(objectOf(app, 'PodDisruptionBudget', 'cache-proxy').spec.maxUnavailable).toBe(1);
    expect(objectOf(app, 'PodDisruptionBudget', 'cache').spec.maxUnavailable).toBe(1);
  });

  test("HAProxy's check authenticates from the environment and asks for role:master; no password in any ConfigMap", () => {
    const cfg = objectOf(app, 'ConfigMap', 'cache-proxy-config').data['haproxy.cfg'];
    expect(cfg).toContain('tcp-check send "AUTH ${REDIS_PASSWORD}\\r\\n"');
    expect(cfg).toContain('tcp-check expect string role:master');
    // Fully qualified: HAProxy's resolver applies no search list.
    for (const [i, m] of members.entries()) expect(cfg).toContain(`server member-${i} ${m}.cluster.local:6379`);
    const proxyEnv = objectOf(app, 'Deployment', 'cache-proxy').spec.template.spec.containers[0].env;
    expect(proxyEnv).toEqual([{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'cache-credentials', key: 'redis-password' } } }]);
  });

  test('NetworkPolicies: clients to HAProxy, HAProxy to the members, members to each other on 6379 and 26379', () => {
    const proxyLabels = cache.proxy!.selectorLabels;
    expect(objectOf(app, 'NetworkPolicy', 'api').spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: proxyLabels } }], ports: [{ port: 6379, protocol: 'TCP' }] },
    ]);
    const proxyPolicy = objectOf(app, 'NetworkPolicy', 'cache-proxy').spec;
    expect(proxyPolicy.ingress).toEqual([{ from: [{ podSelector: { matchLabels: api.selectorLabels } }], ports: [{ port: 6379, protocol: 'TCP' }] }]);
    expect(proxyPolicy.egress).toEqual([{ to: [{ podSelector: { matchLabels: cache.selectorLabels } }], ports: [{ port: 6379, protocol: 'TCP' }] }]);
    const cachePolicy = objectOf(app, 'NetworkPolicy', 'cache').spec;
    expect(cachePolicy.ingress).toEqual(
      expect.arrayContaining([
        { from: [{ podSelector: { matchLabels: proxyLabels } }], ports: [{ port: 6379, protocol: 'TCP' }] },
        {
          from: [{ podSelector: { matchLabels: cache.selectorLabels } }],
          ports: [
            { port: 26379, protocol: 'TCP' },
            { port: 6379, protocol: 'TCP' },
          ],
        },
      ]),
    );
    expect(JSON.stringify(cachePolicy.ingress)).not.toContain(JSON.stringify(api.selectorLabels));
  });

  test('alerts: no master, several masters, replicas disconnected', () => {
    const names = cache.engine.alerts().map((a) => a.name);
    expect(names).toEqual(['RedisNoMasterCache', 'RedisSeveralMastersCache', 'RedisReplicasDisconnectedCache']);
    expect(cache.engine.alerts()[2].expr).toContain('< 2');
  });
});
