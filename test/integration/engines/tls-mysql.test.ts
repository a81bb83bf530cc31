/**
 * MySql with `tls`: the generated my.cnf run by a real MariaDB (Debian's stand-in for MySQL)
 * with a certificate made as cert-manager would make it from the rendered Certificate; then a
 * plain TCP client is refused (require_secure_transport), the connected workload's exact
 * environment (DB_SSL_MODE=VERIFY_IDENTITY, DB_SSL_CA and the mounted CA) connects and
 * verifies the server, a client trusting another CA is refused, the exporter's option file
 * verifies it, and the tls-reload script makes the server serve a renewed certificate.
 *
 *   npx jest -c jest.integration.config.js test/integration/engines/tls-mysql
 *
 * What differs from the pod (each a substitution below): mount paths, the port, the bind
 * address, and the host: the client connects to 127.0.0.1 in place of the Service name
 * (mysql.<namespace>.svc resolves only in the cluster). The rendered Certificate names
 * 127.0.0.1 (for the exporter on loopback), so the client's identity check passes for it; that
 * the server's certificate also verifies for the Service name itself is checked with openssl.
 * MariaDB's client spells VERIFY_IDENTITY `--ssl-verify-server-cert`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BackupTarget, ConnectionEnv, ExistingSecret, IssuerRef, Probe, WebService } from '../../../lib';
import { MySql } from '../../../lib/data/mysql';
import { testChart } from '../../support/synth';
import {
  container,
  containerEnv,
  engineSession,
  find,
  freePort,
  Json,
  mkdirOwned,
  mustRun,
  podSpec,
  prependPath,
  requirePrograms,
  run,
  RunResult,
  serviceUser,
  Substitution,
  substitute,
  substituteEnv,
  synthesized,
  writeOwned,
} from './support';
import { fileSerial, makeCa, servedSerial, subjectAltNames, TestCa, verifiesFor, writeServerSecret } from './tls-support';

const SECRETS = {
  'mysql-credentials/root-password': 'R00tPassw0rd',
  'mysql-credentials/password': 'LoopiPassw0rd',
  'mysql-credentials/exporter-password': 'Exp0rterPassw0rd',
};
const SERVICE_HOST = 'mysql.test-prod.svc';

const { servers, workDir } = engineSession();
let dir: string;
let port: number;
let socket: string;
let objects: Json[];
let user: ReturnType<typeof serviceUser>;
let ca: TestCa;
let otherCa: TestCa;
let tlsDir: string;
let clientCaDir: string;
let sans: string;
let clientSubs: Substitution[];

function must(r: RunResult): string {
  if (r.status !== 0) throw new Error(`mariadb exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

/** The api container's environment, with the test's CA path, port and host. */
function workloadEnv(): Record<string, string> {
  return substituteEnv(containerEnv(container(find(objects, 'Deployment', 'api'), 'api'), SECRETS), clientSubs);
}

/**
 * What the application does with its variables, as the mariadb client: DB_SSL_CA is the CA it
 * trusts, DB_SSL_MODE=VERIFY_IDENTITY makes it verify the certificate and the host name.
 */
function clientArgs(env: Record<string, string>): string[] {
  const tls = env.DB_SSL_MODE === 'VERIFY_IDENTITY' ? [`--ssl-ca=${env.DB_SSL_CA}`, '--ssl-verify-server-cert'] : [];
  return [`--host=${env.DB_HOST}`, `--port=${env.DB_PORT}`, `--user=${env.DB_USER}`, '--protocol=TCP', ...tls];
}

function client(args: string[], password: string, statement: string): RunResult {
  return run('mariadb', [...args, '--batch', '--skip-column-names', '-e', statement], { env: { MYSQL_PWD: password }, timeoutMs: 20_000 });
}

const SESSION_TLS = "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_version'";

function socketSql(statement: string, password?: string): string {
  return mustRun(
    'mariadb',
    ['--protocol=socket', `--socket=${socket}`, '--user=root', '--batch', '--skip-column-names', '--database=mysql', '-e', statement],
    {
      env: password ? { MYSQL_PWD: password } : {},
    },
  );
}

