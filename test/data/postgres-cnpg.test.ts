import { BackupTarget, ConnectionEnv, Duration, ExistingSecret, fromSecret, NetworkPeer, Probe, SystemSecret, WebService, Worker } from '../../lib';
import { Postgres, PostgresProps } from '../../lib/data/postgres';
import { PostgresEngine } from '../../lib/data/postgres-engine';
import { cloudNativePgArchiveSettings, CloudNativePgProps } from '../../lib/data/cloudnative-pg-settings';
import { cloudNativePgRunbook } from '../../lib/data/cloudnative-pg-runbook';
import { parse } from 'yaml';
import { platformRequirements } from '../../lib/core/platform-requirements';
import { errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';
import { badInputErrors, expectOneError, testStrictSchemaValidation } from '../support/construct-tests';

const resources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } };
const s3Keys = ExistingSecret.named('backup-s3', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
const awsTarget = BackupTarget.s3({
  bucket: 'shop-backups-prod',
  region: 'eu-west-1',
  accessKeyId: fromSecret(s3Keys, 'AWS_ACCESS_KEY_ID'),
  secretAccessKey: fromSecret(s3Keys, 'AWS_SECRET_ACCESS_KEY'),
});
const engineProps: CloudNativePgProps = { instances: 3, rpo: Duration.minutes(5), backup: { target: awsTarget } };

function build(env = testEnv('prod'), engine: CloudNativePgProps = engineProps) {
  const { app, chart } = testChart(env, 'shop');
  const credentials = new SystemSecret(chart, 'db-credentials', { keys: ['postgres-password', 'password'], basicAuthUsername: 'shop' });
  const db = new Postgres(chart, 'db', {
    version: '17',
    database: 'shop',
    storage: '50Gi',
    credentials,
    resources,
    monitoring: { exporter: true },
    engine: PostgresEngine.cloudNativePg(engine),
  });
  const api = new WebService(chart, 'api', {
    image: 'registry.stackworks.io/shop/api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    resources,
    readiness: Probe.http('/ready'),
  });
  api.connect(db, {
    env: ConnectionEnv.discrete({ host: 'DB_HOST', port: 'DB_PORT', database: 'DB_NAME', user: 'DB_USER', password: 'DB_PASSWORD' }),
  });
  const reports = new WebService(chart, 'reports', {
    image: 'registry.stackworks.io/shop/reports:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    resources,
    readiness: Probe.http('/ready'),
  });
  reports.connect(db, { env: ConnectionEnv.discrete({ host: 'DB_HOST', port: 'DB_PORT' }), readOnly: true });
  return { app, chart, db };
}

describe('Postgres on CloudNativePG', () => {
  const { app, db } = build();
  const cluster = objectOf(app, 'Cluster', 'db');
  const env = (workload: string) => {
    const container = objectOf(app, 'Deployment', workload).spec.template.spec.containers[0];
    return Object.fromEntries(container.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]));
  };

  test('a Cluster with N instances, the app database and owner bootstrapped from the basic-auth credentials, no superuser access', () => {
    expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(cluster.spec).toMatchObject({
      instances: 3,
      imageName: 'ghcr.io/cloudnative-pg/postgresql:17.6-standard-trixie',
      enableSuperuserAccess: false,
      enablePDB: true,
      bootstrap: { initdb: { database: 'shop', owner: 'shop', secret: { name: 'db-credentials' }, dataChecksums: true } },
      storage: { size: '50Gi' },
      resources: {
        requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '64Mi' },
        limits: { cpu: '1', memory: '2Gi', 'ephemeral-storage': '1Gi' },
      },
    });
    // The library's own pod template is not rendered: no waivers describing it on the Cluster.
    expect(
      Object.keys(cluster.metadata.annotations ?? {}).filter((k) => !['argocd.argoproj.io/sync-wave', 'argocd.argoproj.io/sync-options'].includes(k)),
    ).toEqual([]);
    // The store's selector labels on every pod the operator makes: NetworkPolicies select them.
    expect(cluster.spec.inheritedMetadata.labels).toEqual(db.selectorLabels);
  });

  test('the credentials Secret is templated as kubernetes.io/basic-auth with the owner as username, the other keys kept', () => {
    const secret = objectOf(app, 'ExternalSecret', 'db-credentials');
    expect(secret.spec.target.template).toEqual({
      type: 'kubernetes.io/basic-auth',
      engineVersion: 'v2',
      mergePolicy: 'Merge',
      data: { username: 'shop' },
    });
    expect(secret.spec.data.map((d: { secretKey: string }) => d.secretKey)).toEqual(['password', 'postgres-password']);
  });

  test('instances on different nodes (required anti-affinity), spread over zones', () => {
    expect(cluster.spec.affinity).toEqual({ enablePodAntiAffinity: true, podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' });
    expect(cluster.spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1 });
  });

  test('no StatefulSet, Services, ServiceAccount, ConfigMap or PDB of its own: the operator makes them', () => {
    const names = objectsOf(app)
      .filter((o) => o.metadata?.name?.startsWith('db'))
      .map((o) => `${o.kind}/${o.metadata.name}`)
      .sort();
    expect(names).toEqual([
      'Cluster/db',
      'ExternalSecret/db-credentials',
      'NetworkPolicy/db',
      'ObjectStore/db-backups',
      'PodMonitor/db',
      'ScheduledBackup/db-daily',
    ]);
  });

  test('WAL archived through the Barman Cloud plugin to the S3 bucket; archive_timeout is the rpo', () => {
    expect(cluster.spec.plugins).toEqual([
      { name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'db-backups' } },
    ]);
    expect(cluster.spec.postgresql.parameters.archive_timeout).toBe('5min');
    expect(cluster.spec.backup).toBeUndefined();
    const store = objectOf(app, 'ObjectStore', 'db-backups');
    expect(store.apiVersion).toBe('barmancloud.cnpg.io/v1');
    expect(store.spec).toEqual({
      retentionPolicy: '30d',
      instanceSidecarConfiguration: {
        resources: {
          requests: { cpu: '50m', memory: '128Mi', 'ephemeral-storage': '64Mi' },
          limits: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '1Gi' },
        },
      },
      configuration: {
        destinationPath: 's3://shop-backups-prod/shop-prod/cnpg',
        endpointURL: 'https://s3.eu-west-1.amazonaws.com',
        s3Credentials: {
          accessKeyId: { name: 'backup-s3', key: 'AWS_ACCESS_KEY_ID' },
          secretAccessKey: { name: 'backup-s3', key: 'AWS_SECRET_ACCESS_KEY' },
        },
        wal: { compression: 'gzip', maxParallel: 2 },
        data: { compression: 'gzip', jobs: 2 },
      },
    });
  });

  test('the archive settings function returns what the rendering uses', () => {
    const settings = cloudNativePgArchiveSettings('db', 'shop-prod', awsTarget, Duration.minutes(5))!;
    const rendered = objectOf(app, 'ObjectStore', 'db-backups').spec.configuration;
    expect([rendered.destinationPath, rendered.endpointURL]).toEqual([settings.destinationPath, settings.endpointUrl]);
    expect(cluster.spec.postgresql.parameters.archive_timeout).toBe(settings.archiveTimeout);
    expect(db.engine.backupPlan()).toEqual({ target: awsTarget, schedule: '0 2 * * *' });
    expect(settings).toEqual({
      destinationPath: 's3://shop-backups-prod/shop-prod/cnpg',
      serverName: 'db',
      endpointUrl: 'https://s3.eu-west-1.amazonaws.com',
      walCompression: 'gzip',
      dataCompression: 'gzip',
      archiveTimeout: '5min',
      archiveTimeoutSeconds: 300,
    });
  });

  test('a daily ScheduledBackup through the plugin (six-field cron), preferring a standby', () => {
    expect(objectOf(app, 'ScheduledBackup', 'db-daily').spec).toEqual({
      cluster: { name: 'db' },
      schedule: '0 0 2 * * *',
      immediate: true,
      backupOwnerReference: 'self',
      method: 'plugin',
      pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' },
      target: 'prefer-standby',
    });
  });

  test("a PodMonitor for the operator's exporter, labelled for the profile's Prometheus", () => {
    const monitor = objectOf(app, 'PodMonitor', 'db');
    expect(monitor.metadata.labels).toMatchObject({ release: 'prometheus' });
    expect(monitor.spec).toEqual({
      selector: { matchLabels: { 'cnpg.io/cluster': 'db', 'cnpg.io/podRole': 'instance' } },
      podMetricsEndpoints: [{ port: 'metrics', interval: '15s' }],
    });
  });

  test('connect(): the same variables, the read-write Service db-rw; readOnly gives db-ro', () => {
    expect(env('api')).toMatchObject({
      DB_HOST: 'db-rw.shop-prod.svc',
      DB_PORT: '5432',
      DB_NAME: 'shop',
      DB_USER: 'shop',
      DB_PASSWORD: { secretKeyRef: { name: 'db-credentials', key: 'password' } },
    });
    expect(env('reports')).toMatchObject({ DB_HOST: 'db-ro.shop-prod.svc', DB_PORT: '5432' });
  });

  test('NetworkPolicy: operator on 8000 and 5432, instances to each other, apps on 5432, Prometheus on 9187; egress to the API server and S3', () => {
    const policy = objectOf(app, 'NetworkPolicy', 'db').spec;
    expect(policy.podSelector.matchLabels).toEqual(db.selectorLabels);
    const ingress = policy.ingress.map((r: { from: unknown[]; ports: Array<{ port: number }> }) => [r.from[0], r.ports.map((p) => p.port)]);
    expect(ingress).toEqual(
      expect.arrayContaining([
        [NetworkPeer.pods({ 'app.kubernetes.io/name': 'cloudnative-pg' }, 'cnpg-system').toJson(), [5432, 8000]],
        [{ podSelector: { matchLabels: db.selectorLabels } }, [5432]],
        [NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, 'monitoring').toJson(), [9187]],
        [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'shop-prod' } } }, [5432]],
      ]),
    );
    const egress = policy.egress.map((r: { to: Array<Record<string, unknown>>; ports: Array<{ port: number }> }) => [
      r.to[0],
      r.ports.map((p) => p.port),
    ]);
    expect(egress).toEqual(
      expect.arrayContaining([
        [{ podSelector: { matchLabels: db.selectorLabels } }, [5432]],
        [{ ipBlock: { cidr: '0.0.0.0/0' } }, [443, 6443]],
        [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'] } }, [443]],
      ]),
    );
  });

  test('declares the CloudNativePG operator and the Barman Cloud plugin with their minimum versions', () => {
    const declared = platformRequirements(app).map((r) => [r.component, r.minVersion]);
    expect(declared).toEqual(
      expect.arrayContaining([
        ['cloudnative-pg', '1.26.0'],
        ['barman-cloud-plugin', '0.15.0'],
      ]),
    );
  });

  test('no validation errors', () => {
    expect(errorsOf(app)).toEqual([]);
  });

  testStrictSchemaValidation(() => objectsOf(build().app));
});

