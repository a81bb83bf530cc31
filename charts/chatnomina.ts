import { Construct } from 'constructs';
import {
  AppConfig,
  BackupTarget,
  ConnectionEnv,
  Duration,
  Environment,
  fromSecret,
  issuerForEnvironment,
  MigrationJob,
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
  SystemLogs,
} from 'cdk8s-stacks';
import type { RolloutOptions } from 'cdk8s-stacks';
import { releaseImage } from './releases';

/**
 * ChatNomina (seeds/003): three services on 8000 (API, Chat, Auth) with PostgreSQL, Redis
 * with a password, and AWS S3 for files, published at api.chatnomina.com (prod) and
 * api.staging.chatnomina.com.
 *
 *   internet -> ingress-nginx -> /api/v1/chat: chat, /api/v1/auth: auth, /: api (x3 each, Service port 80 -> 8000)
 *   api, chat, auth -> db (PostgreSQL), cache (Redis), AWS S3 (443)
 *   migrate (alembic upgrade head, before the services roll out) -> db
 *
 * The seed draws Chat and Auth beside the API (all three reach RDS, ElastiCache and S3) and
 * says no more about them. Assumptions, until their own documents say otherwise: each is an
 * image of the same FastAPI stack (port 8000, /health and /ready, the API's settings and
 * JWT secret: Auth issues the tokens the others verify), on the shared schema that the
 * API's alembic migration manages, and reached under `/api/v1/chat` and `/api/v1/auth`.
 *
 * Versions: the seed pins PostgreSQL 13 and Redis 6, both past end of life. This chart
 * uses the oldest supported majors instead, PostgreSQL 15 and Redis 7.4, so an upgrade
 * from the seed's data is one major step for Redis and two for PostgreSQL (pg_upgrade
 * or dump/restore; see the restore runbook).
 * The seed's app connects as `admin` with the password in a committed file: here a
 * least-privilege `chatnomina` role, passwords from the secret store.
 */
/**
 * The services, each one image. The image each environment runs is recorded in
 * charts/releases/chatnomina.json (paths in its registry: `env.image()` writes them in full,
 * `registry.stackworks.io/<path>` in staging and prod); staging and prod get a release by
 * promotion (`npm run promote -- chatnomina --from staging --to prod`), never by editing the chart.
 */
type ServiceName = 'api' | 'chat' | 'auth';

/**
 * The seed's "prod only when staging passed, otherwise roll back": a release reaches prod by
 * promotion from staging (above), and there it takes a quarter of the pods, then half, then
 * three quarters, five minutes each, while Argo Rollouts measures the service's 5xx ratio
 * every minute against the seed's 1 % alert threshold; two failed measurements abort the
 * release and the stable version takes every pod back.
 */
const CANARY: RolloutOptions = {
  strategy: 'canary',
  steps: [
    { setWeight: 25 },
    { pause: Duration.minutes(5) },
    { setWeight: 50 },
    { pause: Duration.minutes(5) },
    { setWeight: 75 },
    { pause: Duration.minutes(5) },
  ],
  analysis: { maxErrorRatio: 0.01 },
};

/**
 * The API's host per environment. `staging.chatnomina.com` is the staging frontend (the seed's
 * staging CORS origin), so the staging API gets its own name, as prod's and dev's have.
 */
const HOSTS = { dev: 'api.dev.chatnomina.com', staging: 'api.staging.chatnomina.com', prod: 'api.chatnomina.com' } as const;

