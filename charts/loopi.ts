import { Construct } from 'constructs';
import {
  BackupTarget,
  CaIssuer,
  Duration,
  ConnectionEnv,
  Environment,
  fromSecret,
  issuerForEnvironment,
  Memcached,
  MySql,
  MySqlEngine,
  ObjectStore,
  PersistentVolume,
  Probe,
  PublicEndpoint,
  Redis,
  S3Bucket,
  SystemAlerts,
  SystemLogs,
  SystemChart,
  SystemDashboard,
  SystemSecret,
  WebService,
  enrolInMesh,
} from 'cdk8s-stacks';
import { releaseImage } from './releases';

/**
 * Loopi API (seeds/000): a Go API on 8080 behind ingress-nginx (Envoy Gateway in staging, see
 * SYSTEM_EDGES in environments.ts), with MySQL 8, Redis and Memcached.
 *
 *   internet -> ingress-nginx (api.loopi.com, TLS, 10 r/s burst 20) -> api (x3, HPA, Service port 80 -> 8080) -> mysql, redis, memcached
 *
 * The seed's cache layer has both Redis and Memcached (its third app instance uses
 * Memcached) and does not say what each holds. Here the API gets both: REDIS_* as before,
 * and MEMCACHED_SERVERS, the comma-separated `host:port` list of the members, which a Go
 * client hashes keys over (gomemcache: `memcache.New(strings.Split(servers, ",")...)`).
 *
 * What the seed gets wrong and this chart does not repeat:
 * - credentials committed as base64 Secrets: every secret is produced in the cluster by
 *   the external-secrets operator (generated in dev, from Vault in staging and prod);
 * - the app connects to MySQL as root: it connects as the least-privilege `loopi` user;
 * - the deprecated `kubernetes.io/ingress.class` annotation: `spec.ingressClassName`;
 * - `loopi-api:latest`: the image is pinned.
 */

/** Where the API keeps its files on the shared volume. */
const FILES_DIR = '/data/files';

const HOSTS = { dev: 'api.dev.loopi.com', staging: 'api.staging.loopi.com', prod: 'api.loopi.com' } as const;

