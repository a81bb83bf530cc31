import { Construct } from 'constructs';
import {
  BackupTarget,
  ConnectionEnv,
  Duration,
  Environment,
  fromSecret,
  issuerForEnvironment,
  MongoDb,
  ObjectStore,
  Probe,
  PublicEndpoint,
  Redis,
  SystemAlertRoutes,
  SystemAlerts,
  SystemLogs,
  SystemChart,
  SystemDashboard,
  SystemSecret,
  WebService,
  enrolInMesh,
} from 'cdk8s-stacks';

/**
 * TechShop Cloud (seeds/002): a Node app on 3000 with a MongoDB replica set, Redis and
 * MinIO, behind ingress-nginx with a regex rewrite and a per-IP rate limit.
 *
 *   internet -> ingress-nginx (api.techshop-cloud.com /api(/|$)(.*) -> /$2, 100 req/min)
 *            -> app (HPA 3-10 on cpu 70 % / memory 80 %, PDB minAvailable 2)
 *            -> mongodb (3-member replica set), redis, minio (buckets uploads and backups)
 *
 * What the seed gets wrong and this chart does not repeat:
 * - a "replica set" of three independent mongods: its StatefulSet started them without
 *   `--replSet`, without a keyfile and without a headless Service, so they never formed a
 *   set and the app's `mongodb-service` spread writes over three unrelated databases.
 *   Here: `--replSet rs0 --keyFile` (the key from a Secret, installed with mode 0400), a
 *   headless Service with stable member names, an idempotent Job that initiates the set
 *   with those names and creates a readWrite-only application user, and a MONGODB_URI
 *   listing every member with `replicaSet=rs0` (the seed's app connected as the admin);
 *   one member in dev (an odd number; three are required in prod);
 * - a regex path with `pathType: Prefix`: ImplementationSpecific with use-regex;
 * - "Redis cluster" (3 Deployment replicas sharing one RWO volume, cluster mode on, never a
 *   cluster): in staging and prod three members, each with its own volume, AOF and the
 *   password, watched by Sentinel behind HAProxy (failover, one Redis URL); sharding (Redis
 *   Cluster) is not needed at this size. Dev: one member;
 * - a NetworkPolicy egress without DNS: every namespace allows DNS to kube-system;
 * - a VPA in Auto mode on the cpu/memory the HPA scales on: the VPA only recommends (Off);
 * - "SecurityContext" as a Kubernetes kind: the fields live in each pod (restricted, uid 1001);
 * - a read-only root filesystem without a writable /tmp: /tmp is an emptyDir;
 * - a ResourceQuota (4 cpu requests, 8 cpu limits) that cannot admit the stack at maximum
 *   scale (about 5 cpu requested and 12 cpu of limits with the app at its HPA maximum and
 *   the three Mongo members): the quota is sized from the stack (see
 *   test/charts/techshop.test.ts for the arithmetic);
 * - `techshop/app:latest`: pinned;
 * - backups only of MongoDB, and to a MinIO in the same cluster: in prod every store's
 *   backups go off-site to AWS S3 (the seed's `s3://techshop-backups`); dev and staging keep
 *   them in the cluster (the Mongo dumps in MinIO's `backups` bucket, the uploads on a volume).
 *   Redis holds sessions and is deliberately not backed up (the reason is in the chart and
 *   the README).
 */
/** Paths in each environment's registry: `env.image()` writes them in full (`registry.stackworks.io/<path>` in staging and prod). */
export const TECHSHOP_IMAGES = {
  app: 'techshop/app:1.0.0',
} as const;

export class TechShopChart extends SystemChart {
  constructor(scope: Construct, env: Environment) {
    super(scope, { system: 'techshop', environment: env, description: 'TechShop Cloud: Node app with a MongoDB replica set, Redis and MinIO.' });
    // The seed's Istio mesh (TS-03): staging and prod run Istio ambient; every pod of the system in it.
    if (env.name !== 'dev') enrolInMesh(this);
    const prodLike = env.name !== 'dev';
    const prod = env.name === 'prod';

    const appSecrets = new SystemSecret(this, 'app-secrets', { keys: ['JWT_SECRET'] });
    // Sessions and cache survive losing a node in staging and prod: three members with
    // Sentinel, HAProxy in front (the seed's "Redis cluster", done as a replica group). Dev: one.
    const redis = new Redis(this, 'redis', {
      use: 'sessions',
      replicas: env.pick({ dev: 1, default: 3 }),
      storage: env.pick({ default: '1Gi', prod: '5Gi' }),
      credentials: new SystemSecret(this, 'redis-credentials', { keys: ['redis-password'] }),
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      monitoring: { exporter: true },
    }).noBackup({
      reason:
        'sessions and cache only: losing them signs users out, while restoring a snapshot would bring back sessions that were signed out or revoked since',
    });

    const mongo = new MongoDb(this, 'mongodb', {
      database: 'techshop',
      replicas: env.pick({ dev: 1, default: 3 }),
      storage: env.pick({ dev: '1Gi', default: '20Gi' }),
      credentials: new SystemSecret(this, 'mongodb-credentials', { keys: ['root-password', 'password', 'keyfile', 'exporter-password'] }),
      // The seed's requests and limits in staging and prod; dev fits the smallest cache.
      resources: env.pick({
        dev: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
        default: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
      }),
      monitoring: { exporter: true },
    });

    // Static files (uploads) and, once lib/backup schedules them, the Mongo backups.
    const objectStore = new ObjectStore(this, 'minio', {
      storage: env.pick({ dev: '1Gi', default: '50Gi' }),
      credentials: new SystemSecret(this, 'minio-credentials', { keys: ['root-user', 'root-password'] }),
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
    });
    const uploads = objectStore.addBucket('uploads', { versioning: true });
    // The seed's daily 02:00 Mongo backup. In prod off-site, to the seed's AWS S3 bucket
    // (keys from the secret store; the bucket should keep versions); in dev and staging to
    // MinIO, where the backup Job applies retention by count and age itself and the bucket's
    // expiry is a backstop well beyond it.
    const offSiteKeys = prod ? new SystemSecret(this, 'backup-s3-credentials', { keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] }) : undefined;
    const offSite = (): BackupTarget =>
      BackupTarget.s3({
        bucket: 'techshop-backups',
        region: 'us-east-1',
        accessKeyId: fromSecret(offSiteKeys!, 'AWS_ACCESS_KEY_ID'),
        secretAccessKey: fromSecret(offSiteKeys!, 'AWS_SECRET_ACCESS_KEY'),
      });
    const mongoTarget = prod ? offSite() : objectStore.addBucket('backups', { expireAfter: Duration.days(60) }).asBackupTarget();
    mongo.backup({ target: mongoTarget, schedule: '0 2 * * *' });
    // The uploads (the only copy of what customers sent): mirrored daily and checked object by
    // object. Not to a bucket of this MinIO (the same disk): AWS S3 in prod, a volume of its own
    // in dev and staging. The `backups` bucket is not copied: it holds backups already.
    objectStore.backup({
      target: prod ? offSite() : BackupTarget.volume({ size: env.pick({ dev: '2Gi', default: '50Gi' }) }),
      buckets: [uploads],
      schedule: '30 2 * * *',
    });