describe('Postgres on CloudNativePG: an in-cluster MinIO target outside prod', () => {
  test('egress to exactly the MinIO pods on their port, the endpoint as given', () => {
    const { app, chart } = testChart(testEnv('staging'), 'shop');
    const keys = ExistingSecret.named('minio-keys', ['id', 'secret']);
    const minioPeer = new Worker(chart, 'minio', { image: 'quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z', resources });
    const target = BackupTarget.s3({
      bucket: 'pg',
      endpoint: 'http://minio.shop-staging.svc:9000',
      accessKeyId: fromSecret(keys, 'id'),
      secretAccessKey: fromSecret(keys, 'secret'),
      server: { peer: minioPeer, port: 9000 },
    });
    expect(target.offClusterProblem()).toMatch(/inside the cluster/);
    const credentials = new SystemSecret(chart, 'db-credentials', { keys: ['password'], basicAuthUsername: 'shop' });
    new Postgres(chart, 'db', {
      database: 'shop',
      storage: '10Gi',
      credentials,
      resources,
      engine: PostgresEngine.cloudNativePg({ instances: 2, backup: { target } }),
    });
    expect(objectOf(app, 'ObjectStore', 'db-backups').spec.configuration.endpointURL).toBe('http://minio.shop-staging.svc:9000');
    expect(objectsOf(app, 'PodMonitor')).toEqual([]);
    const egress = objectOf(app, 'NetworkPolicy', 'db').spec.egress;
    expect(egress).toContainEqual({ to: [{ podSelector: { matchLabels: minioPeer.selectorLabels } }], ports: [{ port: 9000, protocol: 'TCP' }] });
    expect(JSON.stringify(egress)).not.toContain('"except"');
  });
});

