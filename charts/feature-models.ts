import { Construct } from 'constructs';
import {
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
  Worker,
  SystemLogs,
} from 'cdk8s-stacks';
import { releaseImage } from './releases';

/**
 * Feature-models (seeds/001): a Next.js dashboard and a FastAPI backend behind Traefik,
 * a prestart step (Alembic migrations + first superuser) that must finish before the
 * backend starts, a Celery worker, PostgreSQL 17 and Redis 7 with persistence.
 *
 *   dashboard.<domain> -> frontend (Next.js :3000)
 *   api.<domain>       -> backend (gunicorn, 4 uvicorn workers, :8000) -> db, redis
 *   prestart (migrations + superuser) -> gates backend and worker
 *   celery worker -> db, redis (broker)
 *
 * The seed calls database backups critical and has none: daily backups (see backups).
 */
/**
 * Paths in each environment's registry: `env.image()` writes them in full (`registry.stackworks.io/<path>` in staging and prod).
 * The backend's image is one build for every environment, recorded per environment in
 * charts/releases/feature-models.json and promoted dev -> staging -> prod (`npm run promote`);
 * the dashboard is built per environment (frontendBuild), so there is no one image to promote.
 */
export const FEATURE_MODELS_IMAGES = {
  frontend: 'feature-models-frontend:1.0.0',
} as const;

/**
 * Next.js inlines `NEXT_PUBLIC_*` variables into the bundle when the image is built; set at
 * run time they change nothing in the browser. So the dashboard is built once per environment
 * (`docker build --build-arg NEXT_PUBLIC_API_URL=<this value>`) and tagged `<version>-<env>`.
 */
export function frontendBuild(env: Pick<Environment, 'name'>): { readonly image: string; readonly buildArgs: Record<string, string> } {
  return {
    image: `${FEATURE_MODELS_IMAGES.frontend}-${env.name}`,
    buildArgs: { NEXT_PUBLIC_API_URL: `https://api.${DOMAINS[env.name]}` },
  };
}

const DOMAINS = { dev: 'dev.feature-models.com', staging: 'staging.feature-models.com', prod: 'feature-models.com' } as const;

export class FeatureModelsChart extends SystemChart {
  constructor(scope: Construct, env: Environment) {
    super(scope, {
      system: 'feature-models',
      environment: env,
      description: 'Feature-models: Next.js dashboard, FastAPI backend, Celery worker, PostgreSQL 17 and Redis 7, behind Traefik.',
    });
    const domain = DOMAINS[env.name];
    // The backend, its prestart step and the worker run one image: the release of this environment.
    const backendImage = env.image(releaseImage('feature-models', env.name, 'backend'));
    const backendResources = env.pick({
      dev: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      default: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    });

    // The seed: "for production high availability, PostgreSQL with replicas". Prod runs a
    // CloudNativePG primary with two streaming standbys it fails over to, with base backups
    // and the WAL archive in an S3 bucket off the cluster (the RPO is 5 minutes); dev and
    // staging keep the single server and its daily dumps.
    const prod = env.name === 'prod';
    const dbCredentials = new SystemSecret(this, 'db-credentials', {
      keys: ['postgres-password', 'password', 'monitoring-password'],
      ...(prod ? { basicAuthUsername: 'app' } : {}),
    });
    const backupKeys = prod ? new SystemSecret(this, 'backup-s3-credentials', { keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] }) : undefined;
    const db = new Postgres(this, 'db', {
      version: '17',
      database: 'app',
      engine: backupKeys
        ? PostgresEngine.cloudNativePg({
            instances: 3,
            rpo: Duration.minutes(5),
            backup: {
              target: BackupTarget.s3({
                bucket: 'feature-models-backups-prod',
                region: 'us-east-1',
                prefix: 'feature-models-prod/cnpg',
                accessKeyId: fromSecret(backupKeys, 'AWS_ACCESS_KEY_ID'),
                secretAccessKey: fromSecret(backupKeys, 'AWS_SECRET_ACCESS_KEY'),
              }),
              retention: Duration.days(30),
            },
          })
        : PostgresEngine.statefulSet(),
      storage: env.pick({ dev: '1Gi', staging: '10Gi', prod: '50Gi' }),
      credentials: dbCredentials,
      resources: env.pick({
        dev: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
        default: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
      }),
      // The database's metrics: connections on the dashboard and, in prod, the operator's alert
      // when archiving the WAL to S3 fails (the seed calls backups critical).
      monitoring: { exporter: true },
    });
    const redis = new Redis(this, 'redis', {
      version: '7.4',
      // Celery's broker queue lives here: never evict.
      use: 'queue',
      storage: env.pick({ default: '1Gi', prod: '5Gi' }),
      credentials: new SystemSecret(this, 'redis-credentials', { keys: ['redis-password'] }),
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
    });
    // The seed calls database backups critical and has none: daily verified dumps of the
    // database, and RDB snapshots of the broker (queued tasks survive a lost volume).
    if (!prod) db.backup({ target: BackupTarget.volume({ size: env.pick({ dev: '2Gi', default: '20Gi' }) }) });
    redis.backup({ target: BackupTarget.volume({ size: env.pick({ dev: '1Gi', default: '5Gi' }) }) });

