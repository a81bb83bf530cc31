import { NOT_BACKED_UP_IN_TEST } from '../support/stores';
import {
  BackupTarget,
  ConnectionEnv,
  DEFAULT_RULES,
  Duration,
  fromSecret,
  ObjectStore,
  Probe,
  SystemChart,
  SystemSecret,
  WebService,
} from '../../lib';
import { MySql, MySqlProps } from '../../lib/data/mysql';
import { MocoEngineOptions, MySqlEngine } from '../../lib/data/mysql-engine';
import { platformRequirements } from '../../lib/core/platform-requirements';
import { errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';
import { expectOneError, testStrictSchemaValidation } from '../support/construct-tests';

const resources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } };
type Env = 'dev' | 'staging' | 'prod';

/** A MySql store on MOCO in `env` (3 instances, hourly backups to AWS S3, rpo 1h unless `engine` says otherwise). */
function build(engine: (chart: SystemChart) => Partial<MocoEngineOptions> = () => ({}), env: Env = 'prod', props: Partial<MySqlProps> = {}) {
  const { app, chart } = testChart(testEnv(env));
  const credentials = new SystemSecret(chart, 'mysql-credentials', { keys: ['root-password', 'password'] });
  const s3Keys = new SystemSecret(chart, 'backup-s3', { keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] });
  const target = BackupTarget.s3({
    bucket: 'loopi-mysql-backups',
    region: 'eu-west-1',
    accessKeyId: fromSecret(s3Keys, 'AWS_ACCESS_KEY_ID'),
    secretAccessKey: fromSecret(s3Keys, 'AWS_SECRET_ACCESS_KEY'),
  });
  const mysql = new MySql(chart, 'mysql', {
    database: 'loopi_db',
    user: 'loopi',
    storage: '20Gi',
    credentials,
    resources,
    monitoring: { exporter: true },
    engine: MySqlEngine.moco({ instances: 3, rpo: Duration.hours(1), backup: { target, schedule: '0 * * * *' }, ...engine(chart) }),
    ...props,
  });
  return { app, chart, mysql };
}

const api = (chart: SystemChart) =>
  new WebService(chart, 'api', {
    image: 'registry.stackworks.io/loopi-api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources,
  });

const names = { host: 'DB_HOST', readOnlyHost: 'DB_READ_HOST', port: 'DB_PORT', database: 'DB_NAME', user: 'DB_USER', password: 'DB_PASSWORD' };