beforeAll(async () => {
  prependPath('/usr/sbin');
  requirePrograms('mariadbd', 'mariadb-install-db', 'mariadb', 'mysqladmin', 'openssl');
  user = serviceUser('mysql');
  port = await freePort();

  const { app, chart } = testChart();
  const credentials = ExistingSecret.named('mysql-credentials', ['root-password', 'password', 'exporter-password']);
  const resources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };
  const mysql = new MySql(chart, 'mysql', {
    database: 'loopi_db',
    user: 'loopi',
    storage: '10Gi',
    credentials,
    resources,
    monitoring: { exporter: true },
    tls: { issuer: IssuerRef.clusterIssuer('internal-ca', { trust: 'ca' }) },
  });
  mysql.backup({ target: BackupTarget.volume({ size: '20Gi' }) });
  const api = new WebService(chart, 'api', {
    image: 'registry.stackworks.io/loopi-api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources,
  });
  api.connect(mysql, {
    env: ConnectionEnv.discrete({
      host: 'DB_HOST',
      port: 'DB_PORT',
      database: 'DB_NAME',
      user: 'DB_USER',
      password: 'DB_PASSWORD',
      sslMode: 'DB_SSL_MODE',
      sslCa: 'DB_SSL_CA',
    }),
  });
  objects = synthesized(app);

  dir = workDir('mysql-tls', user);
  const volume = mkdirOwned(path.join(dir, 'volume'), user, 0o750);
  const runDir = mkdirOwned(path.join(dir, 'run'), user, 0o755);
  const confDir = mkdirOwned(path.join(dir, 'conf.d'), user, 0o755);
  const initdbDir = mkdirOwned(path.join(dir, 'initdb'), user, 0o755);
  socket = path.join(runDir, 'mysqld.sock');
  tlsDir = path.join(dir, 'server-tls');
  clientCaDir = path.join(dir, 'client-ca');
  ca = makeCa(path.join(dir, 'ca'), 'internal-ca root');
  otherCa = makeCa(path.join(dir, 'other-ca'), 'some other CA');
  sans = subjectAltNames(find(objects, 'Certificate', 'mysql-tls'));
  writeServerSecret(tlsDir, ca, sans, user.gid, user.uid);
  fs.mkdirSync(clientCaDir, { mode: 0o755 });
  fs.copyFileSync(path.join(tlsDir, 'ca.crt'), path.join(clientCaDir, 'ca.crt'));

  const volumePath: Substitution = { why: 'the volume claim', from: '/var/lib/mysql', to: volume };
  const runPath: Substitution = { why: 'the /var/run/mysqld emptyDir', from: '/var/run/mysqld', to: runDir };
  const tlsPath: Substitution = { why: "the Certificate's Secret, mounted", from: '/etc/db-tls', to: tlsDir };
  const caPath: Substitution = { why: "the CA connect() mounts from the Secret's ca.crt", from: '/etc/db-ca/mysql', to: clientCaDir };
  const portSub: Substitution = { why: 'a free port instead of 3306', from: '3306', to: String(port) };
  const bind: Substitution = { why: 'loopback instead of every pod address', from: 'bind-address = *', to: 'bind-address = 127.0.0.1' };
  clientSubs = [caPath, portSub, { why: 'the Service name resolves only in the cluster', from: SERVICE_HOST, to: '127.0.0.1' }];

  const sts = find(objects, 'StatefulSet', 'mysql');
  const configMap = find(objects, 'ConfigMap', 'mysql-config').data;
  const cnf = writeOwned(
    path.join(confDir, 'my.cnf'),
    substitute(configMap['my.cnf'], [volumePath, runPath, tlsPath, portSub, bind], 'my.cnf'),
    user,
  );
  writeOwned(path.join(confDir, 'exporter-client.ini'), substitute(configMap['exporter-client.ini'], [caPath], 'the exporter option file'), user);
  writeOwned(path.join(confDir, 'tls-reload.sh'), substitute(configMap['tls-reload.sh'], [tlsPath, runPath], 'tls-reload.sh'), user);
  const initItem = podSpec(sts).volumes.find((v: Json) => v.name === 'initdb').configMap.items[0];
  const initScript = writeOwned(
    path.join(initdbDir, initItem.path),
    substitute(configMap[initItem.key], [runPath], 'the exporter init script'),
    user,
    0o555,
  );
  const env = substituteEnv(containerEnv(container(sts, 'mysql'), SECRETS), [volumePath, runPath]);

  // The entrypoint, as in mysql.test.ts: initialize, the socket-only temporary server (the TLS
  // settings already in my.cnf), root's password and root@'%', the database and the account,
  // the exporter's init script; then the server on the network.
  mustRun('mariadb-install-db', [`--defaults-file=${cnf}`, '--auth-root-authentication-method=normal', '--skip-test-db'], {
    user: user.name,
    timeoutMs: 120_000,
  });
  servers.start('temporary', 'mariadbd', [`--defaults-file=${cnf}`, '--skip-networking', `--socket=${socket}`], { user: user.name });
  await servers.waitUntil(
    'temporary',
    () => run('mysqladmin', ['--protocol=socket', `--socket=${socket}`, '--user=root', 'ping'], { env: {} }).status === 0,
  );
  // As the entrypoint: no account but root@localhost (MariaDB keeps them in mysql.global_priv).
  const others = socketSql(
    "SELECT CONCAT(QUOTE(User), '@', QUOTE(Host)) FROM mysql.global_priv WHERE User NOT IN ('mariadb.sys', 'root') OR Host <> 'localhost'",
  )
    .split('\n')
    .filter(Boolean);
  const rootPassword = env.MYSQL_ROOT_PASSWORD;
  socketSql(
    [
      ...others.map((account) => `DROP USER ${account}`),
      `ALTER USER 'root'@'localhost' IDENTIFIED BY '${rootPassword}'`,
      `CREATE USER 'root'@'%' IDENTIFIED BY '${rootPassword}'`,
      "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION",
      `CREATE DATABASE \`${env.MYSQL_DATABASE}\``,
      `CREATE USER '${env.MYSQL_USER}'@'%' IDENTIFIED BY '${env.MYSQL_PASSWORD}'`,
      `GRANT ALL ON \`${env.MYSQL_DATABASE.replace(/_/g, '\\_')}\`.* TO '${env.MYSQL_USER}'@'%'`,
    ].join(';\n'),
  );
  mustRun(initScript, [], { user: user.name, env });
  await servers.stop('temporary');
  servers.start('mysql', 'mariadbd', [`--defaults-file=${cnf}`], { user: user.name });
  const readiness: string[] = container(sts, 'mysql').readinessProbe.exec.command.map((a: string) => a.replace('--port=3306', `--port=${port}`));
  await servers.waitUntil('mysql', () => run(readiness[0], readiness.slice(1), { env }).status === 0);
}, 300_000);

