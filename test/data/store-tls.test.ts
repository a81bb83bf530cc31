import { App } from 'cdk8s';
import {
  BackupTarget,
  CaIssuer,
  ConnectionEnv,
  Duration,
  ExistingSecret,
  fromSecret,
  IssuerRef,
  Probe,
  SystemChart,
  SystemSecret,
  WebService,
  Worker,
} from '../../lib';
import { MySql } from '../../lib/data/mysql';
import { MySqlEngine } from '../../lib/data/mysql-engine';
import { Postgres, PostgresProps } from '../../lib/data/postgres';
import { PostgresEngine } from '../../lib/data/postgres-engine';
import { errorIdsOf, errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';
import { badInputErrors, expectOneError, testStrictSchemaValidation } from '../support/construct-tests';
import { NOT_BACKED_UP_IN_TEST } from '../support/stores';

const resources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };
const pgCredentials = ExistingSecret.named('db-credentials', ['postgres-password', 'password', 'monitoring-password']);
const mysqlCredentials = ExistingSecret.named('mysql-credentials', ['root-password', 'password', 'exporter-password']);
const NS = 'test-prod';

function webService(chart: SystemChart, id = 'api'): WebService {
  return new WebService(chart, id, {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources,
  });
}

/** A Postgres store with TLS from the system's own CA, a connected API, a daily backup. */
function postgresSystem() {
  const { app, chart } = testChart();
  const ca = new CaIssuer(chart, 'db-ca');
  const db = new Postgres(chart, 'db', {
    database: 'app',
    user: 'app_user',
    storage: '10Gi',
    credentials: pgCredentials,
    resources,
    monitoring: { exporter: true },
    tls: { issuer: ca },
  });
  db.backup({ target: BackupTarget.volume({ size: '20Gi' }) });
  const api = webService(chart);
  api.connect(db, {
    env: ConnectionEnv.all(
      ConnectionEnv.discrete({
        host: 'DB_HOST',
        port: 'DB_PORT',
        database: 'DB_NAME',
        user: 'DB_USER',
        password: 'DB_PASSWORD',
        sslMode: 'DB_SSL_MODE',
        sslCa: 'DB_SSL_CA',
      }),
      ConnectionEnv.url('DATABASE_URL'),
    ),
  });
  return { app, chart };
}

/** The variables of a container as name -> value (plain values only). */
function envOf(container: { env?: Array<{ name: string; value?: string }> }): Record<string, string | undefined> {
  return Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
}

