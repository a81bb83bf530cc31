import { ConnectionEnv, DEFAULT_RULES, ExistingSecret, Probe, SystemChart, SystemSecret, WebService } from '../../lib';
import { MySql, MySqlProps } from '../../lib/data/mysql';
import { checkMySqlName, mysqlSize, mysqlTuning } from '../../lib/data/mysql-config';
import { errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';
import { badInputErrors, expectOneError, testStrictSchemaValidation } from '../support/construct-tests';
import { NOT_BACKED_UP_IN_TEST } from '../support/stores';

const resources = { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } };
const credentials = ExistingSecret.named('mysql-credentials', ['root-password', 'password', 'exporter-password']);
const secretRef = (key: string) => ({ valueFrom: { secretKeyRef: { name: 'mysql-credentials', key } } });

/** The Loopi API as a WebService on 8080, the application the MySQL tests connect. */
const loopiApi = (chart: SystemChart) =>
  new WebService(chart, 'api', {
    image: 'registry.stackworks.io/loopi-api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources,
  });

/** The options of one [group] of an option file. */
function group(cnf: string, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  let current = '';
  for (const line of cnf.split('\n')) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) current = header[1];
    else if (current === name && line && !line.startsWith('#')) {
      const [key, ...value] = line.split(' = ');
      out[key.trim()] = value.join(' = ').trim();
    }
  }
  return out;
}