describe('Postgres on CloudNativePG: the operator where the cluster profile says it runs', () => {
  test('platform.cloudNativePg.operatorPods is the peer allowed to reach 8000 and 5432', () => {
    const base = testEnv('prod');
    const operatorPods = { namespace: 'postgres-operators', podLabels: { app: 'cnpg' } };
    const env = testEnv('prod', { platform: { ...base.platform.props, cloudNativePg: { operatorPods } } });
    const { app } = build(env);
    const ingress = objectOf(app, 'NetworkPolicy', 'db').spec.ingress;
    expect(ingress).toContainEqual({
      from: [NetworkPeer.pods(operatorPods.podLabels, operatorPods.namespace).toJson()],
      ports: [
        { port: 5432, protocol: 'TCP' },
        { port: 8000, protocol: 'TCP' },
      ],
    });
    expect(JSON.stringify(ingress)).not.toContain('cnpg-system');
  });
});

describe('Postgres on CloudNativePG: bad input', () => {
  const base: PostgresProps = {
    database: 'shop',
    storage: '50Gi',
    credentials: ExistingSecret.named('db-credentials', ['username', 'password', 'postgres-password']),
    resources,
    engine: PostgresEngine.cloudNativePg(engineProps),
  };
  const errors = badInputErrors(base, (chart, props) => new Postgres(chart, 'db', props));
  const cnpg = (props: Partial<Record<keyof CloudNativePgProps, unknown>>) =>
    PostgresEngine.cloudNativePg({ ...engineProps, ...props } as CloudNativePgProps);
  const minio = BackupTarget.s3({
    bucket: 'pg',
    endpoint: 'http://minio.shop-prod.svc:9000',
    accessKeyId: fromSecret(s3Keys, 'AWS_ACCESS_KEY_ID'),
    secretAccessKey: fromSecret(s3Keys, 'AWS_SECRET_ACCESS_KEY'),
  });

  test.each<[string, Record<string, unknown>, string, RegExp]>([
    ['one instance in prod', { engine: cnpg({ instances: 1 }) }, 'engine.instances', /at least 2/],
    ['a fractional instance count', { engine: cnpg({ instances: 2.5 }) }, 'engine.instances', /2.5 is not allowed: 1, 2, 3, 4, 5, 6, 7, 8, 9/],
    ['an rpo below a minute', { engine: cnpg({ rpo: Duration.seconds(30) }) }, 'engine.rpo', /30s is below 1m/],
    ['an rpo above a day', { engine: cnpg({ rpo: Duration.hours(25) }) }, 'engine.rpo', /25h is above 1d/],
    ['an rpo given as a string', { engine: cnpg({ rpo: '5min' }) }, 'engine.rpo', /is a string: give a Duration, Duration.minutes\(5\)/],
    ['an ambiguous rpo', { engine: cnpg({ rpo: '3m' }) }, 'engine.rpo', /ambiguous \(minutes or months\?\)/],
    ['no backup in prod', { engine: cnpg({ backup: undefined }) }, 'engine.backup', /required in prod/],
    ['a volume target', { engine: cnpg({ backup: { target: BackupTarget.volume({ size: '10Gi' }) } }) }, 'engine.backup.target', /S3 bucket only/],
    ['an in-cluster endpoint in prod', { engine: cnpg({ backup: { target: minio } }) }, 'engine.backup.target', /only inside the cluster/],
    [
      'a plain access key id',
      {
        engine: cnpg({
          backup: { target: BackupTarget.s3({ bucket: 'b', accessKeyId: 'AKIA', secretAccessKey: fromSecret(s3Keys, 'AWS_SECRET_ACCESS_KEY') }) },
        }),
      },
      'engine.backup.target.s3.accessKeyId',
      /from a Secret/,
    ],
    ['a bad schedule', { engine: cnpg({ backup: { target: awsTarget, schedule: 'daily' } }) }, 'engine.backup.schedule', /./],
    [
      'a retention given as a string',
      { engine: cnpg({ backup: { target: awsTarget, retention: '30d' } }) },
      'engine.backup.retention',
      /Duration.days\(30\)/,
    ],
    ['the old months spelling', { engine: cnpg({ backup: { target: awsTarget, retention: '3m' } }) }, 'engine.backup.retention', /ambiguous/],
    [
      'a retention of part of a day',
      { engine: cnpg({ backup: { target: awsTarget, retention: Duration.hours(36) } }) },
      'engine.backup.retention',
      /whole days/,
    ],
    ['credentials without username', { credentials: ExistingSecret.named('db-credentials', ['password']) }, 'credentials', /basic-auth/],
    ['the app password under another key', { credentialKeys: { app: 'app-password' } }, 'credentialKeys.app', /key 'password'/],
    [
      'TimescaleDB without an image',
      { flavour: 'timescaledb', version: '17' },
      'engine.image',
      /required for flavour 'timescaledb'.*carry no TimescaleDB/,
    ],
    ['an image that is not an object', { engine: cnpg({ image: 'timescale/timescaledb-ha:pg17' }) }, 'engine.image', /\{ reference, uid\?, gid\? \}/],
    [
      'an image without a tag',
      { engine: cnpg({ image: { reference: 'docker.io/timescale/timescaledb-ha' } }) },
      'engine.image.reference',
      /explicit version tag/,
    ],
    [
      'an image tagged latest',
      { engine: cnpg({ image: { reference: 'docker.io/acme/pg:latest' } }) },
      'engine.image.reference',
      /explicit version tag/,
    ],
    ['a malformed image', { engine: cnpg({ image: { reference: 'Docker Hub/pg:17' } }) }, 'engine.image.reference', /without spaces/],
    [
      'an image of another major',
      { engine: cnpg({ image: { reference: 'docker.io/timescale/timescaledb-ha:pg16.10-ts2.21.3' } }) },
      'engine.image.reference',
      /tag 'pg16.10-ts2.21.3' is PostgreSQL 16, the store's version is '17'/,
    ],
    [
      'root as the image user',
      { engine: cnpg({ image: { reference: 'docker.io/acme/pg:17.6', uid: 0 } }) },
      'engine.image.uid',
      /from 1 to 2147483647/,
    ],
    ['a fractional gid', { engine: cnpg({ image: { reference: 'docker.io/acme/pg:17.6', gid: 1.5 } }) }, 'engine.image.gid', /whole number/],
    [
      'an unknown image field',
      { engine: cnpg({ image: { reference: 'docker.io/acme/pg:17.6', user: 1000 } }) },
      'engine.image',
      /unknown field\(s\) user/,
    ],
    ['libraries not a list', { engine: cnpg({ sharedPreloadLibraries: 'timescaledb' }) }, 'engine.sharedPreloadLibraries', /list of library names/],
    ['a library file name', { engine: cnpg({ sharedPreloadLibraries: ['timescaledb.so'] }) }, 'engine.sharedPreloadLibraries', /"timescaledb.so"/],
    [
      'a library listed twice',
      { engine: cnpg({ sharedPreloadLibraries: ['pg_cron', 'pg_cron'] }) },
      'engine.sharedPreloadLibraries',
      /pg_cron listed twice/,
    ],
    ['an engine not built by PostgresEngine', { engine: { kind: 'cloudnative-pg' } }, 'engine', /PostgresEngine.statefulSet\(\)/],
  ])('%s', (_, props, field, message) => expectOneError(errors(props), 'test-prod/db', field, message));

  test('an rpo without a backup target (staging)', () => {
    expectOneError(
      errors({ engine: cnpg({ backup: undefined, rpo: Duration.minutes(10) }) }, testEnv('staging')),
      'test-staging/db',
      'engine.rpo',
      /cannot be met without backups/,
    );
  });

  test('backup() on CloudNativePG', () => {
    const { app, chart } = testChart(testEnv('prod'), 'shop');
    const db = new Postgres(chart, 'db', base);
    db.backup({ target: awsTarget });
    expect(errorsOf(app).filter((e) => e.includes('backup()'))).toEqual([expect.stringMatching(/set engine.backup/)]);
  });

  test.each([
    ['the StatefulSet engine', PostgresEngine.statefulSet(), testEnv('prod')],
    ['one CloudNativePG instance', PostgresEngine.cloudNativePg({ instances: 1 }), testEnv('dev')],
  ])('readOnly on a store without a read-only endpoint: %s', (_, engine, env) => {
    const { app, chart } = testChart(env, 'shop');
    const db = new Postgres(chart, 'db', { ...base, engine });
    const api = new WebService(chart, 'api', {
      image: 'registry.stackworks.io/shop/api:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      resources,
      readiness: Probe.http('/ready'),
    });
    api.connect(db, { env: ConnectionEnv.discrete({ host: 'DB_HOST' }), readOnly: true });
    expect(errorsOf(app).filter((e) => e.includes('readOnly'))).toEqual([expect.stringMatching(/has no read-only endpoint/)]);
  });
});

