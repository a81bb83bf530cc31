import { Construct } from 'constructs';
import {
  AppConfig,
  BackupTarget,
  CloudNativePgProps,
  ConnectionEnv,
  Duration,
  Environment,
  fromField,
  fromSecret,
  issuerForEnvironment,
  PersistentVolume,
  Postgres,
  PostgresEngine,
  Probe,
  PublicEndpoint,
  Redis,
  SystemAlerts,
  SystemChart,
  SystemDashboard,
  SystemSecret,
  WebService,
  Worker,
  enrolInMesh,
  ISecretSource,
} from 'cdk8s-stacks';

/**
 * capibara6 (seeds/004): a REST API (FastAPI, 8000), a GraphQL API (Strawberry, 8001)
 * and RQ workers, with PostgreSQL, Redis for cache and queue, and TimescaleDB for
 * metrics, behind ingress-nginx with TLS and 100 requests/minute per IP.
 *
 *   internet -> ingress-nginx (/ -> api, /graphql -> graphql)
 *   api (HPA 3-10), graphql (HPA 2-6) -> db, cache, metrics-db
 *   workers (HPA 3-8) -> queue, db, metrics-db
 *   api, graphql, workers -> volumes data, logs, models (ReadWriteMany)
 *
 * Cache and queue are two Redis instances: a cache must evict (allkeys-lru) and a queue
 * must never lose a job (noeviction); one instance cannot do both.
 */
/** Paths in each environment's registry: `env.image()` writes them in full (`registry.stackworks.io/<path>` in staging and prod). */
export const CAPIBARA6_IMAGES = {
  api: 'capibara6/api:1.0.0',
} as const;

/**
 * TimescaleDB for CloudNativePG: Timescale's image (github.com/timescale/timescaledb-docker-ha)
 * has PostgreSQL's binaries on the PATH, the en_US.UTF-8 and C.UTF-8 locales and barman-cloud,
 * and its `postgres` user is uid 1000 (Dockerfile). Tags are `pg<PostgreSQL>-ts<TimescaleDB>`:
 * PostgreSQL 17.6 with TimescaleDB 2.21.3, the version dev and staging run (versions.ts).
 */
const TIMESCALEDB_CNPG_IMAGE = 'docker.io/timescale/timescaledb-ha:pg17.6-ts2.21.3';
const TIMESCALEDB_HA_UID = 1000;

/**
 * A prod database on CloudNativePG: a primary and two standbys, base backups and the WAL
 * archive in the system's bucket (each Cluster in its own folder, named after it), RPO 5 minutes.
 */
function cnpgProd(backupKeys: ISecretSource): CloudNativePgProps {
  return {
    instances: 3,
    rpo: Duration.minutes(5),
    backup: {
      target: BackupTarget.s3({
        bucket: 'capibara6-backups-prod',
        region: 'us-east-1',
        prefix: 'capibara6-prod/cnpg',
        accessKeyId: fromSecret(backupKeys, 'AWS_ACCESS_KEY_ID'),
        secretAccessKey: fromSecret(backupKeys, 'AWS_SECRET_ACCESS_KEY'),
      }),
      retention: Duration.days(30),
    },
  };
}

const HOSTS = { dev: 'api.dev.capibara6.com', staging: 'api.staging.capibara6.com', prod: 'api.capibara6.com' } as const;

export class Capibara6Chart extends SystemChart {
  constructor(scope: Construct, env: Environment) {
    super(scope, {
      system: 'capibara6',
      environment: env,
      description: 'capibara6: REST and GraphQL APIs and RQ workers with PostgreSQL, Redis and TimescaleDB.',
    });
    const small = { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '250m', memory: '256Mi' } };
    const dbResources = env.pick({
      dev: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      default: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    });

