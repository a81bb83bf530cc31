import { Construct } from 'constructs';
import {
  BackupTarget,
  ConnectionEnv,
  Environment,
  fromSecret,
  issuerForEnvironment,
  MySql,
  Probe,
  PublicEndpoint,
  Redis,
  SystemAlerts,
  SystemChart,
  SystemDashboard,
  SystemSecret,
  WebService,
} from 'cdk8s-stacks';

/**
 * Loopi API (seeds/000): a Go API on 8080 behind ingress-nginx, with MySQL 8 and Redis.
 *
 *   internet -> ingress-nginx (api.loopi.com, TLS, 10 r/s burst 20) -> api (x3, HPA) -> mysql, redis
 *
 * What the seed gets wrong and this chart does not repeat:
 * - credentials committed as base64 Secrets: every secret is produced in the cluster by
 *   the external-secrets operator (generated in dev, from Vault in staging and prod);
 * - the app connects to MySQL as root: it connects as the least-privilege `loopi` user;
 * - the deprecated `kubernetes.io/ingress.class` annotation: `spec.ingressClassName`;
 * - `loopi-api:latest`: the image is pinned.
 */
export const LOOPI_IMAGES = {
  api: 'loopi-api:1.0.0',
} as const;

const HOSTS = { dev: 'api.dev.loopi.com', staging: 'api.staging.loopi.com', prod: 'api.loopi.com' } as const;

export class LoopiChart extends SystemChart {
  constructor(scope: Construct, env: Environment) {
    super(scope, { system: 'loopi', environment: env, description: 'Loopi API: Go API with MySQL 8 and Redis, behind ingress-nginx.' });

    const appSecrets = new SystemSecret(this, 'api-secrets', { keys: ['JWT_SECRET'] });
    const redisCredentials = new SystemSecret(this, 'redis-credentials', { keys: ['redis-password'] });

    const mysql = new MySql(this, 'mysql', {
      version: '8.4',
      database: 'loopi_db',
      user: 'loopi',
      storage: env.pick({ dev: '1Gi', staging: '10Gi', prod: '20Gi' }),
      credentials: new SystemSecret(this, 'mysql-credentials', { keys: ['root-password', 'password', 'exporter-password'] }),
      resources: env.pick({
        dev: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '500m', memory: '768Mi' } },
        default: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
      }),
      monitoring: { exporter: true },
    });

    const redis = new Redis(this, 'redis', {
      use: 'cache',
      storage: env.pick({ default: '1Gi', prod: '5Gi' }),
      credentials: redisCredentials,
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
      monitoring: { exporter: true },
    }).noBackup({ reason: 'a cache (allkeys-lru) in front of MySQL: every key is refilled from the database on a miss' });
    // Daily verified dumps of the application database on a volume of their own.
    mysql.backup({ target: BackupTarget.volume({ size: env.pick({ dev: '2Gi', default: '20Gi' }) }) });

    const api = new WebService(this, 'api', {
      image: LOOPI_IMAGES.api,
      ports: [{ name: 'http', port: 8080 }],
      replicas: env.pick({ dev: 1, staging: 2, prod: 3 }),
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      liveness: Probe.http('/health'),
      readiness: Probe.http('/ready'),
      config: { PORT: '8080', ENVIRONMENT: env.pick({ dev: 'development', staging: 'staging', prod: 'production' }) },
      env: { JWT_SECRET: fromSecret(appSecrets, 'JWT_SECRET') },
    });
    api.connect(mysql, {
      env: ConnectionEnv.discrete({ host: 'DB_HOST', port: 'DB_PORT', database: 'DB_NAME', user: 'DB_USER', password: 'DB_PASSWORD' }),
    });
    api.connect(redis, { env: ConnectionEnv.discrete({ host: 'REDIS_HOST', port: 'REDIS_PORT', password: 'REDIS_PASSWORD' }) });
    // Prometheus scrapes the API and the MySQL and Redis exporters (the seed's scraping);
    // alerts and a Grafana dashboard come from the same model.
    api.exposeMetrics({ port: 'http', path: '/metrics' });
    new SystemAlerts(this, 'alerts');
    new SystemDashboard(this, 'dashboard');
    if (env.name !== 'dev')
      api.autoscale({ min: env.pick({ dev: 1, staging: 2, prod: 3 }), max: env.pick({ dev: 1, staging: 4, prod: 10 }), cpuPercent: 70 });

    const issuer = issuerForEnvironment(this, 'letsencrypt', { email: 'ops@loopi.com' });
    new PublicEndpoint(this, 'public', {
      host: HOSTS[env.name],
      backend: api,
      tls: issuer ? { issuer } : false,
      policy: {
        rateLimit: { requests: 10, per: 'second', burst: 20 },
        timeouts: { connectSeconds: 5, readSeconds: 60, sendSeconds: 60 },
      },
    });
  }
}
