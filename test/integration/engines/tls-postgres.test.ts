/**
 * Postgres with `tls`: the generated postgresql.conf and pg_hba.conf run by a real PostgreSQL
 * (Debian's) with a certificate made as cert-manager would make it from the rendered
 * Certificate; then plain TCP is refused, the connected workload's exact environment (its
 * variables and its mounted CA) connects and verifies the server, another CA or another host
 * name is refused, the exporter verifies it on loopback, and the tls-reload sidecar's script
 * makes the server serve a renewed certificate without a restart.
 *
 *   npx jest -c jest.integration.config.js test/integration/engines/tls-postgres
 *
 * What differs from the pod (each a substitution below): mount paths (volume, socket,
 * ConfigMap, the Secret, the workload's CA), the port, the listen address, and name
 * resolution: the client keeps the Service name as its host (so verify-full checks the
 * certificate against it) and gets 127.0.0.1 as PGHOSTADDR, standing in for cluster DNS.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BackupTarget, CaIssuer, ConnectionEnv, ExistingSecret, Worker } from '../../../lib';
import { Postgres } from '../../../lib/data/postgres';
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
  postgresBinDir,
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
  'db-credentials/postgres-password': 'SuperPassw0rd',
  'db-credentials/password': 'AppUserPassw0rd',
  'db-credentials/monitoring-password': 'MonitorPassw0rd',
};
const SERVICE_HOST = 'db.test-prod.svc';

const { servers, workDir } = engineSession();
let dir: string;
let port: number;
let objects: Json[];
let user: ReturnType<typeof serviceUser>;
let ca: TestCa;
let otherCa: TestCa;
let tlsDir: string;
let clientCaDir: string;
let sans: string;
let clientSubs: Substitution[];

function psql(env: Record<string, string>, sql: string, extra: string[] = []): RunResult {
  return run('psql', ['-X', '-w', '-v', 'ON_ERROR_STOP=1', '-At', ...extra, '-c', sql], { env, timeoutMs: 20_000 });
}

function must(r: RunResult): string {
  if (r.status !== 0) throw new Error(`psql exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

/** The api container's environment as the pod has it, with the test's paths and port. */
function workloadEnv(): Record<string, string> {
  return substituteEnv(containerEnv(container(find(objects, 'Deployment', 'api'), 'api'), SECRETS), clientSubs);
}

/** What the application does with its variables: libpq reads PGSSLMODE and PGSSLROOTCERT itself. */
function libpqFrom(env: Record<string, string>): Record<string, string> {
  return {
    ...env,
    PGHOST: env.DB_HOST,
    PGHOSTADDR: '127.0.0.1',
    PGPORT: env.DB_PORT,
    PGDATABASE: env.DB_NAME,
    PGUSER: env.DB_USER,
    PGPASSWORD: env.DB_PASSWORD,
  };
}

const SSL_OF_SESSION = "SELECT ssl::text || ' ' || version FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