export class ChatNominaChart extends SystemChart {
  constructor(scope: Construct, env: Environment) {
    super(scope, { system: 'chatnomina', environment: env, description: 'ChatNomina: API with PostgreSQL, Redis and AWS S3.' });

    // The seed runs prod on an RDS cluster: here prod runs PostgreSQL on CloudNativePG, a
    // primary and two streaming standbys on different nodes with automated failover, WAL
    // archived to S3 at least every 5 minutes (the recovery point objective) and daily base
    // backups, so the README's point-in-time recovery can reach any moment of the last 30 days.
    // Dev and staging keep the single StatefulSet with daily pg_dump backups.
    const prod = env.name === 'prod';
    const backupKeys = new SystemSecret(this, 'backup-s3-credentials', { keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] });
    const s3Backups = (prefix?: string) =>
      BackupTarget.s3({
        bucket: `chatnomina-backups-${env.name}`,
        region: 'us-east-1',
        ...(prefix ? { prefix } : {}),
        accessKeyId: fromSecret(backupKeys, 'AWS_ACCESS_KEY_ID'),
        secretAccessKey: fromSecret(backupKeys, 'AWS_SECRET_ACCESS_KEY'),
      });
    const db = new Postgres(this, 'db', {
      version: '15',
      database: env.pick({ staging: 'chatnomina_staging', default: 'chatnomina' }),
      user: 'chatnomina',
      storage: env.pick({ dev: '1Gi', staging: '10Gi', prod: '50Gi' }),
      // CloudNativePG reads the owner's login from a kubernetes.io/basic-auth Secret.
      credentials: new SystemSecret(this, 'db-credentials', {
        keys: ['postgres-password', 'password', 'monitoring-password'],
        ...(prod ? { basicAuthUsername: 'chatnomina' } : {}),
      }),
      engine: prod
        ? PostgresEngine.cloudNativePg({
            instances: 3,
            rpo: Duration.minutes(5),
            backup: { target: s3Backups('chatnomina-prod/cnpg'), retention: Duration.days(30) },
          })
        : PostgresEngine.statefulSet(),
      resources: env.pick({
        dev: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
        default: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
      }),
      monitoring: { exporter: true },
    });
    // Highly available like the rest of the system (the seed's ElastiCache): three members
    // with Sentinel behind HAProxy in staging and prod; one in dev.
    const cache = new Redis(this, 'cache', {
      version: '7.4',
      use: 'cache',
      replicas: env.pick({ dev: 1, default: 3 }),
      storage: env.pick({ default: '1Gi', prod: '5Gi' }),
      credentials: new SystemSecret(this, 'redis-credentials', { keys: ['redis-password'] }),
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
      monitoring: { exporter: true },
    });

