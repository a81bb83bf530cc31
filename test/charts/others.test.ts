import { envOf, find, kinds, mainContainer, systemObjects, workloadObject } from './support';

describe('Feature-models (seeds/001) in prod', () => {
  const objects = systemObjects('feature-models', 'prod');

  test('frontend on dashboard.<domain> (3000) and backend on api.<domain> (8000) behind Traefik with HTTPS', () => {
    const ingresses = kinds(objects, 'Ingress');
    expect(ingresses.every((i) => i.spec.ingressClassName === 'traefik')).toBe(true);
    const rules = ingresses.flatMap((i) => i.spec.rules.map((r: any) => [r.host, r.http.paths[0].backend.service.name]));
    expect(rules).toEqual(
      expect.arrayContaining([
        ['dashboard.feature-models.com', 'frontend'],
        ['api.feature-models.com', 'backend'],
      ]),
    );
    // NEXT_PUBLIC_API_URL is built into the image (runtime-details.test.ts), not set at run time.
    expect(find(objects, 'ConfigMap', 'frontend-config').data.NEXT_PUBLIC_API_URL).toBeUndefined();
    expect(kinds(objects, 'Middleware').some((m) => m.spec.redirectScheme?.scheme === 'https')).toBe(true);
  });

  test('backend: gunicorn with 4 uvicorn workers, health /api/v1/utils/health-check/', () => {
    const c = mainContainer(workloadObject(objects, 'backend'));
    expect(c.command).toEqual([
      'gunicorn',
      'app.main:app',
      '--workers',
      '4',
      '--worker-class',
      'uvicorn.workers.UvicornWorker',
      '--bind',
      '0.0.0.0:8000',
    ]);
    expect(c.readinessProbe.httpGet.path).toBe('/api/v1/utils/health-check/');
  });

  test('the prestart migration runs before the backend and the worker start', () => {
    const job = kinds(objects, 'Job')[0];
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
    expect(mainContainer(job).command).toEqual(['bash', 'scripts/prestart.sh']);
    for (const name of ['backend', 'celery-worker']) {
      const init = workloadObject(objects, name).spec.template.spec.initContainers.map((c: any) => c.name);
      expect(init).toContain('wait-for-migration');
    }
  });

  test('Celery worker with the same image; PostgreSQL 17 with PGDATA in a subdirectory (staging); Redis with AOF', () => {
    expect(mainContainer(workloadObject(objects, 'celery-worker')).image).toBe(mainContainer(workloadObject(objects, 'backend')).image);
    const staging = systemObjects('feature-models', 'staging');
    const db = mainContainer(find(staging, 'StatefulSet', 'db'));
    expect(db.image).toMatch(/^docker\.io\/library\/postgres:17\./);
    expect(envOf(db).PGDATA.value).toBe('/var/lib/postgresql/data/pgdata');
    expect(find(objects, 'ConfigMap', 'redis-config').data['redis.conf']).toContain('appendonly yes');
    expect(envOf(mainContainer(workloadObject(staging, 'backend'))).POSTGRES_SERVER.value).toBe('db.feature-models-staging.svc');
  });

  test("the seed's production HA: PostgreSQL 17 on CloudNativePG in prod, a primary and two standbys, the app on the primary's Service", () => {
    const cluster = find(objects, 'Cluster', 'db');
    expect(cluster.spec.instances).toBe(3);
    expect(cluster.spec.imageName).toMatch(/^ghcr\.io\/cloudnative-pg\/postgresql:17\./);
    expect(cluster.spec.bootstrap.initdb).toMatchObject({ database: 'app', owner: 'app', secret: { name: 'db-credentials' } });
    expect(kinds(objects, 'StatefulSet').map((s) => s.metadata.name)).toEqual(['redis']);
    for (const name of ['backend', 'celery-worker', 'prestart']) {
      const workload = objects.find(
        (o) => ['Deployment', 'Rollout', 'Job'].includes(o.kind) && (o.metadata.name === name || o.metadata.name.startsWith(`${name}-`)),
      )!;
      expect(envOf(mainContainer(workload)).POSTGRES_SERVER.value).toBe('db-rw.feature-models-prod.svc');
    }
  });
});