beforeAll(async () => {
  prependPath(postgresBinDir());
  requirePrograms('openssl');
  user = serviceUser('postgres');
  port = await freePort();

  const { app, chart } = testChart();
  const credentials = ExistingSecret.named('db-credentials', ['postgres-password', 'password', 'monitoring-password']);
  const resources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };
  const db = new Postgres(chart, 'db', {
    version: '15',
    database: 'app',
    user: 'app_user',
    storage: '10Gi',
    credentials,
    resources,
    monitoring: { exporter: true },
    tls: { issuer: new CaIssuer(chart, 'db-ca') },
  });
  db.backup({ target: BackupTarget.volume({ size: '20Gi' }) });
  const api = new Worker(chart, 'api', { image: 'registry.stackworks.io/org/api:1.0.0', resources });
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
  objects = synthesized(app);

  dir = workDir('postgres-tls', user);
  const volume = mkdirOwned(path.join(dir, 'volume'), user);
  const socketDir = mkdirOwned(path.join(dir, 'run'), user, 0o775);
  const configDir = mkdirOwned(path.join(dir, 'config'), user, 0o755);
  const initdbDir = mkdirOwned(path.join(dir, 'initdb'), user, 0o755);
  tlsDir = path.join(dir, 'server-tls');
  clientCaDir = path.join(dir, 'client-ca');

  // The certificate cert-manager would issue for the rendered Certificate, and the CA that
  // connect() mounts from the same Secret's ca.crt.
  ca = makeCa(path.join(dir, 'ca'), 'test-prod db-ca root CA');
  otherCa = makeCa(path.join(dir, 'other-ca'), 'some other CA');
  sans = subjectAltNames(find(objects, 'Certificate', 'db-tls'));
  writeServerSecret(tlsDir, ca, sans, user.gid, user.uid);
  fs.mkdirSync(clientCaDir, { mode: 0o755 });
  fs.copyFileSync(path.join(tlsDir, 'ca.crt'), path.join(clientCaDir, 'ca.crt'));

  const subs: Substitution[] = [
    { why: 'the volume claim', from: '/var/lib/postgresql/data', to: volume },
    { why: 'the socket emptyDir', from: '/var/run/postgresql', to: socketDir },
    { why: 'the ConfigMap mount', from: '/etc/postgresql', to: configDir },
    { why: "the Certificate's Secret, mounted", from: '/etc/db-tls', to: tlsDir },
    { why: 'a free port instead of 5432', from: '5432', to: String(port) },
    { why: 'loopback instead of the pod IP', from: "listen_addresses = '*'", to: "listen_addresses = '127.0.0.1'" },
  ];
  clientSubs = [
    { why: "the CA connect() mounts from the Secret's ca.crt", from: '/etc/db-ca/db', to: clientCaDir },
    { why: 'a free port instead of 5432', from: '5432', to: String(port) },
  ];
  const sts = find(objects, 'StatefulSet', 'db');
  const configMap = find(objects, 'ConfigMap', 'db-config').data;
  writeOwned(
    path.join(configDir, 'postgresql.conf'),
    substitute(configMap['postgresql.conf'], [subs[1], subs[3], subs[4], subs[5]], 'postgresql.conf'),
    user,
  );
  writeOwned(path.join(configDir, 'pg_hba.conf'), configMap['pg_hba.conf'], user);
  writeOwned(path.join(configDir, 'tls-reload.sh'), substitute(configMap['tls-reload.sh'], [subs[1], subs[3], subs[4]], 'tls-reload.sh'), user);
  const initItem = podSpec(sts).volumes.find((v: Json) => v.name === 'initdb').configMap.items[0];
  const initScript = writeOwned(
    path.join(initdbDir, initItem.path),
    substitute(configMap[initItem.key], [subs[1], subs[4]], 'the init script'),
    user,
    0o555,
  );

  const server = container(sts, 'db');
  const serverEnv = substituteEnv(containerEnv(server, SECRETS), subs.slice(0, 5));
  const args: string[] = server.args.map((a: string) => a.replace('/etc/postgresql', configDir));

  // The image's entrypoint, as in postgres.test.ts: initdb, the socket-only temporary server
  // (TLS files already in place: the same postgresql.conf), the init script, then the server.
  mkdirOwned(serverEnv.PGDATA, user, 0o700);
  const pwfile = writeOwned(path.join(dir, 'pwfile'), `${serverEnv.POSTGRES_PASSWORD}\n`, user, 0o600);
  mustRun('initdb', ['--username=postgres', `--pwfile=${pwfile}`, ...serverEnv.POSTGRES_INITDB_ARGS.split(' ')], {
    user: user.name,
    env: serverEnv,
    timeoutMs: 120_000,
  });
  fs.rmSync(pwfile);
  servers.start('temporary', 'postgres', [...args.slice(1), '-c', 'listen_addresses=', '-p', String(port)], {
    user: user.name,
    env: serverEnv,
    stopSignal: 'SIGINT',
  });
  await servers.waitUntil('temporary', () => run('pg_isready', ['-q', '-h', socketDir, '-p', String(port)]).status === 0);
  mustRun(initScript, [], { user: user.name, env: { ...serverEnv, PGPASSWORD: serverEnv.POSTGRES_PASSWORD } });
  await servers.stop('temporary');
  servers.start('postgres', 'postgres', args.slice(1), { user: user.name, env: serverEnv, stopSignal: 'SIGINT' });
  const readiness: string[] = server.readinessProbe.exec.command.map((a: string) => (a === '5432' ? String(port) : a));
  await servers.waitUntil('postgres', () => run(readiness[0], readiness.slice(1), { env: serverEnv }).status === 0);
}, 300_000);