describe('MariaDB requires TLS and its clients verify it', () => {
  test('the server runs with require_secure_transport, TLS 1.2/1.3 and the mounted files', () => {
    const root = ['--host=127.0.0.1', `--port=${port}`, '--user=root', `--ssl-ca=${ca.cert}`, '--ssl-verify-server-cert'];
    const vars = must(
      client(root, SECRETS['mysql-credentials/root-password'], "SELECT CONCAT_WS(',', @@require_secure_transport, @@tls_version, @@ssl_cert)"),
    );
    expect(vars).toBe(`ON,TLSv1.2,TLSv1.3,${tlsDir}/tls.crt`);
  });

  test('a plain TCP client is refused', () => {
    const env = workloadEnv();
    const plain = [`--host=${env.DB_HOST}`, `--port=${env.DB_PORT}`, `--user=${env.DB_USER}`, '--protocol=TCP', '--skip-ssl'];
    const r = client(plain, env.DB_PASSWORD, 'SELECT 1');
    expect(r.status).not.toBe(0);
    // MySQL says "Connections using insecure transport are prohibited"; MariaDB 10.11 answers
    // with access denied. The account and password are right: the same ones over TLS get in.
    expect(r.stderr).toMatch(/insecure transport are prohibited|Access denied for user 'loopi'@'127\.0\.0\.1'/);
    expect(must(client([...plain.slice(0, -1), `--ssl-ca=${env.DB_SSL_CA}`], env.DB_PASSWORD, 'SELECT 1'))).toBe('1');
  });

  test("the workload's exact environment connects over TLS and verifies the server's certificate and identity", () => {
    const env = workloadEnv();
    expect(env.DB_SSL_MODE).toBe('VERIFY_IDENTITY');
    expect(env.DB_SSL_CA).toBe(path.join(clientCaDir, 'ca.crt'));
    const version = must(client([...clientArgs(env), env.DB_NAME], env.DB_PASSWORD, SESSION_TLS));
    expect(['TLSv1.2', 'TLSv1.3']).toContain(version);
    expect(must(client([...clientArgs(env), env.DB_NAME], env.DB_PASSWORD, 'SELECT CURRENT_USER()'))).toBe('loopi@%');
    // The certificate the server presents verifies for the Service name the pod's DB_HOST holds.
    expect(verifiesFor('mysql', port, env.DB_SSL_CA, SERVICE_HOST)).toMatchObject({ ok: true });
    expect(verifiesFor('mysql', port, env.DB_SSL_CA, 'other.test-prod.svc').ok).toBe(false);
  });

  test('a client trusting a different CA is refused', () => {
    const env: Record<string, string> = { ...workloadEnv(), DB_SSL_CA: otherCa.cert };
    const r = client(clientArgs(env), env.DB_PASSWORD, 'SELECT 1');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/TLS\/SSL error: self-signed certificate in certificate chain|certificate verify failed/i);
  });

  test("the exporter's option file verifies the server on 127.0.0.1", () => {
    const metrics = container(find(objects, 'StatefulSet', 'mysql'), 'metrics');
    const flag = (name: string) => (metrics.args as string[]).find((a) => a.startsWith(`--${name}=`))!.split('=')[1];
    const optionFile = path.join(dir, 'conf.d', path.basename(flag('config.my-cnf')));
    const args = [
      `--defaults-extra-file=${optionFile}`,
      '--host=127.0.0.1',
      `--port=${port}`,
      `--user=${flag('mysqld.username')}`,
      '--ssl-verify-server-cert',
    ];
    expect(must(client(args, containerEnv(metrics, SECRETS).MYSQLD_EXPORTER_PASSWORD, SESSION_TLS))).toMatch(/^TLSv1\.[23]$/);
  });

  test('the backup and restore Jobs verify the server with the CA: a dump and a restore over TLS, refused with another CA', () => {
    const backups = mkdirOwned(path.join(dir, 'backups'), user, 0o700);
    const scripts = mkdirOwned(path.join(dir, 'backup-scripts'), user, 0o755);
    for (const [name, text] of Object.entries(find(objects, 'ConfigMap', 'mysql-backup-scripts').data as Record<string, string>)) {
      writeOwned(path.join(scripts, name), text, user, 0o555);
    }
    const subs: Substitution[] = [
      { why: "the CA mounted from the Secret's ca.crt", from: '/etc/db-ca/mysql', to: clientCaDir },
      { why: 'the backup volume', from: '/backup', to: backups },
      { why: 'a free port', from: '3306', to: String(port) },
      { why: 'the Service name resolves only in the cluster (the certificate names 127.0.0.1 too)', from: 'mysql.test-prod.svc', to: '127.0.0.1' },
    ];
    const dns: Record<string, string> = {};
    const runJob = (c: Json, extra: Record<string, string> = {}) =>
      run('bash', [path.join(scripts, path.basename(c.command[1]))], {
        user: user.name,
        env: { ...substituteEnv(containerEnv(c, SECRETS), subs), ...dns, ...extra },
        timeoutMs: 120_000,
      });
    const backup = find(objects, 'CronJob', 'mysql-backup').spec.jobTemplate.spec.template.spec.containers[0];
    expect(containerEnv(backup, SECRETS).STORE_TLS_CA).toBe('/etc/db-ca/mysql/ca.crt');
    const dumped = runJob(backup);
    expect(dumped.stdout + dumped.stderr).toMatch(/backup \d{8}T\d{6}Z: verified/);
    const restore = find(objects, 'Job', 'mysql-restore').spec.template.spec.containers[0];
    const restored = runJob(restore);
    expect(restored.stdout + restored.stderr).toMatch(/restore \d{8}T\d{6}Z: done/);
    // The same Job trusting another CA does not get a dump.
    const refused = runJob(backup, { STORE_TLS_CA: otherCa.cert });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/TLS\/SSL error|certificate verify failed/i);
  }, 120_000);

  test('the tls-reload script makes the running server serve a renewed certificate', async () => {
    const before = servedSerial('mysql', port);
    expect(before).toBe(fileSerial(path.join(tlsDir, 'tls.crt')));
    const sidecar = container(find(objects, 'StatefulSet', 'mysql'), 'tls-reload');
    servers.start('tls-reload', 'sh', [path.join(dir, 'conf.d', 'tls-reload.sh')], {
      user: user.name,
      env: { ...containerEnv(sidecar, SECRETS), TLS_RELOAD_INTERVAL: '1', TLS_RELOAD_HEARTBEAT: path.join(dir, 'tls-reload.alive') },
    });
    await new Promise((r) => setTimeout(r, 1500));
    writeServerSecret(tlsDir, ca, sans, user.gid, user.uid);
    const renewed = fileSerial(path.join(tlsDir, 'tls.crt'));
    expect(renewed).not.toBe(before);
    await servers.waitUntil('tls-reload', () => servedSerial('mysql', port) === renewed, 30_000);
    await servers.waitUntil('tls-reload', () => /the renewed certificate is loaded/.test(servers.log('tls-reload')), 10_000);
    // The liveness probe passes on the loop's heartbeat.
    const live: string[] = sidecar.livenessProbe.exec.command.map((a: string) =>
      a.replace('/tmp/tls-reload.alive', path.join(dir, 'tls-reload.alive')),
    );
    expect(run(live[0], live.slice(1))).toMatchObject({ status: 0 });
    await servers.stop('tls-reload');
    const env = workloadEnv();
    expect(must(client(clientArgs(env), env.DB_PASSWORD, 'SELECT 1'))).toBe('1');
  }, 60_000);
});