describe('TimescaleDB on CloudNativePG', () => {
  const timescaleImage = { reference: 'docker.io/timescale/timescaledb-ha:pg17.6-ts2.21.3', uid: 1000 };
  function timescale(engine: Partial<CloudNativePgProps> = {}) {
    const { app, chart } = testChart(testEnv('prod'), 'shop');
    const credentials = new SystemSecret(chart, 'metrics-credentials', { keys: ['postgres-password', 'password'], basicAuthUsername: 'metrics' });
    new Postgres(chart, 'metrics', {
      version: '17',
      flavour: 'timescaledb',
      database: 'metrics',
      storage: '50Gi',
      credentials,
      resources,
      engine: PostgresEngine.cloudNativePg({ ...engineProps, image: timescaleImage, ...engine }),
    });
    return app;
  }

  test('the image through an ImageCatalog under the store major, run as its own user; the extension preloaded, set and created', () => {
    const app = timescale();
    expect(errorsOf(app)).toEqual([]);
    const spec = objectOf(app, 'Cluster', 'metrics').spec;
    expect(spec.imageName).toBeUndefined();
    expect(spec.imageCatalogRef).toEqual({ apiGroup: 'postgresql.cnpg.io', kind: 'ImageCatalog', name: 'metrics-image', major: 17 });
    const catalog = objectOf(app, 'ImageCatalog', 'metrics-image');
    expect(catalog.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(catalog.spec).toEqual({ images: [{ major: 17, image: timescaleImage.reference }] });
    // The gid defaults to the uid.
    expect([spec.postgresUID, spec.postgresGID]).toEqual([1000, 1000]);
    // shared_preload_libraries is a fixed parameter for the operator: it goes in its own field.
    expect(spec.postgresql.shared_preload_libraries).toEqual(['timescaledb']);
    expect(spec.postgresql.parameters['shared_preload_libraries']).toBeUndefined();
    expect(spec.postgresql.parameters).toMatchObject({ 'timescaledb.telemetry_level': 'off', 'timescaledb.max_background_workers': '8' });
    // The superuser creates the extension (the owner cannot: it is not trusted).
    expect(spec.bootstrap.initdb.postInitApplicationSQL).toEqual(['CREATE EXTENSION IF NOT EXISTS timescaledb;']);
  });

  test('further libraries are added after timescaledb, which is listed once', () => {
    const spec = objectOf(timescale({ sharedPreloadLibraries: ['timescaledb', 'pg_cron'] }), 'Cluster', 'metrics').spec;
    expect(spec.postgresql.shared_preload_libraries).toEqual(['timescaledb', 'pg_cron']);
  });

  test('an explicit gid', () => {
    const spec = objectOf(timescale({ image: { ...timescaleImage, gid: 1001 } }), 'Cluster', 'metrics').spec;
    expect([spec.postgresUID, spec.postgresGID]).toEqual([1000, 1001]);
  });

  test('the restore runbook restores onto the same image and library, in TimescaleDB restore mode', () => {
    const spec = objectOf(timescale(), 'Cluster', 'metrics').spec;
    const input = {
      name: 'metrics',
      namespace: 'shop-prod',
      environment: 'prod',
      system: 'shop',
      database: 'metrics',
      owner: 'metrics',
      spec,
      archive: cloudNativePgArchiveSettings('metrics', 'shop-prod', awsTarget),
      objectStoreName: 'metrics-backups',
      retentionPolicy: '30d',
      scheduledBackupName: 'metrics-daily',
    };
    const context = { writers: [], argocdNamespace: 'argocd' };
    const text = cloudNativePgRunbook({ ...input, timescale: true }, context);
    const yaml = text.slice(text.indexOf('```yaml') + 8, text.lastIndexOf('```'));
    const recovery = parse(yaml);
    expect(recovery.spec).toMatchObject({
      imageCatalogRef: spec.imageCatalogRef,
      postgresUID: 1000,
      postgresGID: 1000,
      postgresql: { shared_preload_libraries: ['timescaledb'] },
    });
    expect(recovery.spec.imageName).toBeUndefined();
    const pre = text.indexOf('SELECT timescaledb_pre_restore()');
    const restore = text.indexOf('pg_restore -d metrics');
    const post = text.indexOf('SELECT timescaledb_post_restore()');
    expect(pre).toBeGreaterThan(text.indexOf('CREATE DATABASE metrics OWNER metrics'));
    expect(restore).toBeGreaterThan(pre);
    expect(post).toBeGreaterThan(restore);
    expect(text).not.toContain('--clean');
    // A plain store copies back with --clean as the owner, and names its image.
    const plain = cloudNativePgRunbook({ ...input, spec: objectOf(build().app, 'Cluster', 'db').spec }, context);
    expect(plain).toContain('pg_restore --clean --if-exists --no-owner --role=metrics -d metrics');
    expect(plain).not.toContain('timescaledb_pre_restore');
    expect(plain).toContain('imageName: ghcr.io/cloudnative-pg/postgresql:17.6-standard-trixie');
  });

  test('a plain store keeps CloudNativePG image by name, its default user and no preloaded library', () => {
    const spec = objectOf(build().app, 'Cluster', 'db').spec;
    expect(spec.imageName).toBe('ghcr.io/cloudnative-pg/postgresql:17.6-standard-trixie');
    expect(spec.imageCatalogRef).toBeUndefined();
    expect(spec.postgresUID).toBeUndefined();
    expect(spec.postgresql.shared_preload_libraries).toBeUndefined();
    expect(spec.bootstrap.initdb.postInitApplicationSQL).toBeUndefined();
    expect(objectsOf(build().app).filter((o) => o.kind === 'ImageCatalog')).toEqual([]);
  });

  testStrictSchemaValidation(() => objectsOf(timescale()));
});