    // Both databases in prod: a CloudNativePG primary with two streaming standbys it fails
    // over to, base backups and the WAL archive in an S3 bucket off the cluster (RPO 5
    // minutes). TimescaleDB (metrics-db) runs Timescale's own image for CloudNativePG
    // (timescaledb-ha, TimescaleDB 2.21.3 as in dev and staging, its postgres user uid 1000):
    // CloudNativePG's images carry no TimescaleDB (docs/fidelity/capibara6.md, CB-37).
    // Dev and staging keep one server each with daily dumps.
    const prod = env.name === 'prod';
    const backupKeys = prod ? new SystemSecret(this, 'backup-s3-credentials', { keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] }) : undefined;
    const db = new Postgres(this, 'db', {
      version: '17',
      database: 'capibara6',
      storage: env.pick({ dev: '1Gi', default: '20Gi' }),
      credentials: new SystemSecret(this, 'db-credentials', {
        keys: ['postgres-password', 'password', 'monitoring-password'],
        ...(prod ? { basicAuthUsername: 'capibara6' } : {}),
      }),
      engine: backupKeys ? PostgresEngine.cloudNativePg(cnpgProd(backupKeys)) : PostgresEngine.statefulSet(),
      resources: dbResources,
      monitoring: { exporter: true },
    });
    const metricsDb = new Postgres(this, 'metrics-db', {
      version: '17',
      flavour: 'timescaledb',
      database: 'metrics',
      storage: env.pick({ dev: '1Gi', default: '50Gi' }),
      credentials: new SystemSecret(this, 'metrics-db-credentials', {
        keys: ['postgres-password', 'password'],
        ...(prod ? { basicAuthUsername: 'metrics' } : {}),
      }),
      engine: backupKeys
        ? PostgresEngine.cloudNativePg({
            ...cnpgProd(backupKeys),
            image: { reference: TIMESCALEDB_CNPG_IMAGE, uid: TIMESCALEDB_HA_UID },
          })
        : PostgresEngine.statefulSet(),
      resources: dbResources,
      // The operator's exporter in prod: the WAL archive and base backup alerts read it.
      ...(prod ? { monitoring: { exporter: true } } : {}),
    });
    // Daily verified dumps of both databases outside prod (the operator backs them up in prod);
    // the queue's RDB snapshots below.
    if (!prod) {
      db.backup({ target: BackupTarget.volume({ size: env.pick({ dev: '2Gi', default: '20Gi' }) }) });
      metricsDb.backup({ target: BackupTarget.volume({ size: env.pick({ dev: '2Gi', default: '50Gi' }) }) });
    }
    const redisCredentials = new SystemSecret(this, 'redis-credentials', { keys: ['redis-password'] });
    // The cache and the queue survive losing a node: three members each with Sentinel behind
    // HAProxy in staging and prod (the workers' BLPOPs reconnect after a failover); one in dev.
    const redisReplicas = env.pick({ dev: 1, default: 3 });
    const cache = new Redis(this, 'cache', {
      use: 'cache',
      replicas: redisReplicas,
      storage: '1Gi',
      credentials: redisCredentials,
      resources: small,
      monitoring: { exporter: true },
    }).noBackup({
      reason: 'a cache (allkeys-lru): every key is a copy of data in PostgreSQL, refilled on a miss; an empty cache only costs latency',
    });
    const queue = new Redis(this, 'queue', {
      use: 'queue',
      replicas: redisReplicas,
      storage: env.pick({ dev: '1Gi', default: '5Gi' }),
      credentials: redisCredentials,
      resources: small,
      monitoring: { exporter: true },
    });
    // The RQ queue holds jobs not yet run, which nothing else records: a lost volume would
    // lose them. Daily RDB snapshots, verified with redis-check-rdb. A restore re-queues what
    // was waiting at the snapshot, so jobs finished since then run again: RQ jobs must be
    // idempotent for a restore to be safe.
    queue.backup({ target: BackupTarget.volume({ size: env.pick({ dev: '1Gi', default: '5Gi' }) }) });

    const appSecrets = new SystemSecret(this, 'app-secrets', { keys: ['JWT_SECRET'] });
    // One ConfigMap read by the three workloads of the one image (not a copy each).
    const appConfig = new AppConfig(this, 'app-config', {
      env: { ENVIRONMENT: env.name, LOG_LEVEL: env.pick({ prod: 'info', default: 'debug' }), RATE_LIMIT_PER_MINUTE: '100' },
    });
    const common = {
      image: env.image(CAPIBARA6_IMAGES.api),
      resources: env.pick({
        dev: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
        default: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      }),
      env: { JWT_SECRET: fromSecret(appSecrets, 'JWT_SECRET') },
    };
    const dbEnv = ConnectionEnv.url('DATABASE_URL');
    const metricsEnv = ConnectionEnv.url('TIMESCALE_URL');

    const api = new WebService(this, 'api', {
      ...common,
      command: ['uvicorn', 'backend.main:app', '--host', '0.0.0.0', '--port', '8000'],
      ports: [{ name: 'http', port: 8000 }],
      readiness: Probe.http('/health'),
      liveness: Probe.tcp({ period: Duration.seconds(20) }),
    });
    // Ready when the schema answers a query on the seed's /graphql path. Assumption: Strawberry's
    // default `allow_queries_via_get` (a kubelet probe can only GET); the seed shows no health path here.
    const graphql = new WebService(this, 'graphql', {
      ...common,
      command: ['python', 'backend/graphql/main.py'],
      ports: [{ name: 'http', port: 8001 }],
      readiness: Probe.http('/graphql?query=%7B__typename%7D'),
      liveness: Probe.tcp({ period: Duration.seconds(20) }),
    });
    const workers = new Worker(this, 'workers', {
      ...common,
      command: ['rq', 'worker', '--with-scheduler', '--name', '$(POD_NAME)', '--url', '$(QUEUE_URL)', 'default'],
      env: { ...common.env, POD_NAME: fromField('metadata.name') },
      // Alive while the worker is registered with the queue (RQ drops dead workers after their heartbeat TTL).
      liveness: Probe.exec(['sh', '-c', 'rq info --url "$QUEUE_URL" --only-workers --raw | grep -q "$POD_NAME"'], {
        period: Duration.seconds(60),
        timeout: Duration.seconds(20),
      }),
    });

    for (const workload of [api, graphql, workers]) appConfig.useIn(workload);

    // The seed's persistent volumes for data, logs and models, shared by every pod of the
    // image (the APIs and workers scale out across nodes, so ReadWriteMany). Assumption: the
    // application's working directory is /app (the seed's compose mounts them under it).
    const volumes = [
      { id: 'data', path: '/app/data', size: env.pick({ dev: '1Gi', default: '20Gi' }) },
      { id: 'logs', path: '/app/logs', size: env.pick({ dev: '1Gi', default: '10Gi' }) },
      { id: 'models', path: '/app/models', size: env.pick({ dev: '5Gi', default: '50Gi' }) },
    ];
    for (const v of volumes) {
      const volume = new PersistentVolume(this, v.id, { size: v.size, accessMode: 'ReadWriteMany' });
      for (const workload of [api, graphql, workers]) volume.mountOn(workload, v.path);
    }

    for (const service of [api, graphql]) {
      service.connect(db, { env: dbEnv });
      service.connect(cache, { env: ConnectionEnv.url('CACHE_URL') });
      service.connect(queue, { env: ConnectionEnv.url('QUEUE_URL') });
      service.connect(metricsDb, { env: metricsEnv });
    }
    workers.connect(queue, { env: ConnectionEnv.url('QUEUE_URL') });
    workers.connect(db, { env: dbEnv });
    workers.connect(metricsDb, { env: metricsEnv });
    // In prod every pod of the system is in the Istio ambient mesh, with a circuit breaker (CB-40)
    // where failing fast beats waiting: the cache (a slow Redis must not hold the APIs' workers;
    // the code falls back to the database). Not on the two PostgreSQL databases, whose Services
    // CloudNativePG makes (the waypoint label cannot be put on them), nor on the queue, where a
    // refused job is lost work.
    if (env.name === 'prod') {
      const breaker = { maxConnections: 200, connectTimeout: Duration.seconds(2), consecutiveErrors: 5, ejectionTime: Duration.seconds(30) };
      enrolInMesh(this, { circuitBreakers: [{ store: cache, ...breaker }] });
    }

    api.autoscale({ min: env.pick({ dev: 1, default: 3 }), max: env.pick({ dev: 2, default: 10 }), cpuPercent: 70, memoryPercent: 80 });
    graphql.autoscale({ min: env.pick({ dev: 1, default: 2 }), max: env.pick({ dev: 2, default: 6 }), cpuPercent: 70, memoryPercent: 80 });
    workers.autoscale({ min: env.pick({ dev: 1, default: 3 }), max: env.pick({ dev: 2, default: 8 }), cpuPercent: 80, memoryPercent: 85 });

    // The seed's Prometheus/Grafana: both APIs and the PostgreSQL and Redis exporters, alerts and a dashboard.
    // The REST API serves its metrics at /api/v1/metrics behind a bearer token (the seed's curl):
    // an access token of the API's own auth, which only its operators can issue.
    const scrapeToken = new SystemSecret(this, 'metrics-scrape-token', {
      keys: ['token'],
      provided: {
        by: 'the capibara6 operators',
        how: 'a long-lived access token of a read-only API user (permission API_Access) issued by the API itself; renew it before it expires',
      },
    });
    api.exposeMetrics({ port: 'http', path: '/api/v1/metrics', bearerToken: fromSecret(scrapeToken, 'token') });
    // Assumption: the GraphQL process serves Prometheus metrics at /metrics (the seed shows none for it).
    graphql.exposeMetrics({ port: 'http', path: '/metrics' });
    // The seed's p95 targets: REST 200 ms, GraphQL 150 ms; then what no HTTP histogram measures,
    // from the traces: worker jobs under 500 ms (processing a queued job is a CONSUMER span in
    // OpenTelemetry's messaging conventions), PostgreSQL queries under 50 ms as the three
    // workloads wait for them (CLIENT spans of db.system postgresql: the database and metrics-db);
    // and a cache hit ratio above 90 %.
    new SystemAlerts(this, 'alerts', {
      latencyP95: Duration.millis(200),
      latencyP95ByJob: { graphql: Duration.millis(150) },
      traceLatencyP95: [
        {
          alert: 'WorkerJobLatencyHigh',
          workloads: [workers],
          spanKind: 'consumer',
          p95: Duration.millis(500),
          description: 'queue jobs run by workers',
        },
        {
          alert: 'DatabaseQueryLatencyHigh',
          workloads: [api, graphql, workers],
          spanKind: 'client',
          dbSystem: 'postgresql',
          p95: Duration.millis(50),
          description: 'PostgreSQL queries',
        },
      ],
      cacheHitRatio: 0.9,
    });
    // The seed's Jaeger: the REST and GraphQL APIs and the queue workers trace their requests and
    // jobs (OTLP to the platform's collector, stored in Tempo).
    for (const w of [api, graphql, workers]) w.tracing();
    new SystemDashboard(this, 'dashboard');

    const issuer = issuerForEnvironment(this, 'letsencrypt', { email: 'ops@capibara6.com' });
    new PublicEndpoint(this, 'public', {
      hosts: [
        {
          host: HOSTS[env.name],
          routes: [
            { path: '/graphql', backend: graphql },
            { path: '/', backend: api },
          ],
        },
      ],
      tls: issuer ? { issuer } : false,
      policy: { rateLimit: { requests: 100, per: 'minute' } },
    });
  }
}