describe('Postgres with tls', () => {
  const { app } = postgresSystem();
  const cert = objectOf(app, 'Certificate', 'db-tls');
  const sts = objectOf(app, 'StatefulSet', 'db');
  const pod = sts.spec.template.spec;
  const config = objectOf(app, 'ConfigMap', 'db-config').data;

  test("a Certificate for the Service's short, namespaced and FQDN names, the member's, and loopback, from the issuer", () => {
    expect(cert.spec.secretName).toBe('db-tls');
    expect(cert.spec.issuerRef).toEqual({ name: 'db-ca', kind: 'Issuer', group: 'cert-manager.io' });
    expect(cert.spec.dnsNames).toEqual([
      'db',
      `db.${NS}`,
      `db.${NS}.svc`,
      `db.${NS}.svc.cluster.local`,
      `db-0.db-headless.${NS}.svc`,
      `db-0.db-headless.${NS}.svc.cluster.local`,
      'localhost',
    ]);
    expect(cert.spec.ipAddresses).toEqual(['127.0.0.1']);
    expect(cert.spec.usages).toEqual(['digital signature', 'server auth']);
    expect(cert.spec.privateKey).toMatchObject({ algorithm: 'ECDSA', rotationPolicy: 'Always' });
    expect(cert.spec.renewBefore).toBe('720h');
  });

  test('the server requires TLS 1.2+: ssl on with the mounted files, pg_hba hostssl only for TCP', () => {
    const conf: string = config['postgresql.conf'];
    expect(conf).toContain('ssl = on');
    expect(conf).toContain("ssl_cert_file = '/etc/db-tls/tls.crt'");
    expect(conf).toContain("ssl_key_file = '/etc/db-tls/tls.key'");
    expect(conf).toContain("ssl_ca_file = '/etc/db-tls/ca.crt'");
    expect(conf).toContain("ssl_min_protocol_version = 'TLSv1.2'");
    const hba = (config['pg_hba.conf'] as string).split('\n').filter((l) => l && !l.startsWith('#'));
    expect(hba).toEqual(['local   all       all            scram-sha-256', 'hostssl all       all   all      scram-sha-256']);
    expect(hba.some((l) => /^host\s/.test(l))).toBe(false);
  });

  test("the Secret is mounted read-only into the server, the key readable by the pod's group only", () => {
    const volume = pod.volumes.find((v: any) => v.name === 'server-tls');
    expect(volume.secret.secretName).toBe('db-tls');
    expect(volume.secret.items).toContainEqual({ key: 'tls.key', path: 'tls.key', mode: 0o440 });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'server-tls', mountPath: '/etc/db-tls', readOnly: true });
  });

  test('the exporter verifies the server on loopback with the CA alone', () => {
    const metrics = pod.containers.find((c: any) => c.name === 'metrics');
    expect(envOf(metrics).DATA_SOURCE_URI).toBe('127.0.0.1:5432/postgres?sslmode=verify-full&sslrootcert=/etc/db-ca/db/ca.crt');
    expect(metrics.volumeMounts).toContainEqual({ name: 'server-ca', mountPath: '/etc/db-ca/db', readOnly: true });
    expect(pod.volumes.find((v: any) => v.name === 'server-ca').secret.items).toEqual([{ key: 'ca.crt', path: 'ca.crt' }]);
  });

  test('a tls-reload sidecar reloads a renewed certificate through the socket', () => {
    const reload = pod.containers.find((c: any) => c.name === 'tls-reload');
    expect(reload.command).toEqual(['sh', '/etc/postgresql/tls-reload.sh']);
    expect(reload.env).toContainEqual({
      name: 'POSTGRES_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'postgres-password' } },
    });
    expect(reload.volumeMounts.map((m: any) => m.mountPath).sort()).toEqual(['/etc/db-tls', '/etc/postgresql', '/tmp', '/var/run/postgresql']);
    expect(config['tls-reload.sh']).toContain('SELECT pg_reload_conf()');
  });

  test('the connected workload gets the CA read-only and variables that make libpq verify the server', () => {
    const deployment = objectOf(app, 'Deployment', 'api');
    const api = deployment.spec.template.spec.containers[0];
    const env = envOf(api);
    expect(env.PGSSLMODE).toBe('verify-full');
    expect(env.PGSSLROOTCERT).toBe('/etc/db-ca/db/ca.crt');
    expect(env.DB_SSL_MODE).toBe('verify-full');
    expect(env.DB_SSL_CA).toBe('/etc/db-ca/db/ca.crt');
    expect(env.DATABASE_URL).toBe(
      `postgresql://app_user:$(DATABASE_URL_PASSWORD)@db.${NS}.svc:5432/app?sslmode=verify-full&sslrootcert=/etc/db-ca/db/ca.crt`,
    );
    expect(api.volumeMounts).toContainEqual({ name: 'ca-db', mountPath: '/etc/db-ca/db', readOnly: true });
    const volume = deployment.spec.template.spec.volumes.find((v: any) => v.name === 'ca-db');
    // Only the CA: never the server's key.
    expect(volume.secret).toEqual({ secretName: 'db-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 });
  });

  test('backup and restore Jobs verify the server with the CA', () => {
    const cron = objectOf(app, 'CronJob', 'db-backup');
    const podSpec = cron.spec.jobTemplate.spec.template.spec;
    const backup = podSpec.containers[0];
    expect(envOf(backup).STORE_TLS_CA).toBe('/etc/db-ca/db/ca.crt');
    expect(backup.volumeMounts).toContainEqual({ name: 'ca-db', mountPath: '/etc/db-ca/db', readOnly: true });
    const restore = objectsOf(app, 'Job').find((j) => j.metadata.name === 'db-restore')!;
    expect(envOf(restore.spec.template.spec.containers[0]).STORE_TLS_CA).toBe('/etc/db-ca/db/ca.crt');
  });

  test('NetworkPolicies keep the same port', () => {
    const policy = objectOf(app, 'NetworkPolicy', 'db');
    expect(JSON.stringify(policy.spec.ingress)).toContain('5432');
    expect(JSON.stringify(policy.spec.ingress)).not.toMatch(/"port":(?!5432|9187)\d+/);
  });

  testStrictSchemaValidation(() => objectsOf(postgresSystem().app));
});