describe('MySql', () => {
  const { app, chart } = testChart();
  const mysql = new MySql(chart, 'mysql', { database: 'loopi', storage: '20Gi', credentials, resources, monitoring: { exporter: true } }).noBackup(
    NOT_BACKED_UP_IN_TEST,
  );
  const api = loopiApi(chart);
  api.connect(mysql, {
    env: ConnectionEnv.all(
      ConnectionEnv.discrete({ host: 'DB_HOST', port: 'DB_PORT', database: 'DB_NAME', user: 'DB_USER', password: 'DB_PASSWORD' }),
      ConnectionEnv.url('DATABASE_URL'),
    ),
  });
  const sts = objectOf(app, 'StatefulSet', 'mysql');
  const pod = sts.spec.template.spec;
  const server = pod.containers[0];
  const config = objectOf(app, 'ConfigMap', 'mysql-config').data;
  const mysqld = group(config['my.cnf'], 'mysqld');

  test('a StatefulSet with a headless and a client Service on 3306, MySQL 8.4 LTS, the volume kept', () => {
    expect(server.image).toBe('docker.io/library/mysql:8.4.6');
    expect(sts.spec.serviceName).toBe('mysql-headless');
    expect(objectOf(app, 'Service', 'mysql-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(objectOf(app, 'Service', 'mysql').spec.ports).toEqual([{ name: 'mysql', port: 3306, targetPort: 'mysql', protocol: 'TCP' }]);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } });
    expect(server.command).toBeUndefined();
    expect(server.args).toBeUndefined();
  });

  test("restricted security context with the image's mysql uid 999, read-only root filesystem", () => {
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 999,
      runAsGroup: 999,
      fsGroup: 999,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(server.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 999,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  test('volumes: data on the claim, emptyDirs for /var/run/mysqld and /tmp, my.cnf in conf.d, the exporter init script', () => {
    expect(server.volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'data', mountPath: '/var/lib/mysql' },
      { name: 'run', mountPath: '/var/run/mysqld' },
      { name: 'config', mountPath: '/etc/mysql/conf.d', readOnly: true },
      { name: 'initdb', mountPath: '/docker-entrypoint-initdb.d', readOnly: true },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
      { name: 'run', emptyDir: { sizeLimit: '256Mi' } },
      { name: 'config', configMap: { name: 'mysql-config' } },
      { name: 'initdb', configMap: { name: 'mysql-config', items: [{ key: 'init-exporter.sh', path: 'init-exporter.sh' }], defaultMode: 0o555 } },
    ]);
    expect(Object.keys(config)).toEqual(['init-exporter.sh', 'my.cnf']);
    expect(sts.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('the entrypoint creates the app account from env; every password by secretKeyRef', () => {
    expect(server.env).toEqual([
      { name: 'MYSQL_ROOT_PASSWORD', ...secretRef('root-password') },
      { name: 'MYSQL_DATABASE', value: 'loopi' },
      { name: 'MYSQL_USER', value: 'loopi' },
      { name: 'MYSQL_PASSWORD', ...secretRef('password') },
      { name: 'MYSQL_EXPORTER_PASSWORD', ...secretRef('exporter-password') },
    ]);
    expect(server.env.map((e: { name: string }) => e.name)).not.toContain('MYSQL_PWD');
  });

  test('probes: mysqladmin ping as the app account, password through MYSQL_PWD for that command only', () => {
    const ping = ['sh', '-c', 'MYSQL_PWD="$MYSQL_PASSWORD" mysqladmin ping --host=127.0.0.1 --port=3306 --user="$MYSQL_USER" --silent'];
    expect(server.readinessProbe).toMatchObject({ exec: { command: ping }, timeoutSeconds: 5 });
    // Liveness: is mysqld answering at all (exit 0 also on Access denied), no password needed.
    expect(server.livenessProbe.exec.command[2]).toMatch(/^mysqladmin ping --host=127\.0\.0\.1 --port=3306 --user=liveness /);
    expect(server.livenessProbe).toMatchObject({ failureThreshold: 6 });
    expect(server.livenessProbe.exec.command).not.toEqual(ping);
    expect(server.startupProbe).toMatchObject({ exec: { command: ping }, periodSeconds: 5, failureThreshold: 120 });
    expect(JSON.stringify([server.readinessProbe, server.livenessProbe, server.startupProbe])).not.toMatch(/--password|-p\$|-p"/);
  });

  test('my.cnf [mysqld]: utf8mb4, no name resolution, buffer pool 50 % of the 2Gi limit, durable binlog', () => {
    expect(mysqld).toMatchObject({
      'bind-address': '*',
      port: '3306',
      socket: '/var/run/mysqld/mysqld.sock',
      'pid-file': '/var/run/mysqld/mysqld.pid',
      datadir: '/var/lib/mysql/data',
      max_connections: '151',
      'character-set-server': 'utf8mb4',
      innodb_buffer_pool_size: '1G',
      innodb_flush_log_at_trx_commit: '1',
      'log-bin': 'binlog',
      'server-id': '1',
      sync_binlog: '1',
      binlog_expire_logs_seconds: '259200',
      local_infile: 'OFF',
      performance_schema: 'ON',
    });
    expect(config['my.cnf']).toMatch(/^skip-name-resolve$/m);
    expect(config['my.cnf']).not.toMatch(/^\s*password/m);
  });

  test('my.cnf [mysqld-8.4]: what only MySQL 8.4 knows (MariaDB skips the group)', () => {
    expect(group(config['my.cnf'], 'mysqld-8.4')).toEqual({
      'collation-server': 'utf8mb4_0900_ai_ci',
      innodb_buffer_pool_instances: '1',
      innodb_buffer_pool_chunk_size: '128M',
      mysqlx: 'OFF',
    });
  });

  test('exporter init script: own account from 127.0.0.1 only, PROCESS, REPLICATION CLIENT, SELECT on performance_schema', () => {
    const script: string = config['init-exporter.sh'];
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).toContain(': "${MYSQL_ROOT_PASSWORD:?}" "${MYSQL_EXPORTER_PASSWORD:?}"');
    expect(script).toContain('mysql --defaults-extra-file=<(printf \'[client]\\nuser=root\\npassword="%s"\\n\' "$MYSQL_ROOT_PASSWORD")');
    expect(script).toContain("CREATE USER IF NOT EXISTS 'mysqld_exporter'@'127.0.0.1' IDENTIFIED BY '$password' WITH MAX_USER_CONNECTIONS 3;");
    expect(script).toContain("GRANT PROCESS, REPLICATION CLIENT ON *.* TO 'mysqld_exporter'@'127.0.0.1';");
    expect(script).toContain("GRANT SELECT ON performance_schema.* TO 'mysqld_exporter'@'127.0.0.1';");
    expect(script).not.toMatch(/GRANT ALL|SELECT ON \*\.\*|loopi/);
  });

  test('mysqld_exporter sidecar on metrics:9104 with its own account, password by reference', () => {
    const metrics = pod.containers[1];
    expect(metrics).toMatchObject({ name: 'metrics', image: 'docker.io/prom/mysqld-exporter:v0.17.2' });
    expect(metrics.args).toEqual(['--mysqld.address=127.0.0.1:3306', '--mysqld.username=mysqld_exporter']);
    expect(metrics.env).toEqual([{ name: 'MYSQLD_EXPORTER_PASSWORD', ...secretRef('exporter-password') }]);
    expect(metrics.ports).toEqual([{ name: 'metrics', containerPort: 9104, protocol: 'TCP' }]);
    expect(metrics.securityContext).toMatchObject({ runAsUser: 65534, readOnlyRootFilesystem: true });
  });

  test('connect(): Loopi variables and a URL, the app account only, by reference; wait for mysqladmin ping', () => {
    const spec = objectOf(app, 'Deployment', 'api').spec.template.spec;
    expect(spec.containers[0].env).toEqual([
      { name: 'DB_HOST', value: 'mysql.test-prod.svc' },
      { name: 'DB_PORT', value: '3306' },
      { name: 'DB_NAME', value: 'loopi' },
      { name: 'DB_USER', value: 'loopi' },
      { name: 'DB_PASSWORD', ...secretRef('password') },
      { name: 'DATABASE_URL_PASSWORD', ...secretRef('password') },
      { name: 'DATABASE_URL', value: 'mysql://loopi:$(DATABASE_URL_PASSWORD)@mysql.test-prod.svc:3306/loopi' },
    ]);
    expect(JSON.stringify(spec)).not.toContain('root-password');
    const wait = spec.initContainers[0];
    expect(wait).toMatchObject({ name: 'wait-for-mysql', image: 'docker.io/library/mysql:8.4.6' });
    expect(wait.command).toEqual([
      'sh',
      '-c',
      `until MYSQL_PWD="$STORE_PASSWORD" mysqladmin ping --host="$STORE_HOST" --port="$STORE_PORT" --user="$STORE_USER" --silent; do echo 'waiting for mysql'; sleep 2; done`,
    ]);
    expect(wait.env).toContainEqual({ name: 'STORE_PASSWORD', ...secretRef('password') });
    expect(objectOf(app, 'NetworkPolicy', 'mysql').spec.ingress).toContainEqual({
      from: [{ podSelector: { matchLabels: api.selectorLabels } }],
      ports: [{ port: 3306, protocol: 'TCP' }],
    });
  });

  test('backups as root, the application as its own account', () => {
    expect(mysql.connectionInfo()).toMatchObject({ scheme: 'mysql', host: 'mysql.test-prod.svc', port: 3306, database: 'loopi', user: 'loopi' });
    expect(mysql.adminConnection()).toMatchObject({ user: 'root', port: 3306 });
    expect(mysql.adminConnection().password.key).toBe('root-password');
    expect(mysql).toMatchObject({ backupEngine: 'mysql', engineUid: 999, backupDatabases: ['loopi'], engineImage: 'docker.io/library/mysql:8.4.6' });
  });

  testStrictSchemaValidation(() => objectsOf(app));
});

describe('MySql defaults and sizing', () => {
  test('without the exporter: no init script, no sidecar, no exporter password', () => {
    const { app, chart } = testChart(testEnv('staging'));
    const secret = new SystemSecret(chart, 'mysql-credentials', { keys: ['root-password', 'password'] });
    new MySql(chart, 'mysql', {
      database: 'loopi',
      user: 'loopi_api',
      storage: '5Gi',
      credentials: secret,
      resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '500m', memory: '768Mi' } },
    }).noBackup(NOT_BACKED_UP_IN_TEST);
    expect(errorsOf(app)).toEqual([]);
    const pod = objectOf(app, 'StatefulSet', 'mysql').spec.template.spec;
    expect(pod.containers).toHaveLength(1);
    expect(pod.volumes.map((v: { name: string }) => v.name)).toEqual(['tmp', 'run', 'config']);
    expect(pod.containers[0].env.map((e: { name: string }) => e.name)).toEqual([
      'MYSQL_ROOT_PASSWORD',
      'MYSQL_DATABASE',
      'MYSQL_USER',
      'MYSQL_PASSWORD',
    ]);
    const cnf = objectOf(app, 'ConfigMap', 'mysql-config').data['my.cnf'];
    expect(group(cnf, 'mysqld').innodb_buffer_pool_size).toBe('384M'); // 50 % of 768Mi, 3 chunks
  });

  test('every policy rule passes for a chart with generated credentials and the exporter', () => {
    for (const env of [testEnv('dev'), testEnv('prod')]) {
      const { app, chart } = testChart(env);
      const secret = new SystemSecret(chart, 'mysql-credentials', { keys: ['root-password', 'password', 'exporter-password'] });
      const mysql = new MySql(chart, 'mysql', {
        database: 'loopi',
        storage: '1Gi',
        credentials: secret,
        resources,
        monitoring: { exporter: true },
      }).noBackup(NOT_BACKED_UP_IN_TEST);
      const api = loopiApi(chart);
      api.connect(mysql, {
        env: ConnectionEnv.discrete({ host: 'DB_HOST', port: 'DB_PORT', database: 'DB_NAME', user: 'DB_USER', password: 'DB_PASSWORD' }),
      });
      expect(errorsOf(app, DEFAULT_RULES)).toEqual([]);
    }
  });

  test('the buffer pool is a multiple of chunk size x instances (InnoDB would round it up)', () => {
    expect(mysqlTuning({ memoryLimit: 600 * 2 ** 20, maxConnections: 151 })).toMatchObject({
      bufferPoolSize: 256 * 2 ** 20,
      bufferPoolInstances: 1,
      bufferPoolChunkSize: 128 * 2 ** 20,
    });
    expect(mysqlTuning({ memoryLimit: 7 * 2 ** 30, maxConnections: 151 })).toMatchObject({
      bufferPoolSize: 9 * 384 * 2 ** 20,
      bufferPoolInstances: 3,
    }); // 3.5Gi rounded down to 128Mi x 3
    expect(mysqlTuning({ memoryLimit: 2 ** 30, maxConnections: 151, bufferPoolSize: 100 * 2 ** 20 })).toMatchObject({
      bufferPoolSize: 100 * 2 ** 20,
      bufferPoolChunkSize: 100 * 2 ** 20,
    });
    expect(mysqlSize(3 * 2 ** 30)).toBe('3G');
    expect(mysqlSize(384 * 2 ** 20)).toBe('384M');
  });

  test('explicit buffer pool and max_connections', () => {
    const { app, chart } = testChart();
    new MySql(chart, 'mysql', {
      database: 'loopi',
      storage: '5Gi',
      credentials,
      resources,
      innodbBufferPoolSize: '1280Mi',
      maxConnections: 300,
    }).noBackup(NOT_BACKED_UP_IN_TEST);
    expect(errorsOf(app)).toEqual([]);
    const cnf = objectOf(app, 'ConfigMap', 'mysql-config').data['my.cnf'];
    expect(group(cnf, 'mysqld')).toMatchObject({ innodb_buffer_pool_size: '1280M', max_connections: '300' });
  });
});

describe('MySql bad input', () => {
  const base: MySqlProps = { database: 'loopi', storage: '1Gi', credentials, resources };
  const errors = badInputErrors(base, (chart, props) => new MySql(chart, 'mysql', props).noBackup(NOT_BACKED_UP_IN_TEST));

  test('connecting as root: user root is an error', () => {
    expect(errors({ user: 'root' })).toEqual([
      "[test-prod/mysql] user: 'root' is the administrative account: the application must connect as its own least-privilege user",
    ]);
    expect(errors({ user: 'ROOT' })).toHaveLength(1);
  });

  test('storage that does not parse, or zero', () => {
    expect(errors({ storage: '10 GB' })).toContainEqual("[test-prod/mysql] storage: '10 GB' is not a valid quantity (e.g. 10Gi)");
    expect(errors({ storage: '0' })).toContainEqual('[test-prod/mysql] storage: must be greater than zero');
  });

  test('MySQL 8 / 8.0 is not offered: the error lists 8.4', () => {
    expect(errors({ version: '8.0' })).toEqual([
      '[test-prod/mysql] version: \'8.0\' is not a supported MySQL version (supported: 8.4; MySQL 8.0 reached end of life in April 2026, "MySQL 8" means the 8.4 LTS line)',
    ]);
  });

  test.each([
    ['database', 'loopi-db', /only letters, digits and '_'/],
    ['database', 'd'.repeat(65), /65 characters; MySQL database names have at most 64/],
    ['database', 'mysql', /system schema/],
    ['database', 'performance_schema', /system schema/],
    ['database', '2024', /digits only/],
    ['user', 'u'.repeat(33), /33 characters; MySQL account names have at most 32/],
    ['user', "app'; DROP", /only letters, digits and '_'/],
    ['user', 'mysqld_exporter', /the exporter's account/],
  ])('%s %s is rejected', (field, value, message) => {
    const found = errors({ [field]: value, ...(field === 'database' ? { user: 'loopi' } : {}) });
    expectOneError(found, 'test-prod/mysql', field, message);
  });

  test('memory-derived settings that do not fit the limit', () => {
    expect(errors({ innodbBufferPoolSize: '2Gi' })).toEqual([
      '[test-prod/mysql] innodbBufferPoolSize: 2Gi is at or above the container memory limit 2Gi; the server would be OOM-killed',
    ]);
    expect(errors({ innodbBufferPoolSize: '1800Mi' })).toEqual([
      '[test-prod/mysql] innodbBufferPoolSize: 1800Mi is more than 75 % of the container memory limit 2Gi, leaving too little for 151 connections, performance_schema and the server',
    ]);
    expect(errors({ innodbBufferPoolSize: 'half' })).toEqual(["[test-prod/mysql] innodbBufferPoolSize: 'half' is not a valid quantity (e.g. 1Gi)"]);
    expect(errors({ innodbBufferPoolSize: '1Mi' })).toEqual(["[test-prod/mysql] innodbBufferPoolSize: 1Mi is below InnoDB's minimum of 5Mi"]);
    // Dev's default profile (256Mi) does not hold MySQL 8.4.
    expect(errors({ resources: undefined }, testEnv('dev'))).toEqual([
      '[test-dev/mysql] resources.limits.memory: 256Mi is below the 512Mi MySQL 8.4 needs (buffer pool, performance_schema, per-connection buffers); set resources',
    ]);
  });

  test('accounts sharing a password key; max_connections out of range', () => {
    expect(errors({ credentialKeys: { app: 'root-password' } })).toEqual([
      "[test-prod/mysql] credentialKeys.app: 'root-password' is also credentialKeys.root; every account needs its own password",
    ]);
    expect(errors({ monitoring: { exporter: true, passwordKey: 'password' } })).toEqual([
      "[test-prod/mysql] monitoring.passwordKey: 'password' is also credentialKeys.app; every account needs its own password",
    ]);
    expect(errors({ maxConnections: 0 })).toEqual(['[test-prod/mysql] maxConnections: 0 must be a whole number from 10 to 100000']);
  });

  test('checkMySqlName accepts ordinary names', () => {
    for (const name of ['loopi', 'Loopi_API', 'a1', 'x'.repeat(32)]) expect(checkMySqlName(name, 'user')).toBeUndefined();
    expect(checkMySqlName('d'.repeat(64), 'database')).toBeUndefined();
  });
});