    const appSecrets = new SystemSecret(this, 'backend-secrets', { keys: ['SECRET_KEY', 'FIRST_SUPERUSER_PASSWORD'] });
    const backendConfig = {
      DOMAIN: domain,
      ENVIRONMENT: env.pick({ dev: 'local', staging: 'staging', prod: 'production' }),
      FRONTEND_HOST: `https://dashboard.${domain}`,
      BACKEND_CORS_ORIGINS: `https://dashboard.${domain}`,
      FIRST_SUPERUSER: `admin@${domain}`,
      PROJECT_NAME: 'feature-models',
    };
    const backendEnv = {
      SECRET_KEY: fromSecret(appSecrets, 'SECRET_KEY'),
      FIRST_SUPERUSER_PASSWORD: fromSecret(appSecrets, 'FIRST_SUPERUSER_PASSWORD'),
    };
    const dbEnv = ConnectionEnv.discrete({
      host: 'POSTGRES_SERVER',
      port: 'POSTGRES_PORT',
      database: 'POSTGRES_DB',
      user: 'POSTGRES_USER',
      password: 'POSTGRES_PASSWORD',
    });
    const brokerEnv = ConnectionEnv.url('REDIS_URL');

    const prestart = new MigrationJob(this, 'prestart', {
      image: backendImage,
      command: ['bash', 'scripts/prestart.sh'],
      readyCheck: "alembic current 2>/dev/null | grep -q '(head)'",
      resources: backendResources,
      config: backendConfig,
      env: backendEnv,
    });
    prestart.connect(db, { env: dbEnv });

    // The seed's blue-green releases (staging and prod): the new version starts beside the old
    // one behind `<name>-preview`; a person promotes it (`kubectl argo rollouts promote`), and
    // the API's error ratio is watched after the switch, which goes back on failure.
    const blueGreen = env.name !== 'dev';
    const backend = new WebService(this, 'backend', {
      image: backendImage,
      command: ['gunicorn', 'app.main:app', '--workers', '4', '--worker-class', 'uvicorn.workers.UvicornWorker', '--bind', '0.0.0.0:8000'],
      ports: [{ name: 'http', port: 8000 }],
      replicas: env.pick({ dev: 1, default: 2 }),
      resources: backendResources,
      readiness: Probe.http('/api/v1/utils/health-check/', { timeout: Duration.seconds(5) }),
      // Alive as long as gunicorn accepts connections; readiness also needs the app to answer.
      liveness: Probe.tcp({ period: Duration.seconds(20), failureThreshold: 5 }),
      config: backendConfig,
      env: backendEnv,
      rollout: blueGreen ? { strategy: 'blueGreen', analysis: { maxErrorRatio: 0.05 } } : undefined,
    });
    backend.connect(db, { env: dbEnv });
    backend.connect(redis, { env: brokerEnv });
    prestart.gate(backend);
    // FastAPI's Prometheus instrumentator serves /metrics on the app port.
    backend.exposeMetrics({ port: 'http', path: '/metrics' });
    // The seed's application performance monitoring: the API and the Celery worker send traces
    // (OTLP to the platform's collector, kept in Tempo); see worker.tracing() below.
    backend.tracing();
    new SystemAlerts(this, 'alerts');
    new SystemDashboard(this, 'dashboard');
    // The seed lists centralized logs and error alerts (Sentry) as critical: logs in the platform's
    // Loki, and an alert when a workload logs a burst of errors.
    new SystemLogs(this, 'logs', { errorBurst: { linesPerMinute: 10 } });