describe('Postgres without tls is unchanged', () => {
  const { app, chart } = testChart();
  new Postgres(chart, 'db', { database: 'app', storage: '10Gi', credentials: pgCredentials, resources }).noBackup(NOT_BACKED_UP_IN_TEST);
  test('plain host line, no ssl, no Certificate', () => {
    const config = objectOf(app, 'ConfigMap', 'db-config').data;
    expect(config['pg_hba.conf']).toContain('host    all       all   all      scram-sha-256');
    expect(config['postgresql.conf']).not.toContain('ssl = on');
    expect(objectsOf(app, 'Certificate')).toEqual([]);
  });
});

describe('MySql with tls', () => {
  function build() {
    const { app, chart } = testChart();
    const issuer = IssuerRef.clusterIssuer('internal-ca', { trust: 'ca' });
    const mysql = new MySql(chart, 'mysql', {
      database: 'loopi_db',
      user: 'loopi',
      storage: '10Gi',
      credentials: mysqlCredentials,
      resources,
      monitoring: { exporter: true },
      tls: { issuer },
    }).noBackup(NOT_BACKED_UP_IN_TEST);
    const api = webService(chart);
    api.connect(mysql, {
      env: ConnectionEnv.all(
        ConnectionEnv.discrete({
          host: 'DB_HOST',
          port: 'DB_PORT',
          user: 'DB_USER',
          password: 'DB_PASSWORD',
          sslMode: 'DB_SSL_MODE',
          sslCa: 'DB_SSL_CA',
        }),
        ConnectionEnv.url('DATABASE_URL'),
      ),
    });
    return app;
  }
  const app = build();
  const pod = objectOf(app, 'StatefulSet', 'mysql').spec.template.spec;
  const config = objectOf(app, 'ConfigMap', 'mysql-config').data;

  test('a Certificate from the ClusterIssuer for the Service and member names', () => {
    const cert = objectOf(app, 'Certificate', 'mysql-tls');
    expect(cert.spec.issuerRef).toEqual({ name: 'internal-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' });
    expect(cert.spec.dnsNames).toEqual(
      expect.arrayContaining(['mysql', `mysql.${NS}`, `mysql.${NS}.svc`, `mysql.${NS}.svc.cluster.local`, `mysql-0.mysql-headless.${NS}.svc`]),
    );
  });

  test('my.cnf requires secure transport with TLS 1.2/1.3 and the mounted files', () => {
    const cnf: string = config['my.cnf'];
    const mysqld = cnf.split('[mysqld-8.4]')[0];
    expect(mysqld).toContain('require_secure_transport = ON');
    expect(mysqld).toContain('ssl_ca = /etc/db-tls/ca.crt');
    expect(mysqld).toContain('ssl_cert = /etc/db-tls/tls.crt');
    expect(mysqld).toContain('ssl_key = /etc/db-tls/tls.key');
    expect(mysqld).toContain('tls_version = TLSv1.2,TLSv1.3');
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'server-tls', mountPath: '/etc/db-tls', readOnly: true });
  });

  test('the exporter verifies the server with an option file naming the CA', () => {
    const metrics = pod.containers.find((c: any) => c.name === 'metrics');
    expect(metrics.args).toContain('--config.my-cnf=/etc/mysql/conf.d/exporter-client.ini');
    expect(config['exporter-client.ini']).toContain('ssl-ca = /etc/db-ca/mysql/ca.crt');
    expect(metrics.volumeMounts).toContainEqual({ name: 'server-ca', mountPath: '/etc/db-ca/mysql', readOnly: true });
  });

  test('the tls-reload sidecar reloads with ALTER INSTANCE RELOAD TLS', () => {
    expect(pod.containers.map((c: any) => c.name)).toContain('tls-reload');
    expect(config['tls-reload.sh']).toContain('ALTER INSTANCE RELOAD TLS');
  });

  test('the workload gets DB_SSL_MODE=VERIFY_IDENTITY, DB_SSL_CA and the CA mounted; the URL carries them', () => {
    const api = objectOf(app, 'Deployment', 'api').spec.template.spec.containers[0];
    const env = envOf(api);
    expect(env.DB_SSL_MODE).toBe('VERIFY_IDENTITY');
    expect(env.DB_SSL_CA).toBe('/etc/db-ca/mysql/ca.crt');
    expect(env.DATABASE_URL).toMatch(/\?ssl-mode=VERIFY_IDENTITY&ssl-ca=\/etc\/db-ca\/mysql\/ca.crt$/);
    expect(env.PGSSLMODE).toBeUndefined();
    expect(api.volumeMounts).toContainEqual({ name: 'ca-mysql', mountPath: '/etc/db-ca/mysql', readOnly: true });
  });

  test('a connection whose variables never name the CA is an error', () => {
    const { app: other, chart } = testChart();
    const mysql = new MySql(chart, 'mysql', {
      database: 'loopi_db',
      user: 'loopi',
      storage: '10Gi',
      credentials: mysqlCredentials,
      resources,
      tls: { issuer: IssuerRef.clusterIssuer('internal-ca', { trust: 'ca' }) },
    }).noBackup(NOT_BACKED_UP_IN_TEST);
    webService(chart).connect(mysql, { env: ConnectionEnv.discrete({ host: 'DB_HOST', user: 'DB_USER', password: 'DB_PASSWORD' }) });
    const errors = errorsOf(other);
    expectOneError(errors, `${NS}/api`, 'connect().env', /requires TLS.*\/etc\/db-ca\/mysql\/ca\.crt.*sslCa/);
  });

  testStrictSchemaValidation(() => objectsOf(build()));
});