export class LoopiChart extends SystemChart {
  constructor(scope: Construct, env: Environment) {
    super(scope, {
      system: 'loopi',
      environment: env,
      description: 'Loopi API: Go API with MySQL 8, Redis and Memcached, files on a shared volume and in S3.',
      // The seed's branches (LP-61): work on develop runs in dev once its tests pass; staging and
      // prod deploy main only, and get the API's image by promotion (charts/releases/loopi.json).
      targetRevision: env.pick({ dev: 'develop', default: 'main' }),
    });
    // All communication encrypted (LP-66): in prod, mutual TLS between every pod of the system (Istio ambient).
    if (env.name === 'prod') enrolInMesh(this);

    const appSecrets = new SystemSecret(this, 'api-secrets', { keys: ['JWT_SECRET'] });
    const redisCredentials = new SystemSecret(this, 'redis-credentials', { keys: ['redis-password'] });

    // Prod runs the seed's primary and two replicas on MOCO (semi-synchronous replication,
    // automatic failover) with hourly backups and binary logs in an S3 bucket off the
    // cluster; dev and staging keep the single-server StatefulSet and its daily dumps.
    const prod = env.name === 'prod';
    const backupKeys = prod ? new SystemSecret(this, 'mysql-backup-s3', { keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] }) : undefined;
    const engine = backupKeys
      ? MySqlEngine.moco({
          instances: 3,
          rpo: Duration.hours(1),
          backup: {
            target: BackupTarget.s3({
              bucket: 'loopi-mysql-backups-prod',
              region: 'us-east-1',
              accessKeyId: fromSecret(backupKeys, 'AWS_ACCESS_KEY_ID'),
              secretAccessKey: fromSecret(backupKeys, 'AWS_SECRET_ACCESS_KEY'),
            }),
            schedule: '0 * * * *',
          },
        })
      : MySqlEngine.statefulSet();
    const mysql = new MySql(this, 'mysql', {
      version: '8.4',
      database: 'loopi_db',
      user: 'loopi',
      storage: env.pick({ dev: '1Gi', staging: '10Gi', prod: '20Gi' }),
      // MOCO keeps its own administrator and exporter accounts: prod needs only the application's password.
      credentials: new SystemSecret(this, 'mysql-credentials', { keys: prod ? ['password'] : ['root-password', 'password', 'exporter-password'] }),
      resources: env.pick({
        dev: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '500m', memory: '768Mi' } },
        default: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
      }),
      monitoring: { exporter: true },
      engine,
      // The seed asks for encrypted database connections (line 591): the server requires TLS
      // with a certificate from the system's own CA, and the API verifies it. Not on prod's
      // MOCO cluster, whose controller, backups and replication connect without TLS (the
      // engine refuses tls; docs/fidelity/loopi.md LP-67).
      tls: prod ? undefined : { issuer: new CaIssuer(this, 'database-ca') },
    });

    const redis = new Redis(this, 'redis', {
      use: 'cache',
      storage: env.pick({ default: '1Gi', prod: '5Gi' }),
      credentials: redisCredentials,
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
      monitoring: { exporter: true },
    }).noBackup({ reason: 'a cache (allkeys-lru) in front of MySQL: every key is refilled from the database on a miss' });
    // Memory only, nothing to back up. Two members in prod: losing a node halves the cache
    // instead of emptying it (they run on different nodes, with a PDB).
    const memcached = new Memcached(this, 'memcached', {
      version: '1.6',
      replicas: env.pick({ default: 1, prod: 2 }),
      resources: env.pick({
        dev: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '250m', memory: '128Mi' } },
        default: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      }),
      monitoring: { exporter: true },
    });
    // Daily verified dumps of the application database on a volume of their own (MOCO backs up prod).
    if (!prod) mysql.backup({ target: BackupTarget.volume({ size: env.pick({ dev: '2Gi', default: '20Gi' }) }) });

    const api = new WebService(this, 'api', {
      image: env.image(releaseImage('loopi', env.name, 'api')),
      // The seed's Service: port 80 -> 8080.
      ports: [{ name: 'http', port: 8080, servicePort: 80 }],
      replicas: env.pick({ dev: 1, staging: 2, prod: 3 }),
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      liveness: Probe.http('/health'),
      // The seed's readiness probe runs every 5 s.
      readiness: Probe.http('/ready', { period: Duration.seconds(5) }),
      config: { PORT: '8080', ENVIRONMENT: env.pick({ dev: 'development', staging: 'staging', prod: 'production' }), FILES_DIR },
      env: { JWT_SECRET: fromSecret(appSecrets, 'JWT_SECRET') },
      // The seed's image runs as root from /root; here it runs as uid 10001 with a read-only root filesystem.
      imageUser: {
        expects: 'to run as root (its Dockerfile sets no USER) with the binary and a copied .env in WORKDIR /root, which no other user can read',
        mustDo:
          'install the binary outside /root (e.g. COPY --chown=10001:10001 loopi-api /app/loopi-api, WORKDIR /app, USER 10001), ' +
          'drop the copied .env (every setting comes from the environment this chart sets), and write nothing but /tmp',
      },
    });
    // With TLS: DB_SSL_MODE=VERIFY_IDENTITY and DB_SSL_CA, the CA the API verifies MySQL with.
    api.connect(mysql, {
      env: ConnectionEnv.discrete({
        host: 'DB_HOST',
        port: 'DB_PORT',
        database: 'DB_NAME',
        user: 'DB_USER',
        password: 'DB_PASSWORD',
        sslMode: 'DB_SSL_MODE',
        sslCa: 'DB_SSL_CA',
      }),
    });
    api.connect(redis, { env: ConnectionEnv.discrete({ host: 'REDIS_HOST', port: 'REDIS_PORT', password: 'REDIS_PASSWORD' }) });
    api.connect(memcached, { env: ConnectionEnv.discrete({ members: 'MEMCACHED_SERVERS' }) });

    // The seed's file storage (LP-07), both kinds. Local/NFS: one shared volume at FILES_DIR that
    // every replica mounts (ReadWriteMany, the profile's file class: NFS in dev, the provider's
    // file service in staging and prod). S3: S3_BUCKET with S3_ENDPOINT, AWS_REGION,
    // S3_FORCE_PATH_STYLE and the key pair AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, the names
    // every AWS SDK reads. Staging and prod use an AWS S3 bucket of their own (keys from Vault,
    // HTTPS egress only); dev, whose generated keys open no AWS bucket, a MinIO of its own with
    // a user limited to the bucket and daily verified copies on a volume.
    new PersistentVolume(this, 'files', { size: env.pick({ dev: '1Gi', staging: '10Gi', prod: '50Gi' }), accessMode: 'ReadWriteMany' }).mountOn(
      api,
      FILES_DIR,
    );
    if (env.name === 'dev') {
      const minio = new ObjectStore(this, 'minio', {
        storage: '2Gi',
        credentials: new SystemSecret(this, 'minio-credentials', { keys: ['root-user', 'root-password'] }),
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      });
      const bucket = minio.addBucket('loopi-files', { versioning: true });
      api.connect(minio, { env: minio.s3Env({ bucket }) });
      minio.backup({ target: BackupTarget.volume({ size: '2Gi' }) });
    } else {
      const keys = new SystemSecret(this, 'files-s3-credentials', { keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] });
      new S3Bucket(this, 'files-bucket', { bucket: `loopi-files-${env.name}`, region: 'us-east-1', credentials: keys }).useIn(api);
    }
    // Prometheus scrapes the API and the MySQL and Redis exporters (the seed's scraping);
    // alerts and a Grafana dashboard come from the same model.
    // The seed scrapes the API every 5 s (the exporters at the environment's interval).
    api.exposeMetrics({ port: 'http', path: '/metrics', interval: Duration.seconds(5) });
    new SystemAlerts(this, 'alerts');
    // The seed's Jaeger and ELK: the API's traces (OTLP to the platform's collector, Tempo) and its
    // logs in Loki, with an alert on bursts of error lines.
    api.tracing();
    new SystemLogs(this, 'logs', { errorBurst: { linesPerMinute: 10 } });
    new SystemDashboard(this, 'dashboard');
    if (env.name !== 'dev')
      api.autoscale({ min: env.pick({ dev: 1, staging: 2, prod: 3 }), max: env.pick({ dev: 1, staging: 4, prod: 10 }), cpuPercent: 70 });

    const issuer = issuerForEnvironment(this, 'letsencrypt', { email: 'ops@loopi.com' });
    // The seed's nginx: 10 r/s per client with a burst of 20, 5/60/60 s proxy timeouts, its
    // security headers (X-XSS-Protection included), gzip, and the next upstream on 500/502/503.
    // Envoy Gateway's local rate limit has no burst (a bucket of `requests` tokens per second):
    // where it serves Loopi, the limit is the steady 10 r/s and the burst is left out rather
    // than refused.
    const gatewayEdge = env.platform.edge.default === 'gateway' && env.platform.edge.gateway?.implementation === 'envoy-gateway';
    new PublicEndpoint(this, 'public', {
      host: HOSTS[env.name],
      backend: api,
      tls: issuer ? { issuer } : false,
      policy: {
        rateLimit: { requests: 10, per: 'second', burst: gatewayEdge ? undefined : 20 },
        timeouts: { connect: Duration.seconds(5), read: Duration.seconds(60), send: Duration.seconds(60) },
        securityHeaders: { extra: { 'X-XSS-Protection': '1; mode=block' } },
        compression: true,
        retry: { attempts: 2, onStatus: [500, 502, 503] },
      },
    });
  }
}