    const worker = new Worker(this, 'celery-worker', {
      image: backendImage,
      command: ['celery', '-A', 'app.core.celery.celery_app', 'worker', '--loglevel=info'],
      replicas: env.pick({ dev: 1, default: 2 }),
      resources: backendResources,
      // The node name from the environment the runtime sets; POSIX sh defines no $HOSTNAME itself (shellcheck SC3028).
      liveness: Probe.exec(['sh', '-c', 'celery -A app.core.celery.celery_app inspect ping -d "celery@$(printenv HOSTNAME)" --timeout 10'], {
        period: Duration.seconds(60),
        timeout: Duration.seconds(20),
      }),
      config: backendConfig,
      env: backendEnv,
    });
    worker.connect(db, { env: dbEnv });
    worker.connect(redis, { env: brokerEnv });
    prestart.gate(worker);
    worker.tracing();

    const frontend = new WebService(this, 'frontend', {
      // Built for this environment: its API URL is in the bundle (see frontendBuild).
      image: env.image(frontendBuild(env).image),
      command: ['node', 'server.js'],
      ports: [{ name: 'http', port: 3000 }],
      runAs: { user: 1001 },
      replicas: env.pick({ dev: 1, default: 2 }),
      resources: env.pick({
        dev: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
        default: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      }),
      readiness: Probe.http('/'),
      liveness: Probe.tcp({ period: Duration.seconds(20) }),
      // Next.js standalone writes its image and fetch caches under .next/cache.
      writablePaths: ['/app/.next/cache'],
      config: { NODE_ENV: 'production', HOSTNAME: '0.0.0.0', PORT: '3000' },
      // No metrics to judge it by: promoted by hand after a look at the preview.
      rollout: blueGreen ? { strategy: 'blueGreen' } : undefined,
    });

    // The seed's "auto-scaling based on load": the API and the dashboard scale on CPU in
    // staging and prod (dev keeps one pod of each).
    if (env.name !== 'dev') {
      backend.autoscale({ min: 2, max: env.pick({ default: 4, prod: 6 }), cpuPercent: 70 });
      frontend.autoscale({ min: 2, max: env.pick({ default: 3, prod: 4 }), cpuPercent: 70 });
    }

    const issuer = issuerForEnvironment(this, 'letsencrypt', { email: `ops@${DOMAINS.prod}`, http01: { ingressClassName: 'traefik' } });
    new PublicEndpoint(this, 'public', {
      controller: 'traefik',
      hosts: [
        { host: `dashboard.${domain}`, routes: [{ backend: frontend }] },
        // The seed lists rate limiting without a figure: 10 r/s per client with a burst of 20
        // (the figure of the Loopi seed) on the API; the dashboard's pages and assets are not limited.
        { host: `api.${domain}`, routes: [{ backend: backend, policy: { rateLimit: { requests: 10, per: 'second', burst: 20 } } }] },
      ],
      tls: issuer ? { issuer } : false,
    });
  }
}