describe('ChatNomina (seeds/003)', () => {
  const prod = systemObjects('chatnomina', 'prod');

  test('API on 8000 with /health and /ready, at least 3 replicas (the HPA minimum), 256Mi/200m to 512Mi/500m', () => {
    const api = workloadObject(prod, 'api');
    const c = mainContainer(api);
    expect(find(prod, 'HorizontalPodAutoscaler', 'api').spec.minReplicas).toBe(3);
    expect(c.livenessProbe.httpGet.path).toBe('/health');
    expect(c.readinessProbe.httpGet.path).toBe('/ready');
    expect(c.resources.requests).toMatchObject({ cpu: '200m', memory: '256Mi' });
    expect(c.resources.limits).toMatchObject({ cpu: '500m', memory: '512Mi' });
  });

  test('defect fixed: supported PostgreSQL and Redis instead of the end-of-life 13 and 6', () => {
    expect(find(prod, 'Cluster', 'db').spec.imageName).toMatch(/^ghcr\.io\/cloudnative-pg\/postgresql:15\./);
    expect(mainContainer(find(systemObjects('chatnomina', 'staging'), 'StatefulSet', 'db')).image).toMatch(/^docker\.io\/library\/postgres:15\./);
    expect(mainContainer(find(prod, 'StatefulSet', 'cache')).image).toMatch(/^docker\.io\/library\/redis:7\.4\./);
  });

  test('Redis with a password; egress to S3 over 443 only outside the cluster ranges', () => {
    // The password reaches Redis from the Secret through the start script, never the command line.
    const server = mainContainer(find(prod, 'StatefulSet', 'cache'));
    expect(server.command).toEqual(['sh', '/etc/redis/start.sh', 'server']);
    expect(server.env).toContainEqual({ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-credentials', key: 'redis-password' } } });
    const egress = find(prod, 'NetworkPolicy', 'api').spec.egress;
    expect(egress).toContainEqual({
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'] } }],
      ports: [{ port: 443, protocol: 'TCP' }],
    });
  });

  test('api.chatnomina.com in prod, api.staging.chatnomina.com in staging (staging.chatnomina.com is the staging frontend)', () => {
    expect(kinds(prod, 'Ingress')[0].spec.rules[0].host).toBe('api.chatnomina.com');
    expect(kinds(systemObjects('chatnomina', 'staging'), 'Ingress')[0].spec.rules[0].host).toBe('api.staging.chatnomina.com');
  });
});

describe('capibara6 (seeds/004) in prod', () => {
  const objects = systemObjects('capibara6', 'prod');
  const hpa = (name: string) => find(objects, 'HorizontalPodAutoscaler', name).spec;
  const targets = (name: string) => hpa(name).metrics.map((m: any) => m.resource.target.averageUtilization);

  test('HPAs: REST 3-10 (70/80), GraphQL 2-6 (70/80), RQ workers 3-8 (80/85)', () => {
    expect([hpa('api').minReplicas, hpa('api').maxReplicas, ...targets('api')]).toEqual([3, 10, 70, 80]);
    expect([hpa('graphql').minReplicas, hpa('graphql').maxReplicas, ...targets('graphql')]).toEqual([2, 6, 70, 80]);
    expect([hpa('workers').minReplicas, hpa('workers').maxReplicas, ...targets('workers')]).toEqual([3, 8, 80, 85]);
  });

  test('Redis for cache evicts, Redis for the queue never does; TimescaleDB for metrics', () => {
    expect(find(objects, 'ConfigMap', 'cache-config').data['redis.conf']).toContain('maxmemory-policy allkeys-lru');
    expect(find(objects, 'ConfigMap', 'queue-config').data['redis.conf']).toContain('maxmemory-policy noeviction');
    // Dev and staging: one server on Timescale's image.
    const staging = systemObjects('capibara6', 'staging');
    expect(mainContainer(find(staging, 'StatefulSet', 'metrics-db')).image).toMatch(/^docker\.io\/timescale\/timescaledb:2\.21\.3-pg17$/);
  });

  test('TimescaleDB (metrics-db) in prod: a CloudNativePG primary and two standbys on the TimescaleDB image, the extension preloaded and created', () => {
    expect(kinds(objects, 'StatefulSet').map((s) => s.metadata.name)).not.toContain('metrics-db');
    const cluster = find(objects, 'Cluster', 'metrics-db').spec;
    expect(cluster.instances).toBe(3);
    // The image through a catalog that declares its major (its tag pg17.6-ts2.21.3 does not start with it), run as its uid 1000.
    expect(cluster.imageName).toBeUndefined();
    expect(cluster.imageCatalogRef).toEqual({ apiGroup: 'postgresql.cnpg.io', kind: 'ImageCatalog', name: 'metrics-db-image', major: 17 });
    expect(find(objects, 'ImageCatalog', 'metrics-db-image').spec.images).toEqual([
      { major: 17, image: 'docker.io/timescale/timescaledb-ha:pg17.6-ts2.21.3' },
    ]);
    expect([cluster.postgresUID, cluster.postgresGID]).toEqual([1000, 1000]);
    // The settings the single server had: the library preloaded, telemetry off, 8 background workers (and room for them).
    expect(cluster.postgresql.shared_preload_libraries).toEqual(['timescaledb']);
    expect(cluster.postgresql.parameters).toMatchObject({
      'timescaledb.telemetry_level': 'off',
      'timescaledb.max_background_workers': '8',
      max_worker_processes: '12',
    });
    expect(cluster.postgresql.parameters.shared_preload_libraries).toBeUndefined();
    expect(cluster.bootstrap.initdb).toMatchObject({
      database: 'metrics',
      owner: 'metrics',
      postInitApplicationSQL: ['CREATE EXTENSION IF NOT EXISTS timescaledb;'],
    });
    // One instance per node, 50Gi each, like the database.
    expect(cluster.affinity).toMatchObject({ podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' });
    expect(cluster.storage.size).toBe('50Gi');
    // The clients use the primary's Service.
    for (const name of ['api', 'graphql', 'workers']) {
      const url = envOf(mainContainer(workloadObject(objects, name))).TIMESCALE_URL;
      expect(JSON.stringify(url)).toContain('metrics-db-rw.capibara6-prod.svc');
    }
    // Failures page: fewer ready instances, WAL archiving and base backups.
    const alerts = find(objects, 'PrometheusRule', 'alerts').spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
    expect(alerts).toEqual(
      expect.arrayContaining([
        'PostgresInstancesNotReadyMetricsDb',
        'WalArchiveFailingMetricsDb',
        'BaseBackupFailedMetricsDb',
        'BaseBackupStaleMetricsDb',
      ]),
    );
  });

  test('ingress-nginx with TLS and 100 req/min per IP; /graphql to the GraphQL API', () => {
    const ingress = find(objects, 'Ingress', 'public');
    expect(ingress.spec.tls).toHaveLength(1);
    expect(ingress.metadata.annotations['nginx.ingress.kubernetes.io/limit-rpm']).toBe('100');
    expect(ingress.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name])).toEqual(
      expect.arrayContaining([
        ['/graphql', 'graphql'],
        ['/', 'api'],
      ]),
    );
  });

  test('NetworkPolicies: workers reach the queue (its HAProxy, which follows the master), not the cache', () => {
    const egress = JSON.stringify(find(objects, 'NetworkPolicy', 'workers').spec.egress);
    expect(egress).toContain('"app.kubernetes.io/name":"queue-proxy"');
    expect(egress).not.toContain('"app.kubernetes.io/name":"cache');
  });
});