describe('MySql on MOCO', () => {
  const { app, chart, mysql } = build();
  const web = api(chart);
  web.connect(mysql, { env: ConnectionEnv.discrete(names) });
  const cluster = objectOf(app, 'MySQLCluster', 'mysql');
  const pod = cluster.spec.podTemplate.spec;
  const env = Object.fromEntries(objectOf(app, 'Deployment', 'api').spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));

  test('synthesizes with every policy rule and no error', () => {
    expect(errorsOf(app, DEFAULT_RULES)).toEqual([]);
  });

  testStrictSchemaValidation(() => objectsOf(app));

  test('a MySQLCluster of three instances on MOCO mysqld 8.4, no StatefulSet or Service of its own, no PDB (MOCO makes one)', () => {
    expect(cluster.apiVersion).toBe('moco.cybozu.com/v1beta2');
    expect(cluster.spec.replicas).toBe(3);
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0]).toMatchObject({ name: 'mysqld', image: 'ghcr.io/cybozu-go/moco/mysql:8.4.6' });
    expect(objectsOf(app, 'StatefulSet')).toEqual([]);
    const own = (kind: string) =>
      objectsOf(app, kind)
        .map((o) => o.metadata.name)
        .filter((n: string) => n.startsWith('mysql'));
    expect(own('Service')).toEqual(['mysql-metrics']);
    expect(own('PodDisruptionBudget')).toEqual([]);
    expect(objectsOf(app, 'ServiceAccount').map((s) => s.metadata.name)).toEqual(['api', 'mysql-backup', 'secret-store']);
  });

  test('every container, MOCO system containers included, meets Pod Security restricted', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10000, fsGroup: 10000, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of [...pod.containers, ...cluster.spec.podTemplate.overwriteContainers]) {
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
    }
    expect(cluster.spec.podTemplate.overwriteContainers.map((c: any) => c.name)).toEqual(['agent', 'moco-init', 'slow-log', 'mysqld-exporter']);
  });

  test('my.cnf settings from the props and the memory limit, as MOCO reads them', () => {
    expect(cluster.spec.mysqlConfigMapName).toBe('mysql-mysqld');
    expect(objectOf(app, 'ConfigMap', 'mysql-mysqld').data).toEqual({ innodb_buffer_pool_size: '1073741824', max_connections: '151' });
  });

  test('connect(): the primary Service read-write, the replica Service read-only, the application account by reference', () => {
    expect(env.DB_HOST.value).toBe('moco-mysql-primary.test-prod.svc');
    expect(env.DB_READ_HOST.value).toBe('moco-mysql-replica.test-prod.svc');
    expect(env.DB_USER.value).toBe('loopi');
    expect(env.DB_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'mysql-credentials', key: 'password' });
  });

  test('the same variable names on the StatefulSet engine; the read-only host is the server itself', () => {
    const { app: plain, chart: c } = testChart(testEnv('dev'));
    const credentials = new SystemSecret(c, 'mysql-credentials', { keys: ['root-password', 'password'] });
    const store = new MySql(c, 'mysql', {
      database: 'loopi_db',
      user: 'loopi',
      storage: '1Gi',
      credentials,
      resources,
      engine: MySqlEngine.statefulSet(),
    });
    api(c).connect(store, { env: ConnectionEnv.discrete(names) });
    const e = objectOf(plain, 'Deployment', 'api').spec.template.spec.containers[0].env.map((v: any) => v.name);
    expect(e).toEqual(Object.keys(env));
    const hosts = objectOf(plain, 'Deployment', 'api').spec.template.spec.containers[0].env.slice(0, 2);
    expect(hosts.map((h: any) => h.value)).toEqual(['mysql.test-dev.svc', 'mysql.test-dev.svc']);
  });

  test('the application account: a Job as moco-writable on the primary, idempotent, every privilege on loopi_db only', () => {
    const job = objectsOf(app, 'Job').find((j) => j.metadata.name.startsWith('mysql-app-user-'))!;
    expect(job.metadata.annotations).toMatchObject({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    });
    const script: string = objectOf(app, 'ConfigMap', 'mysql-app-user').data['app-user.sh'];
    expect(script).toContain('CREATE USER IF NOT EXISTS');
    expect(script).toContain("ALTER USER 'loopi'@'%' IDENTIFIED BY '$password';");
    expect(script).toContain("GRANT ALL ON \\`loopi\\_db\\`.* TO 'loopi'@'%';");
    expect(script).not.toMatch(/GRANT ALL ON \*\.\*/);
    const env = job.spec.template.spec.containers[0].env;
    expect(env.map((e: any) => e.valueFrom.secretKeyRef)).toEqual([
      { name: 'moco-mysql', key: 'WRITABLE_PASSWORD' },
      { name: 'mysql-credentials', key: 'password' },
    ]);
  });

  test('backups: a BackupPolicy to the bucket with the keys by reference, its ServiceAccount, and the cluster naming it', () => {
    expect(cluster.spec.backupPolicyName).toBe('mysql-backup');
    const policy = objectOf(app, 'BackupPolicy', 'mysql-backup').spec;
    expect(policy).toMatchObject({ schedule: '0 * * * *', concurrencyPolicy: 'Forbid' });
    expect(policy.jobConfig.serviceAccountName).toBe('mysql-backup');
    expect(policy.jobConfig.bucketConfig).toEqual({ bucketName: 'loopi-mysql-backups', region: 'eu-west-1' });
    expect(policy.jobConfig.env.slice(0, 2).map((e: any) => e.valueFrom.secretKeyRef)).toEqual([
      { name: 'backup-s3', key: 'AWS_ACCESS_KEY_ID' },
      { name: 'backup-s3', key: 'AWS_SECRET_ACCESS_KEY' },
    ]);
    expect(policy.jobConfig.workVolume.ephemeral.volumeClaimTemplate.spec.resources.requests.storage).toBe('20Gi');
  });

  test('NetworkPolicies: controller and peers reach the instances; backup, restore and app-user pods reach exactly what they need', () => {
    const instances = { 'app.kubernetes.io/created-by': 'moco', 'app.kubernetes.io/instance': 'mysql', 'app.kubernetes.io/name': 'mysql' };
    const policy = objectOf(app, 'NetworkPolicy', 'mysql').spec;
    expect(policy.podSelector.matchLabels).toEqual(instances);
    const ingressFrom = (name: string) => policy.ingress.find((r: any) => r.from[0].podSelector.matchLabels['app.kubernetes.io/name'] === name);
    expect(ingressFrom('mysql').ports.map((p: any) => p.port)).toEqual([3306, 33062]);
    expect(ingressFrom('mysql-backup').ports.map((p: any) => p.port)).toEqual([3306, 33062]);
    expect(ingressFrom('api').ports.map((p: any) => p.port)).toEqual([3306]);
    expect(ingressFrom('mysql-app-user').ports.map((p: any) => p.port)).toEqual([3306]);
    const controller = policy.ingress.find((r: any) => r.from[0].namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'moco-system');
    expect(controller.ports.map((p: any) => p.port)).toEqual([3306, 33062, 9080]);
    expect(policy.egress).toEqual([
      { to: [{ podSelector: { matchLabels: instances } }], ports: [3306, 33062].map((port) => ({ port, protocol: 'TCP' })) },
    ]);
    const backup = objectOf(app, 'NetworkPolicy', 'mysql-backup').spec;
    expect(backup.podSelector.matchLabels).toEqual({ ...instances, 'app.kubernetes.io/name': 'mysql-backup' });
    expect(backup.ingress).toBeUndefined();
    expect(objectOf(app, 'NetworkPolicy', 'mysql-restore').spec.podSelector.matchLabels).toEqual({
      ...instances,
      'app.kubernetes.io/instance': 'mysql-restore',
    });
  });

  test("metrics: MOCO's mysqld_exporter scraped through the metrics Service on mysqld-metrics", () => {
    expect(cluster.spec.collectors).toContain('info_schema.innodb_metrics');
    expect(objectOf(app, 'Service', 'mysql-metrics').spec.selector).toEqual({
      'app.kubernetes.io/created-by': 'moco',
      'app.kubernetes.io/instance': 'mysql',
      'app.kubernetes.io/name': 'mysql',
    });
    expect(objectOf(app, 'ServiceMonitor', 'mysql').spec.endpoints[0].port).toBe('mysqld-metrics');
  });

  test('the namespace budget counts three instances with their MOCO containers, the backup and restore pods and their volumes', () => {
    const quota = objectOf(app, 'ResourceQuota', 'stack').spec.hard;
    // 3 instances + 1 restored instance + backup pod + restore pod + app-user pod + api (3 at max with surge...) fit.
    expect(Number(quota.pods)).toBeGreaterThanOrEqual(7);
    // 4 x 20Gi data + 2 x 20Gi work volumes, with 20 % headroom.
    expect(quota['requests.storage']).toBe('144Gi');
    const namespace = objectOf(app, 'Namespace', 'test-prod').metadata;
    expect(namespace.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(namespace.labels['pod-security.kubernetes.io/warn']).toBe('restricted');
    expect(namespace.annotations['cdk8s-stacks.io/pod-security-baseline-because']).toMatch(/MOCO 0\.30\.0 runs its backup and restore Jobs/);
  });

  test('declares MOCO with its minimum version', () => {
    expect(platformRequirements(chart).filter((r) => r.component === 'moco')).toEqual([
      expect.objectContaining({ minVersion: '0.30.0', path: 'test-prod/mysql/moco' }),
    ]);
  });
});