    const appSecrets = new SystemSecret(this, 'api-secrets', { keys: ['JWT_SECRET', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] });
    // One ConfigMap read by the API and its migration: both boot the same application settings.
    const apiConfig = new AppConfig(this, 'api-config', {
      env: {
        API_VERSION: 'v1',
        API_PORT: '8000',
        ENVIRONMENT: env.pick({ dev: 'development', staging: 'staging', prod: 'production' }),
        LOG_LEVEL: env.pick({ prod: 'info', default: 'debug' }),
        JWT_EXPIRATION: '3600',
        CORS_ORIGINS: env.pick({ dev: 'https://dev.chatnomina.com', staging: 'https://staging.chatnomina.com', prod: 'https://chatnomina.com' }),
        S3_BUCKET: `chatnomina-${env.name}`,
        AWS_REGION: 'us-east-1',
      },
    });
    const apiEnv = {
      JWT_SECRET: fromSecret(appSecrets, 'JWT_SECRET'),
      AWS_ACCESS_KEY_ID: fromSecret(appSecrets, 'AWS_ACCESS_KEY_ID'),
      AWS_SECRET_ACCESS_KEY: fromSecret(appSecrets, 'AWS_SECRET_ACCESS_KEY'),
    };
    const resources = { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
    const dbEnv = ConnectionEnv.discrete({ host: 'DB_HOST', port: 'DB_PORT', database: 'DB_NAME', user: 'DB_USER', password: 'DB_PASSWORD' });

    // The seed's `alembic upgrade head`, run before the API rolls out: an Argo CD Sync hook
    // after the database, and a gate that keeps the API's pods from starting against an
    // unmigrated schema when the folder is applied with kubectl.
    const migrate = new MigrationJob(this, 'migrate', {
      image: env.image(releaseImage('chatnomina', env.name, 'api')),
      command: ['alembic', 'upgrade', 'head'],
      readyCheck: "alembic current 2>/dev/null | grep -q '(head)'",
      resources,
      env: apiEnv,
    });
    apiConfig.useIn(migrate);
    migrate.connect(db, { env: dbEnv });

    // The seed's Service: port 80 -> 8000; Chat and Auth are built the same way.
    const service = (name: ServiceName) => {
      const workload = new WebService(this, name, {
        image: env.image(releaseImage('chatnomina', env.name, name)),
        ports: [{ name: 'http', port: 8000, servicePort: 80 }],
        replicas: env.pick({ dev: 1, staging: 2, prod: 3 }),
        resources,
        liveness: Probe.http('/health'),
        // The seed's readiness probe runs every 5 s.
        readiness: Probe.http('/ready', { period: Duration.seconds(5) }),
        env: apiEnv,
        // The seed's log directory (its runbook prunes files older than 30 days there): an
        // emptyDir under the read-only root, so the files live as long as the pod; what must
        // outlive it goes to stdout, which the cluster's log collection keeps.
        writablePaths: ['/var/log/chatnomina'],
        rollout: prod ? CANARY : undefined,
      });
      apiConfig.useIn(workload);
      workload.connect(db, { env: dbEnv });
      migrate.gate(workload);
      workload.connect(cache, { env: ConnectionEnv.discrete({ host: 'REDIS_HOST', port: 'REDIS_PORT', password: 'REDIS_PASSWORD' }) });
      // Files live in AWS S3: HTTPS to the internet, never to the cluster's own ranges.
      workload.connections.allowToInternet([{ port: 443 }]);
      // The seed's Auto Scaling Groups: from the seed's 3 replicas up to 10 in prod on CPU.
      if (env.name !== 'dev') workload.autoscale({ min: env.pick({ default: 2, prod: 3 }), max: env.pick({ default: 4, prod: 10 }), cpuPercent: 70 });
      return workload;
    };
    const api = service('api');
    const chat = service('chat');
    const auth = service('auth');

    // The seed's daily pg_dump (dev and staging; prod's PostgreSQL is archived by
    // CloudNativePG) and Redis backups. Staging and prod keep them off-site in an S3 bucket
    // of their own (keys from the secret store, by reference); dev, whose generated keys
    // open no bucket, keeps them on a volume.
    const backupTarget = (size: string) => (env.name === 'dev' ? BackupTarget.volume({ size }) : s3Backups());
    if (!prod) db.backup({ target: backupTarget('5Gi') });
    cache.backup({ target: backupTarget('2Gi') });

    // The seed's alerts: error rate > 1 %, latency > 200 ms, CPU, memory and disk > 80 %,
    // 5xx and 4xx errors (the seed gives 4xx no threshold: 10 % of requests here).
    // Assumption: Chat and Auth serve /metrics like the API (same stack).
    for (const w of [api, chat, auth]) w.exposeMetrics({ port: 'http', path: '/metrics' });
    new SystemAlerts(this, 'alerts', {
      errorRatio: 0.01,
      clientErrorRatio: 0.1,
      latencyP95: Duration.millis(200),
      cpuPercent: 80,
      memoryPercent: 80,
      diskPercent: 80,
    });
    new SystemDashboard(this, 'dashboard');
    // The seed's ELK stack: logs in the platform's Loki, and its "error rate" alerting covers error lines too.
    new SystemLogs(this, 'logs', { errorBurst: { linesPerMinute: 10 } });

    const issuer = issuerForEnvironment(this, 'letsencrypt', { email: 'ops@chatnomina.com' });
    new PublicEndpoint(this, 'public', {
      hosts: [
        {
          host: HOSTS[env.name],
          routes: [
            { path: '/api/v1/chat', backend: chat },
            { path: '/api/v1/auth', backend: auth },
            { path: '/', backend: api },
          ],
        },
      ],
      tls: issuer ? { issuer } : false,
      // The seed's WAF in front of the API: ModSecurity with the OWASP Core Rule Set (paranoia 1,
      // the rule set's own thresholds) on ingress-nginx. Dev and staging detect only, so the
      // rules' findings on real traffic show up in the audit log (Loki) before prod refuses
      // anything; prod blocks.
      policy: { waf: { mode: env.pick<'block' | 'detect'>({ default: 'detect', prod: 'block' }) } },
    });
  }
}
