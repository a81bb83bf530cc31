import { ConnectionEnv, DEFAULT_RULES, ExistingSecret, Probe, SystemSecret, WebService, Worker } from '../../lib';
import { Postgres, PostgresProps } from '../../lib/data/postgres';
import { checkPostgresName, pgSize, postgresTuning } from '../../lib/data/postgres-config';
import { errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';
import { fastApiBackend } from '../support/stores';
import { badInputErrors, expectOneError, testStrictSchemaValidation } from '../support/construct-tests';
import { NOT_BACKED_UP_IN_TEST } from '../support/stores';

const resources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } };
const credentials = ExistingSecret.named('db-credentials', ['postgres-password', 'password', 'monitoring-password']);
const secretRef = (key: string) => ({ valueFrom: { secretKeyRef: { name: 'db-credentials', key } } });

/** The properties of a postgresql.conf as a map (last one wins, as in PostgreSQL). */
function settings(conf: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of conf.split('\n')) {
    const m = /^([a-z_.]+) = (.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

describe('Postgres', () => {
  const { app, chart } = testChart();
  const db = new Postgres(chart, 'db', {
    database: 'app',
    user: 'app_user',
    storage: '20Gi',
    credentials,
    resources,
    monitoring: { exporter: true },
  }).noBackup(NOT_BACKED_UP_IN_TEST);
  // Feature-models (FastAPI template) and a URL for SQLAlchemy-style clients.
  fastApiBackend(chart, db, resources);
  const worker = new Worker(chart, 'loopi', { image: 'registry.stackworks.io/org/worker:1.0.0', resources });
  worker.connect(db, {
    env: ConnectionEnv.discrete({ host: 'DB_HOST', port: 'DB_PORT', database: 'DB_NAME', user: 'DB_USER', password: 'DB_PASSWORD' }),
  });

  const sts = objectOf(app, 'StatefulSet', 'db');
  const pod = sts.spec.template.spec;
  const postgres = pod.containers[0];
  const config = objectOf(app, 'ConfigMap', 'db-config').data;
  const conf = settings(config['postgresql.conf']);

  test('a StatefulSet with a headless and a client Service on 5432, the volume kept', () => {
    expect(sts.spec.serviceName).toBe('db-headless');
    expect(sts.spec.replicas).toBe(1);
    expect(objectOf(app, 'Service', 'db-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(objectOf(app, 'Service', 'db').spec.ports).toEqual([{ name: 'postgres', port: 5432, targetPort: 'postgres', protocol: 'TCP' }]);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } });
    expect(postgres.image).toBe('docker.io/library/postgres:17.6');
    expect(postgres.ports).toEqual([{ name: 'postgres', containerPort: 5432, protocol: 'TCP' }]);
  });

  test("restricted security context with the image's postgres uid 999, read-only root filesystem", () => {
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 999,
      runAsGroup: 999,
      fsGroup: 999,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(postgres.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 999,
      runAsNonRoot: true,
      runAsUser: 999,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('volumes: data on the claim (PGDATA below it), emptyDirs for the socket, /tmp and a memory-backed /dev/shm, config read-only', () => {
    expect(postgres.volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'data', mountPath: '/var/lib/postgresql/data' },
      { name: 'run', mountPath: '/var/run/postgresql' },
      { name: 'dshm', mountPath: '/dev/shm' },
      { name: 'config', mountPath: '/etc/postgresql', readOnly: true },
      { name: 'initdb', mountPath: '/docker-entrypoint-initdb.d', readOnly: true },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
      { name: 'run', emptyDir: { sizeLimit: '256Mi' } },
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '256Mi' } },
      { name: 'config', configMap: { name: 'db-config' } },
      { name: 'initdb', configMap: { name: 'db-config', items: [{ key: 'init-app.sh', path: 'init-app.sh' }], defaultMode: 0o555 } },
    ]);
    expect(postgres.env).toContainEqual({ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' });
  });

  test('the server reads the generated postgresql.conf and pg_hba.conf; a config change rolls the pod', () => {
    expect(postgres.command).toBeUndefined();
    expect(postgres.args).toEqual(['postgres', '-c', 'config_file=/etc/postgresql/postgresql.conf', '-c', 'hba_file=/etc/postgresql/pg_hba.conf']);
    expect(Object.keys(config)).toEqual(['init-app.sh', 'pg_hba.conf', 'postgresql.conf']);
    expect(sts.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('passwords only by secretKeyRef: superuser for initdb, the app and monitoring roles for the init script', () => {
    expect(postgres.env).toEqual([
      { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
      { name: 'POSTGRES_PASSWORD', ...secretRef('postgres-password') },
      { name: 'POSTGRES_INITDB_ARGS', value: '--data-checksums --auth-local=scram-sha-256 --auth-host=scram-sha-256' },
      { name: 'APP_DATABASE', value: 'app' },
      { name: 'APP_USER', value: 'app_user' },
      { name: 'APP_PASSWORD', ...secretRef('password') },
      { name: 'MONITORING_PASSWORD', ...secretRef('monitoring-password') },
    ]);
    expect(JSON.stringify(objectsOf(app))).not.toMatch(/POSTGRES_USER"?,"value":"postgres"/);
  });

  test('probes: pg_isready on 127.0.0.1 as the app user; alive while recovering; ten minutes to initialize; fast shutdown before SIGTERM', () => {
    expect(postgres.readinessProbe).toMatchObject({
      exec: { command: ['pg_isready', '-h', '127.0.0.1', '-p', '5432', '-U', 'app_user', '-d', 'app'] },
      timeoutSeconds: 5,
    });
    const answering = ['sh', '-c', 'pg_isready -h 127.0.0.1 -p 5432 -U app_user -d app -q; [ $? -le 1 ]'];
    expect(postgres.livenessProbe).toMatchObject({ exec: { command: answering }, failureThreshold: 6 });
    expect(postgres.startupProbe).toMatchObject({ exec: { command: answering }, periodSeconds: 5, failureThreshold: 120 });
    expect(postgres.lifecycle).toEqual({ preStop: { exec: { command: ['sh', '-c', 'pg_ctl stop -D "$PGDATA" -m fast -w -t 50'] } } });
    expect(pod.terminationGracePeriodSeconds).toBe(60);
  });

  test('postgresql.conf: sized from the 1Gi limit, 2 cpus and the 20Gi volume', () => {
    expect(conf).toMatchObject({
      listen_addresses: "'*'",
      port: '5432',
      max_connections: '100',
      unix_socket_directories: "'/var/run/postgresql'",
      password_encryption: "'scram-sha-256'",
      shared_buffers: '256MB', // 25 %
      effective_cache_size: '768MB', // 75 %
      maintenance_work_mem: '64MB', // 1/16
      work_mem: '1703kB', // (90 % - shared_buffers) / (100 connections x 4)
      huge_pages: 'off',
      dynamic_shared_memory_type: 'posix',
      max_parallel_workers: '2',
      max_parallel_workers_per_gather: '1',
      wal_level: 'replica',
      fsync: 'on',
      synchronous_commit: 'on',
      full_page_writes: 'on',
      max_wal_size: '2GB', // 10 % of the volume
      min_wal_size: '512MB',
      checkpoint_completion_target: '0.9',
      log_destination: "'stderr'",
      logging_collector: 'off',
      timezone: "'UTC'",
    });
    expect(conf.shared_preload_libraries).toBeUndefined();
    expect(config['postgresql.conf']).not.toMatch(/^(data_directory|hba_file|ssl|\w*password) = /m);
  });

  test('pg_hba.conf: SCRAM for every connection, socket included; no trust, no peer, no replication', () => {
    const rules = config['pg_hba.conf']
      .split('\n')
      .filter((l: string) => l.trim() && !l.startsWith('#'))
      .map((l: string) => l.split(/\s+/));
    expect(rules).toEqual([
      ['local', 'all', 'all', 'scram-sha-256'],
      ['host', 'all', 'all', 'all', 'scram-sha-256'],
    ]);
    expect(config['pg_hba.conf']).not.toMatch(/trust|peer|md5|replication/);
  });

  test('init script: app role (not superuser) and its database, PUBLIC locked out, monitoring role; values from env as psql variables', () => {
    const script: string = config['init-app.sh'];
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain('set -eu');
    expect(script).toContain(': "${APP_DATABASE:?}" "${APP_USER:?}" "${APP_PASSWORD:?}"');
    expect(script).toContain('export PGPASSWORD="${PGPASSWORD:-${POSTGRES_PASSWORD:?}}"');
    expect(script).toContain('--set app_user="$APP_USER" --set app_password="$APP_PASSWORD" --set app_db="$APP_DATABASE"');
    expect(script).toContain(
      "SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD %L', :'app_user', :'app_password')\\gexec",
    );
    expect(script).toContain("SELECT format('CREATE DATABASE %I OWNER %I', :'app_db', :'app_user')");
    expect(script).toContain("SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'app_db')\\gexec");
    expect(script).toContain('REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;');
    expect(script).toContain('REVOKE CREATE ON SCHEMA public FROM PUBLIC;');
    expect(script).toContain('GRANT pg_monitor TO postgres_exporter;');
    expect(script).toContain('CONNECTION LIMIT 3 PASSWORD %L');
    expect(script).not.toContain('timescaledb');
    // Names and passwords never spliced into SQL text by the shell: the heredocs are quoted.
    expect(script.match(/<<'EOSQL'/g)).toHaveLength(3);
    expect(script).not.toMatch(/<<EOSQL/);
  });

  test('postgres_exporter sidecar on metrics:9187, logging in as the monitoring role by reference', () => {
    const metrics = pod.containers[1];
    expect(metrics).toMatchObject({ name: 'metrics', image: 'quay.io/prometheuscommunity/postgres-exporter:v0.17.1' });
    expect(metrics.ports).toEqual([{ name: 'metrics', containerPort: 9187, protocol: 'TCP' }]);
    expect(metrics.env).toEqual([
      { name: 'DATA_SOURCE_URI', value: '127.0.0.1:5432/postgres?sslmode=disable' },
      { name: 'DATA_SOURCE_USER', value: 'postgres_exporter' },
      { name: 'DATA_SOURCE_PASS', ...secretRef('monitoring-password') },
    ]);
    expect(metrics.readinessProbe.httpGet).toEqual({ path: '/', port: 'metrics', scheme: 'HTTP' });
    expect(metrics.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, readOnlyRootFilesystem: true });
  });

  test('connect(): feature-models and URL conventions, the app role only, by reference', () => {
    const container = objectOf(app, 'Deployment', 'backend').spec.template.spec.containers[0];
    expect(container.env).toEqual([
      { name: 'POSTGRES_SERVER', value: 'db.test-prod.svc' },
      { name: 'POSTGRES_PORT', value: '5432' },
      { name: 'POSTGRES_DB', value: 'app' },
      { name: 'POSTGRES_USER', value: 'app_user' },
      { name: 'POSTGRES_PASSWORD', ...secretRef('password') },
      { name: 'DATABASE_URL_PASSWORD', ...secretRef('password') },
      { name: 'DATABASE_URL', value: 'postgresql://app_user:$(DATABASE_URL_PASSWORD)@db.test-prod.svc:5432/app' },
    ]);
    expect(JSON.stringify(container)).not.toContain('postgres-password');
  });

  test('connect(): Loopi convention, NetworkPolicy both ways, wait for pg_isready with STORE_* variables', () => {
    const spec = objectOf(app, 'Deployment', 'loopi').spec.template.spec;
    expect(spec.containers[0].env).toEqual([
      { name: 'DB_HOST', value: 'db.test-prod.svc' },
      { name: 'DB_PORT', value: '5432' },
      { name: 'DB_NAME', value: 'app' },
      { name: 'DB_USER', value: 'app_user' },
      { name: 'DB_PASSWORD', ...secretRef('password') },
    ]);
    const wait = spec.initContainers[0];
    expect(wait.name).toBe('wait-for-db');
    expect(wait.image).toBe('docker.io/library/postgres:17.6');
    expect(wait.command).toEqual([
      'sh',
      '-c',
      `until pg_isready -h "$STORE_HOST" -p "$STORE_PORT" -U "$STORE_USER" -d 'app'; do echo 'waiting for db'; sleep 2; done`,
    ]);
    expect(wait.env).toEqual([
      { name: 'STORE_HOST', value: 'db.test-prod.svc' },
      { name: 'STORE_PORT', value: '5432' },
      { name: 'STORE_USER', value: 'app_user' },
      { name: 'STORE_PASSWORD', ...secretRef('password') },
    ]);
    expect(objectOf(app, 'NetworkPolicy', 'loopi').spec.egress).toContainEqual({
      to: [{ podSelector: { matchLabels: db.selectorLabels } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    });
    expect(objectOf(app, 'NetworkPolicy', 'db').spec.ingress).toContainEqual({
      from: [{ podSelector: { matchLabels: worker.selectorLabels } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    });
  });

  test('backups reach it as the superuser; the application never does', () => {
    expect(db.connectionInfo()).toMatchObject({ scheme: 'postgresql', host: 'db.test-prod.svc', port: 5432, database: 'app', user: 'app_user' });
    expect(db.connectionInfo().password?.key).toBe('password');
    expect(db.adminConnection()).toMatchObject({ host: 'db.test-prod.svc', port: 5432, user: 'postgres' });
    expect(db.adminConnection().password.key).toBe('postgres-password');
    expect(db).toMatchObject({ backupEngine: 'postgres', engineUid: 999, backupDatabases: ['app'], engineImage: 'docker.io/library/postgres:17.6' });
  });

  testStrictSchemaValidation(() => objectsOf(app));
});

describe('Postgres defaults and flavours', () => {
  test('defaults: version 17, user = database, keys postgres-password/password, no exporter, dev resources', () => {
    const { app, chart } = testChart(testEnv('dev'));
    const secret = new SystemSecret(chart, 'db-credentials', { keys: ['postgres-password', 'password'] });
    const db = new Postgres(chart, 'db', { database: 'feature_models', storage: '1Gi', credentials: secret }).noBackup(NOT_BACKED_UP_IN_TEST);
    expect(errorsOf(app)).toEqual([]);
    const pod = objectOf(app, 'StatefulSet', 'db').spec.template.spec;
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0].image).toBe('docker.io/library/postgres:17.6');
    expect(db.user).toBe('feature_models');
    const conf = settings(objectOf(app, 'ConfigMap', 'db-config').data['postgresql.conf']);
    // Dev's 256Mi limit and 250m cpu; a 1Gi volume keeps WAL small.
    expect(conf).toMatchObject({
      shared_buffers: '64MB',
      effective_cache_size: '192MB',
      work_mem: '425kB',
      maintenance_work_mem: '16MB',
      max_parallel_workers: '0',
      max_wal_size: '128MB',
      min_wal_size: '32MB',
    });
    expect(pod.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } });
    const script = objectOf(app, 'ConfigMap', 'db-config').data['init-app.sh'];
    expect(script).not.toContain('postgres_exporter');
    expect(script).not.toContain('MONITORING_PASSWORD');
    expect(pod.containers[0].env.map((e: { name: string }) => e.name)).not.toContain('MONITORING_PASSWORD');
  });

  test('every policy rule passes for a chart with generated credentials, exporter and TimescaleDB', () => {
    for (const env of [testEnv('dev'), testEnv('prod')]) {
      const { app, chart } = testChart(env);
      const secret = new SystemSecret(chart, 'db-credentials', { keys: ['postgres-password', 'password', 'monitoring-password'] });
      const db = new Postgres(chart, 'db', {
        database: 'app',
        storage: '1Gi',
        credentials: secret,
        resources,
        monitoring: { exporter: true },
      }).noBackup(NOT_BACKED_UP_IN_TEST);
      new Postgres(chart, 'metrics-db', { flavour: 'timescaledb', database: 'metrics', storage: '1Gi', credentials: secret, resources }).noBackup(
        NOT_BACKED_UP_IN_TEST,
      );
      const api = new WebService(chart, 'api', {
        image: 'registry.stackworks.io/org/api:1.0.0',
        ports: [{ name: 'http', port: 8000 }],
        readiness: Probe.http('/ready'),
        resources,
      });
      api.connect(db, { env: ConnectionEnv.url('DATABASE_URL') });
      expect(errorsOf(app, DEFAULT_RULES)).toEqual([]);
    }
  });

  test('TimescaleDB: its image and uid, the library preloaded, background workers, the extension in the app database', () => {
    const { app, chart } = testChart();
    const metrics = new Postgres(chart, 'metrics-db', {
      flavour: 'timescaledb',
      version: '16',
      database: 'metrics',
      storage: '10Gi',
      credentials,
      resources,
    }).noBackup(NOT_BACKED_UP_IN_TEST);
    expect(errorsOf(app)).toEqual([]);
    const pod = objectOf(app, 'StatefulSet', 'metrics-db').spec.template.spec;
    expect(pod.containers[0].image).toBe('docker.io/timescale/timescaledb:2.21.3-pg16');
    expect(pod.securityContext).toMatchObject({ runAsUser: 70, runAsGroup: 70, fsGroup: 70 });
    expect(metrics.engineUid).toBe(70);
    const data = objectOf(app, 'ConfigMap', 'metrics-db-config').data;
    const conf = settings(data['postgresql.conf']);
    expect(conf).toMatchObject({
      shared_preload_libraries: "'timescaledb'",
      'timescaledb.telemetry_level': 'off',
      'timescaledb.max_background_workers': '8',
      max_worker_processes: '13',
    });
    expect(data['init-app.sh']).toMatch(
      /--dbname "\$APP_DATABASE" <<'EOSQL'\nREVOKE CREATE ON SCHEMA public FROM PUBLIC;\nCREATE EXTENSION IF NOT EXISTS timescaledb;\nEOSQL/,
    );
    // The image's own init scripts (timescaledb-tune) are hidden by the mount.
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'initdb', mountPath: '/docker-entrypoint-initdb.d', readOnly: true });
  });

  test.each(['15', '16', '18'] as const)('version %s uses its pinned image', (version) => {
    const { app, chart } = testChart();
    new Postgres(chart, 'db', { version, database: 'app', storage: '1Gi', credentials, resources }).noBackup(NOT_BACKED_UP_IN_TEST);
    expect(objectOf(app, 'StatefulSet', 'db').spec.template.spec.containers[0].image).toMatch(
      new RegExp(`^docker\\.io/library/postgres:${version}\\.\\d+$`),
    );
  });

  test('explicit shared_buffers and max_connections drive the derived settings', () => {
    const { app, chart } = testChart();
    new Postgres(chart, 'db', { database: 'app', storage: '100Gi', credentials, resources, sharedBuffers: '384Mi', maxConnections: 50 }).noBackup(
      NOT_BACKED_UP_IN_TEST,
    );
    expect(errorsOf(app)).toEqual([]);
    const conf = settings(objectOf(app, 'ConfigMap', 'db-config').data['postgresql.conf']);
    expect(conf).toMatchObject({ shared_buffers: '384MB', max_connections: '50', work_mem: '2752kB', max_wal_size: '4GB', min_wal_size: '1GB' });
  });
});

describe('Postgres bad input', () => {
  const base: PostgresProps = { database: 'app', storage: '1Gi', credentials, resources };
  const errors = badInputErrors(base, (chart, props) => new Postgres(chart, 'db', props).noBackup(NOT_BACKED_UP_IN_TEST));

  test('storage that does not parse, or zero', () => {
    expect(errors({ storage: 'ten gigs' })).toContainEqual("[test-prod/db] storage: 'ten gigs' is not a valid quantity (e.g. 10Gi)");
    expect(errors({ storage: '0Gi' })).toContainEqual('[test-prod/db] storage: must be greater than zero');
  });

  test('unsupported versions list the supported ones', () => {
    expect(errors({ version: '13' })).toEqual(["[test-prod/db] version: '13' is not a supported PostgreSQL version (supported: 15, 16, 17, 18)"]);
    expect(errors({ version: '18', flavour: 'timescaledb' })).toEqual([
      "[test-prod/db] version: '18' is not a supported TimescaleDB version (supported: 16, 17)",
    ]);
    expect(errors({ flavour: 'citus' })).toEqual(["[test-prod/db] flavour: 'citus' must be 'postgres' or 'timescaledb'"]);
  });

  test.each([
    ['App', /not a plain PostgreSQL identifier/],
    ['my-app', /not a plain PostgreSQL identifier/],
    ['1app', /not a plain PostgreSQL identifier/],
    ['a'.repeat(64), /64 bytes; PostgreSQL truncates identifiers to 63 bytes/],
    ['select', /reserved SQL key word/],
    ['postgres', /a database PostgreSQL creates for itself/],
    ['template1', /a database PostgreSQL creates for itself/],
  ])('database %s is rejected', (database, message) => {
    const found = errors({ database, user: 'app' });
    expectOneError(found, 'test-prod/db', 'database', message);
  });

  test.each([
    ['postgres', /is the superuser; the application connects as an ordinary role/],
    ['pg_app', /starting with 'pg_' are reserved/],
    ['public', /reserved as a role name/],
    ['user', /reserved SQL key word/],
    ['postgres_exporter', /the exporter's monitoring role/],
    ['App User', /not a plain PostgreSQL identifier/],
    ['u'.repeat(70), /70 bytes/],
  ])('user %s is rejected', (user, message) => {
    const found = errors({ user });
    expectOneError(found, 'test-prod/db', 'user', message);
  });

  test('the default user (the database name) must be a valid role too', () => {
    expect(errors({ database: 'pg_data' })).toEqual([
      "[test-prod/db] user: 'pg_data': role names starting with 'pg_' are reserved for PostgreSQL's predefined roles (the default is the database name; set user)",
    ]);
  });

  test('memory-derived settings that do not fit the limit', () => {
    expect(errors({ sharedBuffers: '1Gi' })).toEqual([
      '[test-prod/db] sharedBuffers: 1Gi is at or above the container memory limit 1Gi; the server would be OOM-killed',
    ]);
    expect(errors({ sharedBuffers: '900Mi' })).toEqual([
      '[test-prod/db] sharedBuffers: 900Mi is more than 75 % of the container memory limit 1Gi, leaving too little for 100 sessions (work_mem), maintenance and the page cache',
    ]);
    expect(errors({ sharedBuffers: 'lots' })).toEqual(["[test-prod/db] sharedBuffers: 'lots' is not a valid quantity (e.g. 256Mi)"]);
    expect(errors({ sharedBuffers: '64Ki' })).toEqual(["[test-prod/db] sharedBuffers: 64Ki is below PostgreSQL's minimum of 128Ki"]);
    const small = { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '96Mi' } };
    expect(errors({ resources: small })).toEqual([
      '[test-prod/db] resources.limits.memory: 96Mi is below the 128Mi PostgreSQL needs for shared buffers and sessions',
    ]);
  });

  test('max_connections out of range', () => {
    expect(errors({ maxConnections: 5 })).toEqual(['[test-prod/db] maxConnections: 5 must be a whole number from 10 to 10000']);
    expect(errors({ maxConnections: 100.5 })).toEqual(['[test-prod/db] maxConnections: 100.5 must be a whole number from 10 to 10000']);
  });

  test('roles sharing a password key, and keys the Secret does not hold', () => {
    expect(errors({ credentialKeys: { app: 'postgres-password' } })).toEqual([
      "[test-prod/db] credentialKeys.app: 'postgres-password' is also credentialKeys.superuser; every role needs its own password",
    ]);
    expect(errors({ monitoring: { exporter: true, passwordKey: 'password' } })).toEqual([
      "[test-prod/db] monitoring.passwordKey: 'password' is also credentialKeys.app; every role needs its own password",
    ]);
    expect(errors({ credentialKeys: { app: 'app-password' } })).toEqual([
      "[test-prod/db] env.APP_PASSWORD: key 'app-password' is not produced by existing Secret 'db-credentials' (it has: postgres-password, password, monitoring-password)",
    ]);
  });

  test('prod requires explicit resources', () => {
    expect(errors({ resources: undefined })).toContainEqual('[test-prod/db] resources: required in prod: set requests and limits for cpu and memory');
  });
});

describe('postgres-config helpers', () => {
  test('pgSize uses PostgreSQL units', () => {
    expect(pgSize(256 * 2 ** 20)).toBe('256MB');
    expect(pgSize(2 ** 31)).toBe('2GB');
    expect(pgSize(1703 * 1024)).toBe('1703kB');
  });

  test('tuning clamps: work_mem at least 64kB, WAL at most 4GB, maintenance at most 2GB', () => {
    const t = postgresTuning({ memoryLimit: 128 * 2 ** 20, cpuLimit: 0.1, storage: 2 ** 40, maxConnections: 10000, timescale: false });
    expect(t.workMem).toBe(64 * 1024);
    expect(t.maxWalSize).toBe(4 * 2 ** 30);
    expect(postgresTuning({ memoryLimit: 64 * 2 ** 30, cpuLimit: 16, storage: 2 ** 30, maxConnections: 100, timescale: false })).toMatchObject({
      maintenanceWorkMem: 2 * 2 ** 30,
      maxWorkerProcesses: 18,
      maxParallelWorkersPerGather: 8,
    });
  });

  test('checkPostgresName accepts plain identifiers', () => {
    for (const name of ['app', '_app', 'feature_models', 'a1', 'x'.repeat(63)]) expect(checkPostgresName(name, 'user')).toBeUndefined();
  });
});