    const app = new WebService(this, 'app', {
      image: env.image(TECHSHOP_IMAGES.app),
      // The seed's Service: port 80 -> 3000.
      ports: [{ name: 'http', port: 3000, servicePort: 80 }],
      runAs: { user: 1001, group: 1001, fsGroup: 1001 },
      replicas: env.pick({ dev: 1, staging: 3, prod: 3 }),
      resources: env.pick({
        dev: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
        default: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      }),
      liveness: Probe.http('/health'),
      // The seed's readiness probe runs every 5 s.
      readiness: Probe.http('/ready', { period: Duration.seconds(5) }),
      config: { NODE_ENV: env.pick({ dev: 'development', default: 'production' }) },
      env: { JWT_SECRET: fromSecret(appSecrets, 'JWT_SECRET') },
    });
    app.connect(redis, { env: ConnectionEnv.url('REDIS_URL') });
    app.connect(mongo, { env: ConnectionEnv.url('MONGODB_URI') });
    app.connect(objectStore, { env: objectStore.s3Env({ bucket: uploads }) });
    // The seed's egress rule (`to: []` on TCP 80 and 443): the app calls services outside the
    // cluster over HTTP and HTTPS. Here any address outside the cluster's own ranges, on those
    // two ports only; inside the cluster the app still reaches only its own stores.
    app.connections.allowToInternet([{ port: 80 }, { port: 443 }]);

    // The seed's Prometheus + Grafana: the app's metrics and the store exporters, alerts and a dashboard.
    // The seed scrapes the app every 10 s.
    app.exposeMetrics({ port: 'http', path: '/metrics', interval: Duration.seconds(10) });
    new SystemAlerts(this, 'alerts');
    // The seed's Jaeger and ELK: the app's traces go to the platform's collector and Tempo, every
    // pod's logs to Loki (the README's observability section says why not Elasticsearch); a
    // burst of error lines alerts like the metrics do.
    app.tracing();
    new SystemLogs(this, 'logs', { errorBurst: { linesPerMinute: 20 } });
    new SystemDashboard(this, 'dashboard');
    // Its SMTP password is read from the secret store: a cluster that generates its secrets in place
    // (the GitOps suite's test profile) has no mailbox credential to give, so no admin route there.
    if (prodLike && env.platform.secrets.kind !== 'generated') {
      // The seed's Alertmanager mails its admin: the shop's own address gets the alerts that say the
      // shop is down or its backups are not being made, on top of the platform's routes.
      new SystemAlertRoutes(this, 'alert-routes', {
        receivers: [
          {
            name: 'shop-admin',
            email: {
              to: 'admin@techshop-cloud.com',
              from: 'alertmanager@stackworks.io',
              smarthost: 'smtp.stackworks.io:587',
              authUsername: 'techshop-alerts',
              authPassword: { key: `techshop/${env.name}/alerting`, property: 'smtp-password' },
            },
          },
        ],
        routes: [{ receiver: 'shop-admin', alerts: ['SystemDown', 'BackupJobFailed', 'BackupNotSuccessful'] }],
      });
    }

    if (prodLike) {
      app.autoscale({ min: 3, max: 10, cpuPercent: 70, memoryPercent: 80 });
      app.disruptionBudget({ minAvailable: 2 });
      // Recommendations only: the HPA already scales on cpu and memory.
      app.autoscaleVertically({ mode: 'Off', min: { cpu: '100m', memory: '128Mi' }, max: { cpu: '1', memory: '1Gi' } });

      const issuer = issuerForEnvironment(this, 'letsencrypt', { email: 'admin@techshop-cloud.com', scope: 'cluster' });
      new PublicEndpoint(this, 'public', {
        hosts: [
          {
            host: env.pick({ staging: 'api.staging.techshop-cloud.com', default: 'api.techshop-cloud.com' }),
            routes: [{ path: '/api(/|$)(.*)', match: 'Regex', rewrite: '/$2', backend: app }],
          },
        ],
        tls: issuer ? { issuer } : false,
        policy: { rateLimit: { requests: 100, per: 'minute' } },
      });
    }
  }
}
