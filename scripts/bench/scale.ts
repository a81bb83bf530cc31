/**
 * The generated scale workload of the benchmark (`npm run bench`): N web services, each
 * with its own PostgreSQL database and Redis cache, all in one system (one namespace, one
 * dist folder), so that every per-folder analysis sees all ~10 x N objects at once.
 *
 * - `buildScaleApp(n)`: the library's constructs (WebService + Postgres + Redis,
 *   connected), synthesized by the project's pipeline (lib/pipeline/synth.ts).
 * - `buildPlainScaleApp(n)`: roughly the same objects written with plain cdk8s-plus-27
 *   (kplus.Deployment + Service, StatefulSets with Services, ConfigMaps, Secrets,
 *   ServiceAccounts, NetworkPolicies, PodDisruptionBudgets), synthesized by `app.synth()`.
 */
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ConnectionEnv, Postgres, Probe, Redis, SystemChart, SystemSecret, WebService } from '../../lib';
import { ENVIRONMENTS } from '../../charts/environments';

export const SCALE_SYSTEM = 'scale';

/** Service ids are zero-padded so that they sort like their numbers. */
export function serviceId(i: number): string {
  return `svc-${String(i).padStart(4, '0')}`;
}

/** The plain cdk8s version has no backups either: the two synthesize the same objects. */
const NO_BACKUP = { reason: 'benchmark stores, compared with plain cdk8s objects that have no backups' };

const resources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

/** The scale workload with the library's constructs, in prod (the strictest environment). */
export function buildScaleApp(services: number, outdir: string): App {
  const app = new App({ outdir });
  const chart = new SystemChart(app, {
    system: SCALE_SYSTEM,
    environment: ENVIRONMENTS.prod,
    description: `Benchmark: ${services} web services, each with PostgreSQL and Redis.`,
  });
  for (let i = 0; i < services; i++) {
    const id = serviceId(i);
    const db = new Postgres(chart, `${id}-db`, {
      version: '17',
      database: `app_${i}`,
      storage: '10Gi',
      credentials: new SystemSecret(chart, `${id}-db-credentials`, { keys: ['postgres-password', 'password'] }),
      resources,
    }).noBackup(NO_BACKUP);
    const cache = new Redis(chart, `${id}-cache`, {
      use: 'cache',
      storage: '1Gi',
      credentials: new SystemSecret(chart, `${id}-cache-credentials`, { keys: ['redis-password'] }),
      resources,
    }).noBackup(NO_BACKUP);
    const web = new WebService(chart, id, {
      image: `registry.stackworks.io/example/${id}:1.0.${i}`,
      ports: [{ name: 'http', port: 8080 }],
      runAs: { user: 1000, group: 1000, fsGroup: 1000 },
      replicas: 2,
      resources,
      liveness: Probe.http('/health'),
      readiness: Probe.http('/ready'),
      config: { SERVICE_INDEX: String(i), LOG_LEVEL: 'info' },
    });
    web.connect(db, { env: ConnectionEnv.url('DATABASE_URL') });
    web.connect(cache, { env: ConnectionEnv.url('CACHE_URL') });
  }
  return app;
}

/** The same shape with plain cdk8s-plus-27 objects, for `app.synth()`. */
export function buildPlainScaleApp(services: number, outdir: string): App {
  const app = new App({ outdir });
  const chart = new Chart(app, SCALE_SYSTEM, { namespace: `${SCALE_SYSTEM}-prod` });
  const securityContext = { ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, user: 1000, group: 1000 };
  const containerResources = {
    cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
    memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
  };
  for (let i = 0; i < services; i++) {
    const id = serviceId(i);

    const store = (name: string, image: string, port: number, storage: number, config: Record<string, string>, secretKeys: string[]) => {
      const serviceAccount = new kplus.ServiceAccount(chart, `${name}-sa`, { metadata: { name }, automountToken: false });
      const configMap = new kplus.ConfigMap(chart, `${name}-config`, { metadata: { name: `${name}-config` }, data: config });
      const secret = new kplus.Secret(chart, `${name}-credentials`, { metadata: { name: `${name}-credentials` } });
      for (const key of secretKeys) secret.addStringData(key, 'not-a-real-secret');
      const service = new kplus.Service(chart, `${name}-service`, { metadata: { name }, clusterIP: 'None', ports: [{ name: 'main', port }] });
      const sts = new kplus.StatefulSet(chart, `${name}-sts`, {
        metadata: { name },
        service,
        serviceAccount,
        replicas: 1,
        securityContext: { ensureNonRoot: true, user: 999, group: 999, fsGroup: 999 },
        containers: [
          {
            name: 'main',
            image,
            portNumber: port,
            securityContext,
            resources: containerResources,
            envFrom: [kplus.Env.fromConfigMap(configMap)],
            envVariables: { PASSWORD: kplus.EnvValue.fromSecretValue({ secret, key: secretKeys[0] }) },
            readiness: kplus.Probe.fromTcpSocket({ port }),
            volumeMounts: [
              {
                path: '/data',
                volume: kplus.Volume.fromEmptyDir(chart, `${name}-scratch`, `${name}-scratch`, { sizeLimit: Size.gibibytes(storage) }),
              },
            ],
          },
        ],
      });
      new kplus.k8s.KubePodDisruptionBudget(chart, `${name}-pdb`, {
        metadata: { name },
        spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: { app: name } } },
      });
      return sts;
    };
    const db = store(`${id}-db`, 'postgres:17.2', 5432, 10, { POSTGRES_DB: `app_${i}`, PGDATA: '/data/pgdata' }, ['postgres-password', 'password']);
    const cache = store(`${id}-cache`, 'redis:7.4.1', 6379, 1, { REDIS_MAXMEMORY: '384mb', REDIS_POLICY: 'allkeys-lru' }, ['redis-password']);

    const serviceAccount = new kplus.ServiceAccount(chart, `${id}-sa`, { metadata: { name: id }, automountToken: false });
    const configMap = new kplus.ConfigMap(chart, `${id}-config`, {
      metadata: { name: `${id}-config` },
      data: { SERVICE_INDEX: String(i), LOG_LEVEL: 'info' },
    });
    const deployment = new kplus.Deployment(chart, id, {
      metadata: { name: id },
      replicas: 2,
      serviceAccount,
      securityContext: { ensureNonRoot: true, user: 1000, group: 1000, fsGroup: 1000 },
      containers: [
        {
          name: 'main',
          image: `registry.stackworks.io/example/${id}:1.0.${i}`,
          portNumber: 8080,
          securityContext,
          resources: containerResources,
          envFrom: [kplus.Env.fromConfigMap(configMap)],
          envVariables: {
            DATABASE_HOST: kplus.EnvValue.fromValue(`${id}-db`),
            CACHE_HOST: kplus.EnvValue.fromValue(`${id}-cache`),
          },
          liveness: kplus.Probe.fromHttpGet('/health', { port: 8080, periodSeconds: Duration.seconds(10) }),
          readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }),
        },
      ],
    });
    deployment.exposeViaService({ name: id, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
    new kplus.k8s.KubePodDisruptionBudget(chart, `${id}-pdb`, {
      metadata: { name: id },
      spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: { app: id } } },
    });
    // Network policies: the web service may reach its database and its cache.
    deployment.connections.allowTo(db, { ports: [kplus.NetworkPolicyPort.tcp(5432)] });
    deployment.connections.allowTo(cache, { ports: [kplus.NetworkPolicyPort.tcp(6379)] });
  }
  return app;
}

/** Objects per kind of an app's charts (after synthesis-time resolution). */
export function countObjects(objects: ReadonlyArray<{ kind: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of objects) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}