describe('MySql on MOCO: an in-cluster MinIO target outside prod', () => {
  test('staging may keep backups in the system MinIO; the backup pods get an allowance to exactly it', () => {
    const { app } = build((chart) => {
      const minio = new ObjectStore(chart, 'minio', {
        storage: '10Gi',
        credentials: new SystemSecret(chart, 'minio-credentials', { keys: ['root-user', 'root-password'] }),
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
      }).noBackup(NOT_BACKED_UP_IN_TEST);
      return { backup: { target: minio.addBucket('backups').asBackupTarget() } };
    }, 'staging');
    expect(errorsOf(app)).toEqual([]);
    const policy = objectOf(app, 'BackupPolicy', 'mysql-backup').spec.jobConfig.bucketConfig;
    expect(policy).toMatchObject({ bucketName: 'backups', endpointURL: 'http://minio.test-staging.svc:9000', usePathStyle: true });
    const egress = objectOf(app, 'NetworkPolicy', 'mysql-backup').spec.egress;
    expect(egress.some((r: any) => r.to[0].podSelector?.matchLabels['app.kubernetes.io/name'] === 'minio' && r.ports[0].port === 9000)).toBe(true);
  });
});

describe('MySql on MOCO refuses', () => {
  const path = 'test-prod/mysql';
  test.each([
    [2, /2 is not allowed: 1, 3, 5 \(MOCO runs a primary and an even number of semi-synchronous replicas\)/],
    [4, /4 is not allowed: 1, 3, 5/],
    [1, /1 in prod: at least 3 \(a primary and two semi-synchronous replicas/],
  ])('instances %p in prod', (instances, message) => {
    expectOneError(errorsOf(build(() => ({ instances })).app), path, 'engine.instances', message);
  });

  test('one instance is fine outside prod', () => {
    expect(errorsOf(build(() => ({ instances: 1 }), 'staging').app)).toEqual([]);
  });

  test('no backups in prod', () => {
    expectOneError(errorsOf(build(() => ({ backup: undefined, rpo: undefined })).app), path, 'engine.backup', /required in prod/);
  });

  test('an rpo without backups', () => {
    expectOneError(
      errorsOf(build(() => ({ backup: undefined }), 'staging').app),
      'test-staging/mysql',
      'engine.rpo',
      /cannot be met without backups/,
    );
  });

  test.each<[unknown, string, RegExp]>([
    [
      Duration.minutes(5),
      '0 * * * *',
      /5m cannot be met: MOCO uploads the binary logs only when a backup runs, and runs of '0 \* \* \* \*' are up to 1h apart/,
    ],
    [Duration.hours(1), '0 */6 * * *', /up to 6h apart; run the backup more often \(engine.backup.schedule\) or accept rpo 6h/],
    ['1 hour', '0 * * * *', /'1 hour' is a string: give a Duration, Duration.hours\(1\)/],
    ['1h', '0 * * * *', /'1h' is a string: give a Duration, Duration.hours\(1\)/],
  ])('rpo %p with schedule %p', (rpo, schedule, message) => {
    const { app } = build((chart) => {
      const keys = new SystemSecret(chart, 'k', { keys: ['id', 'secret'] });
      const target = BackupTarget.s3({ bucket: 'b-backups', accessKeyId: fromSecret(keys, 'id'), secretAccessKey: fromSecret(keys, 'secret') });
      return { rpo: rpo as Duration, backup: { target, schedule } };
    });
    expectOneError(errorsOf(app), path, 'engine.rpo', message);
  });

  test('a backup schedule that is not cron', () => {
    const { app } = build((chart) => {
      const keys = new SystemSecret(chart, 'k', { keys: ['id', 'secret'] });
      const target = BackupTarget.s3({ bucket: 'b-backups', accessKeyId: fromSecret(keys, 'id'), secretAccessKey: fromSecret(keys, 'secret') });
      return { backup: { target, schedule: 'hourly' } };
    });
    expectOneError(errorsOf(app), path, 'engine.backup.schedule', /hourly/);
  });

  test('a volume target (MOCO writes to object storage only)', () => {
    const { app } = build(() => ({ backup: { target: BackupTarget.volume({ size: '20Gi' }) }, rpo: undefined }));
    expectOneError(errorsOf(app), path, 'engine.backup.target', /must be BackupTarget.s3\(\{...\}\): MOCO writes its backups to an S3 bucket only/);
  });

  test('an in-cluster S3 server in prod', () => {
    const { app } = build((chart) => {
      const minio = new ObjectStore(chart, 'minio', {
        storage: '10Gi',
        credentials: new SystemSecret(chart, 'minio-credentials', { keys: ['root-user', 'root-password'] }),
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
      }).noBackup(NOT_BACKED_UP_IN_TEST);
      return { backup: { target: minio.addBucket('backups').asBackupTarget() } };
    });
    expectOneError(errorsOf(app), path, 'engine.backup.target', /is an S3 server inside the cluster .*: in prod, use a bucket outside it/);
  });

  test('a key prefix (MOCO names its keys itself)', () => {
    const { app } = build((chart) => {
      const keys = new SystemSecret(chart, 'k', { keys: ['id', 'secret'] });
      const target = BackupTarget.s3({
        bucket: 'b-backups',
        prefix: 'x',
        accessKeyId: fromSecret(keys, 'id'),
        secretAccessKey: fromSecret(keys, 'secret'),
      });
      return { backup: { target } };
    });
    expectOneError(errorsOf(app), path, 'engine.backup.target.prefix', /MOCO names its keys itself \(moco\/test-prod\/mysql\/\.\.\.\)/);
  });

  test('store.backup() (MOCO takes the backups)', () => {
    const { app, mysql } = build();
    mysql.backup({ target: BackupTarget.volume({ size: '20Gi' }) });
    expect(errorsOf(app).filter((e) => e.startsWith(`[${path}] backup()`))).toEqual([
      expect.stringMatching(/MOCO takes this cluster's backups .*: set MySqlEngine.moco\(\{ backup: \{ target, schedule \} \}\) instead/),
    ]);
  });

  test('an engine that is not a MySqlEngine', () => {
    const { app } = build(() => ({}), 'prod', { engine: { kind: 'moco' } as unknown as MySqlEngine });
    expect(errorsOf(app)).toContainEqual(
      expect.stringMatching(/^\[test-prod\/mysql\] engine: must be MySqlEngine.statefulSet\(\) or MySqlEngine.moco/),
    );
  });
});