describe('PostgreSQL requires TLS and its clients verify it', () => {
  test('a plain TCP client is refused: no pg_hba.conf line admits a connection without encryption', () => {
    const env = { ...libpqFrom(workloadEnv()), PGSSLMODE: 'disable' };
    const r = psql(env, 'SELECT 1');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no pg_hba\.conf entry for host "127\.0\.0\.1".*no encryption/);
  });

  test("the workload's exact environment connects with TLS 1.2+ and verify-full against the Service name", () => {
    const env = workloadEnv();
    expect(env.PGSSLMODE).toBe('verify-full');
    expect(env.PGSSLROOTCERT).toBe(path.join(clientCaDir, 'ca.crt'));
    expect(env.DB_HOST).toBe(SERVICE_HOST);
    const [ssl, version] = must(psql(libpqFrom(env), SSL_OF_SESSION)).split(' ');
    expect(ssl).toBe('true');
    expect(['TLSv1.2', 'TLSv1.3']).toContain(version);
    // openssl's own check of what the server presents, for the same name and CA.
    expect(verifiesFor('postgres', port, env.PGSSLROOTCERT, SERVICE_HOST)).toMatchObject({ ok: true });
  });

  test('the URL form (sslmode=verify-full&sslrootcert=...) connects and verifies too', () => {
    const env = workloadEnv();
    expect(env.DATABASE_URL).toBe(
      `postgresql://app_user:AppUserPassw0rd@${SERVICE_HOST}:${port}/app?sslmode=verify-full&sslrootcert=${path.join(clientCaDir, 'ca.crt')}`,
    );
    expect(must(psql({ PGHOSTADDR: '127.0.0.1' }, SSL_OF_SESSION, ['-d', env.DATABASE_URL]))).toMatch(/^true TLSv1\.[23]$/);
  });

  test('a client trusting a different CA is refused', () => {
    const env = { ...libpqFrom(workloadEnv()), PGSSLROOTCERT: otherCa.cert };
    const r = psql(env, 'SELECT 1');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/certificate verify failed/);
  });

  test('a host name the certificate does not name is refused (verify-full checks it)', () => {
    const env = { ...libpqFrom(workloadEnv()), PGHOST: 'other.test-prod.svc' };
    const r = psql(env, 'SELECT 1');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/does not match host name "other\.test-prod\.svc"/);
    expect(sans).not.toContain('other.test-prod.svc');
  });

  test("the exporter's environment verifies the server on 127.0.0.1 (the certificate names it)", () => {
    const env = substituteEnv(containerEnv(container(find(objects, 'StatefulSet', 'db'), 'metrics'), SECRETS), clientSubs);
    // postgres_exporter reads DATA_SOURCE_URI as host:port/database?options, with the user and password apart.
    const url = `postgresql://${env.DATA_SOURCE_USER}:${env.DATA_SOURCE_PASS}@${env.DATA_SOURCE_URI}`;
    expect(url).toContain(`sslmode=verify-full&sslrootcert=${path.join(clientCaDir, 'ca.crt')}`);
    expect(must(psql({}, SSL_OF_SESSION, ['-d', url]))).toMatch(/^true TLSv1\.[23]$/);
  });

  test('the backup and restore Jobs verify the server with the CA: a dump and a restore over TLS, refused with another CA', () => {
    const backups = mkdirOwned(path.join(dir, 'backups'), user, 0o700);
    const scripts = mkdirOwned(path.join(dir, 'backup-scripts'), user, 0o755);
    for (const [name, text] of Object.entries(find(objects, 'ConfigMap', 'db-backup-scripts').data as Record<string, string>)) {
      writeOwned(path.join(scripts, name), text, user, 0o555);
    }
    const subs: Substitution[] = [
      { why: "the CA mounted from the Secret's ca.crt", from: '/etc/db-ca/db', to: clientCaDir },
      { why: 'the backup volume', from: '/backup', to: backups },
      { why: 'a free port', from: '5432', to: String(port) },
    ];
    const dns: Record<string, string> = { PGHOSTADDR: '127.0.0.1' }; // cluster DNS: libpq reaches 127.0.0.1 and still verifies the Service name
    const runJob = (c: Json, extra: Record<string, string> = {}) =>
      run('bash', [path.join(scripts, path.basename(c.command[1]))], {
        user: user.name,
        env: { ...substituteEnv(containerEnv(c, SECRETS), subs), ...dns, ...extra },
        timeoutMs: 120_000,
      });
    const backup = find(objects, 'CronJob', 'db-backup').spec.jobTemplate.spec.template.spec.containers[0];
    expect(containerEnv(backup, SECRETS).STORE_TLS_CA).toBe('/etc/db-ca/db/ca.crt');
    const dumped = runJob(backup);
    expect(dumped.stdout + dumped.stderr).toMatch(/backup \d{8}T\d{6}Z: verified/);
    const restore = find(objects, 'Job', 'db-restore').spec.template.spec.containers[0];
    const restored = runJob(restore);
    expect(restored.stdout + restored.stderr).toMatch(/restore \d{8}T\d{6}Z: done/);
    // The same Job trusting another CA does not get a dump.
    const refused = runJob(backup, { STORE_TLS_CA: otherCa.cert });
    expect(refused.status).not.toBe(0);
    // pg_dumpall 15 prints no reason; the CA is the only difference from the run that got in.
    expect(refused.stderr).toMatch(/certificate verify failed|could not connect to database "postgres"/);
  }, 120_000);

  test('the tls-reload script makes the running server serve a renewed certificate', async () => {
    const before = servedSerial('postgres', port);
    expect(before).toBe(fileSerial(path.join(tlsDir, 'tls.crt')));
    const server = container(find(objects, 'StatefulSet', 'db'), 'tls-reload');
    const reloadEnv = { ...containerEnv(server, SECRETS), TLS_RELOAD_INTERVAL: '1', TLS_RELOAD_HEARTBEAT: path.join(dir, 'tls-reload.alive') };
    servers.start('tls-reload', 'sh', [path.join(dir, 'config', 'tls-reload.sh')], { user: user.name, env: reloadEnv });
    await new Promise((r) => setTimeout(r, 1500));
    // cert-manager renews: a new key pair from the same CA, swapped into the Secret volume.
    writeServerSecret(tlsDir, ca, sans, user.gid, user.uid);
    const renewed = fileSerial(path.join(tlsDir, 'tls.crt'));
    expect(renewed).not.toBe(before);
    await servers.waitUntil('tls-reload', () => servedSerial('postgres', port) === renewed, 30_000);
    await servers.waitUntil('tls-reload', () => /the renewed certificate is loaded/.test(servers.log('tls-reload')), 10_000);
    // The liveness probe passes on the loop's heartbeat.
    const live: string[] = server.livenessProbe.exec.command.map((a: string) =>
      a.replace('/tmp/tls-reload.alive', path.join(dir, 'tls-reload.alive')),
    );
    expect(run(live[0], live.slice(1))).toMatchObject({ status: 0 });
    await servers.stop('tls-reload');
    // And clients still verify it.
    expect(must(psql(libpqFrom(workloadEnv()), 'SELECT 1'))).toBe('1');
  }, 60_000);
});