describe('CloudNativePG with tls', () => {
  function build() {
    const { app, chart } = testChart(testEnv('prod'), 'shop');
    const credentials = new SystemSecret(chart, 'db-credentials', { keys: ['postgres-password', 'password'], basicAuthUsername: 'shop' });
    const s3Keys = ExistingSecret.named('backup-s3', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    const target = BackupTarget.s3({
      bucket: 'shop-backups-prod',
      region: 'eu-west-1',
      accessKeyId: fromSecret(s3Keys, 'AWS_ACCESS_KEY_ID'),
      secretAccessKey: fromSecret(s3Keys, 'AWS_SECRET_ACCESS_KEY'),
    });
    const db = new Postgres(chart, 'db', {
      database: 'shop',
      storage: '50Gi',
      credentials,
      resources,
      engine: PostgresEngine.cloudNativePg({ instances: 3, rpo: Duration.minutes(5), backup: { target } }),
      tls: { issuer: new CaIssuer(chart, 'db-ca') },
    });
    const worker = new Worker(chart, 'reports', { image: 'registry.stackworks.io/shop/reports:1.0.0', resources });
    worker.connect(db, { env: ConnectionEnv.url('DATABASE_URL'), readOnly: true });
    return app;
  }
  const app = build();
  const ns = 'shop-prod';

  test("the Certificate names the operator's -rw, -ro and -r Services; its Secret is labelled for the operator's reload", () => {
    const cert = objectOf(app, 'Certificate', 'db-tls');
    for (const s of ['rw', 'ro', 'r']) {
      expect(cert.spec.dnsNames).toEqual(
        expect.arrayContaining([`db-${s}`, `db-${s}.${ns}`, `db-${s}.${ns}.svc`, `db-${s}.${ns}.svc.cluster.local`]),
      );
    }
    expect(cert.spec.secretTemplate).toEqual({ labels: { 'cnpg.io/reload': '' } });
  });

  test('the Cluster serves it and refuses TCP without TLS', () => {
    const spec = objectOf(app, 'Cluster', 'db').spec;
    expect(spec.certificates).toEqual({ serverTLSSecret: 'db-tls', serverCASecret: 'db-tls' });
    expect(spec.postgresql.pg_hba).toEqual(['hostssl all all all scram-sha-256', 'hostnossl all all all reject']);
  });

  test('the read-only connection verifies the -ro host with the CA', () => {
    const reports = objectOf(app, 'Deployment', 'reports').spec.template.spec.containers[0];
    const env = envOf(reports);
    expect(env.DATABASE_URL).toBe(
      `postgresql://shop:$(DATABASE_URL_PASSWORD)@db-ro.${ns}.svc:5432/shop?sslmode=verify-full&sslrootcert=/etc/db-ca/db/ca.crt`,
    );
    expect(env.PGSSLMODE).toBe('verify-full');
  });

  testStrictSchemaValidation(() => objectsOf(build()));
});

describe('MOCO refuses tls', () => {
  test('the engine reports it on tls, with why', () => {
    const { app, chart } = testChart(testEnv('dev'));
    new MySql(chart, 'mysql', {
      database: 'loopi_db',
      user: 'loopi',
      storage: '10Gi',
      credentials: new SystemSecret(chart, 'mysql-credentials', { keys: ['root-password', 'password'] }),
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
      engine: MySqlEngine.moco({ instances: 1 }),
      tls: { issuer: IssuerRef.clusterIssuer('internal-ca', { trust: 'ca' }) },
    });
    expect(errorIdsOf(app)).toContain(`[${chart.namespaceName}/mysql] moco-engine.tls`);
    expect(errorsOf(app).join('\n')).toMatch(/tls: is not supported with MySqlEngine\.moco\(\).*require_secure_transport/);
  });
});

describe('bad tls input', () => {
  const base: PostgresProps = { database: 'app', storage: '10Gi', credentials: pgCredentials, resources };
  const errors = badInputErrors(base, (chart, props) => new Postgres(chart, 'db', props).noBackup(NOT_BACKED_UP_IN_TEST));
  const path = `${NS}/db`;

  test('not an object', () => {
    expectOneError(errors({ tls: 'on' }), path, 'tls', /must be an object/);
  });

  test('no issuer', () => {
    expectOneError(errors({ tls: {} }), path, 'tls.issuer', /is required.*CaIssuer/);
  });

  test('an ACME issuer cannot sign in-cluster names', () => {
    const acme = IssuerRef.clusterIssuer('letsencrypt-prod', { trust: 'acme-production' });
    expectOneError(errors({ tls: { issuer: acme } }), path, 'tls.issuer', /ACME CA.*private CA/);
  });

  test('a wrong kind and a bad name, both reported', () => {
    const found = errors({ tls: { issuer: { issuerName: 'Bad_Name', issuerKind: 'CertIssuer' } } });
    expect(found).toEqual([
      expect.stringMatching(/^\[test-prod\/db\] tls\.issuer\.issuerName: 'Bad_Name'/),
      expect.stringMatching(/^\[test-prod\/db\] tls\.issuer\.issuerKind: 'CertIssuer' must be 'Issuer' or 'ClusterIssuer'/),
    ]);
  });

  test('an Issuer of another namespace signs only there', () => {
    const app = new App();
    const other = new SystemChart(app, { system: 'other', environment: testEnv() });
    const ca = new CaIssuer(other, 'db-ca');
    const found = errors({ tls: { issuer: ca } });
    expectOneError(found, path, 'tls.issuer', /namespace 'other-prod' and signs only there/);
  });
});
