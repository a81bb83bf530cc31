/**
 * The backup site's database, proven on a real engine: the origin (Debian's PostgreSQL)
 * archives its WAL with barman-cloud to a real MinIO with the settings of the origin's rendered
 * ObjectStore; the standby is what the library renders for `engine.replicaOf` (its `db-origin`
 * ObjectStore and its Cluster's `externalClusters`), checked to name exactly the origin's archive.
 *
 * Then, as CloudNativePG runs a replica cluster: the standby's data directory is restored from
 * the origin's latest base backup (barman-cloud-restore) and started in standby mode with
 * barman-cloud-wal-restore of the origin's archive as restore_command. It is read-only and has the
 * origin's rows; rows the origin commits afterwards reach it through the archive; the origin is
 * lost; the standby is promoted (what `replica.enabled: false` does) and takes writes.
 *
 *   bash scripts/backup/install-s3-tools.sh && bash scripts/engines/install-barman-cloud.sh
 *   npx jest -c jest.integration.config.js test/integration/engines/standby
 *
 * Substitutions (values that only make sense in the cluster): the MinIO Service's endpoint
 * (127.0.0.1 and a free port).
 */
import * as fs from 'fs';
import * as path from 'path';
import { BackupTarget, Duration, ExistingSecret, fromSecret, Postgres, PostgresEngine } from '../../../lib';
import { testChart, testEnv } from '../../support/synth';
import {
  engineSession,
  find,
  freePort,
  Json,
  mkdirOwned,
  mustRun,
  postgresBinDir,
  prependPath,
  requirePrograms,
  run,
  serviceUser,
  synthesized,
  writeOwned,
} from './support';

const repo = path.resolve(__dirname, '../../..');
const cache = process.env.CDK8S_STACKS_CACHE || path.join(repo, '.cache');
const BUCKET = 'site-archive';
const IN_CLUSTER_ENDPOINT = 'http://minio.test-staging.svc:9000';
const KEYS = { id: 'standby-admin', secret: 'StandbyS3cretKey0123456' };
const SUPERUSER_PASSWORD = 'Sup3rUserPw';
const resources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };

/** A pinned version written once in an install script (`NAME=value` at the start of a line). */
function pinned(script: string, name: string): string {
  const m = new RegExp(`^${name}=(\\S+)$`, 'm').exec(fs.readFileSync(path.join(repo, script), 'utf8'));
  if (!m) throw new Error(`${script} does not set ${name}`);
  return m[1];
}

function tools(): { minio: string; aws: string; barman: (tool: string) => string } {
  const minio = path.join(cache, 'minio', pinned('scripts/backup/install-s3-tools.sh', 'MINIO_VERSION'), 'bin', 'minio');
  const aws = path.join(cache, 'awscli', pinned('scripts/backup/install-s3-tools.sh', 'AWSCLI_VERSION'), 'bin', 'aws');
  const barmanBin = path.join(cache, 'barman-cloud', pinned('scripts/engines/install-barman-cloud.sh', 'BARMAN_VERSION'), 'bin');
  const needed = [
    minio,
    aws,
    ...['wal-archive', 'backup', 'backup-list', 'restore', 'wal-restore'].map((t) => path.join(barmanBin, `barman-cloud-${t}`)),
  ];
  const missing = needed.filter((f) => !fs.existsSync(f));
  if (missing.length) {
    throw new Error(
      `not found: ${missing.join(', ')} (cache: ${cache}). Run: bash scripts/backup/install-s3-tools.sh && bash scripts/engines/install-barman-cloud.sh (both honour CDK8S_STACKS_CACHE)`,
    );
  }
  return { minio, aws, barman: (tool) => path.join(barmanBin, `barman-cloud-${tool}`) };
}

const { servers, workDir } = engineSession();

describe('a replica cluster of another site, from its archive, on Debian PostgreSQL, barman-cloud and MinIO', () => {
  test("restored from the origin's base backup, kept in step by its archived WAL, promoted when the origin is lost", async () => {
    const t = tools();
    prependPath(postgresBinDir());
    requirePrograms('initdb', 'postgres', 'psql', 'pg_isready', 'curl');
    const user = serviceUser('postgres');
    const minioUser = serviceUser('minio');

    // ---- What the library renders for both sites (staging: an in-cluster MinIO is allowed there).
    const keys = ExistingSecret.named('standby-s3', ['id', 'secret']);
    const target = (prefix: string) =>
      BackupTarget.s3({
        bucket: BUCKET,
        prefix,
        endpoint: IN_CLUSTER_ENDPOINT,
        accessKeyId: fromSecret(keys, 'id'),
        secretAccessKey: fromSecret(keys, 'secret'),
      });
    const site = (engine: Parameters<typeof PostgresEngine.cloudNativePg>[0]) => {
      const { app, chart } = testChart(testEnv('staging'));
      new Postgres(chart, 'db', {
        version: '15',
        database: 'app',
        storage: '10Gi',
        credentials: ExistingSecret.named('db-credentials', ['username', 'password']),
        resources,
        engine: PostgresEngine.cloudNativePg(engine),
      });
      return synthesized(app);
    };
    const originObjects = site({ instances: 2, rpo: Duration.minutes(1), backup: { target: target('origin/cnpg') } });
    const standbyObjects = site({ instances: 2, backup: { target: target('standby/cnpg') }, replicaOf: { target: target('origin/cnpg') } });
    const archived: Json = find(originObjects, 'ObjectStore', 'db-backups').spec.configuration;
    const read: Json = find(standbyObjects, 'ObjectStore', 'db-origin').spec.configuration;
    const standbyCluster: Json = find(standbyObjects, 'Cluster', 'db').spec;
    // The standby reads exactly where the origin writes: destination, endpoint, compression; server name = the origin's cluster.
    expect(read).toEqual(archived);
    const serverName = standbyCluster.externalClusters[0].plugin.parameters.serverName;
    expect(serverName).toBe('db');
    expect(standbyCluster.replica).toEqual({ enabled: true, source: 'origin' });
    expect(find(standbyObjects, 'ObjectStore', 'db-backups').spec.configuration.destinationPath).not.toBe(archived.destinationPath);
    const destination: string = read.destinationPath;
    expect(destination).toBe(`s3://${BUCKET}/origin/cnpg`);

    // ---- MinIO, with the keys the ObjectStores' Secret would hold.
    const dir = workDir('standby', user);
    const minioDir = mkdirOwned(path.join(dir, 'minio'), minioUser, 0o755);
    const minioData = mkdirOwned(path.join(minioDir, 'data'), minioUser, 0o700);
    const minioPort = await freePort();
    servers.start(
      'minio',
      t.minio,
      ['server', minioData, '--address', `127.0.0.1:${minioPort}`, '--console-address', `127.0.0.1:${await freePort()}`],
      { user: minioUser.name, env: { MINIO_ROOT_USER: KEYS.id, MINIO_ROOT_PASSWORD: KEYS.secret, HOME: minioDir } },
    );
    const endpoint = `http://127.0.0.1:${minioPort}`; // substitution: the MinIO Service resolves only in the cluster
    await servers.waitUntil('minio', () => run('curl', ['-sf', '-o', '/dev/null', `${endpoint}/minio/health/ready`]).status === 0, 120_000);
    const s3Env = {
      AWS_ACCESS_KEY_ID: KEYS.id,
      AWS_SECRET_ACCESS_KEY: KEYS.secret,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      HOME: dir,
    };
    mustRun(t.aws, ['--endpoint-url', endpoint, 's3', 'mb', `s3://${BUCKET}`], { env: s3Env });

    const cloud = ['--cloud-provider', 'aws-s3', '--endpoint-url', endpoint];
    const walArchive = [t.barman('wal-archive'), ...cloud, `--${archived.wal.compression}`, archived.destinationPath, 'db', '%p'].join(' ');
    // The standby's restore_command, from its own rendered ObjectStore and externalClusters.
    const walRestore = [t.barman('wal-restore'), ...cloud, destination, serverName, '%f', '%p'].join(' ');

    // ---- The origin: archiving every WAL segment, a base backup, rows.
    const data = mkdirOwned(path.join(dir, 'data'), user);
    const sock = mkdirOwned(path.join(dir, 'run'), user, 0o775);
    const pw = writeOwned(path.join(dir, 'pw'), `${SUPERUSER_PASSWORD}\n`, user, 0o600);
    mustRun('initdb', ['-D', data, '--username=postgres', `--pwfile=${pw}`, '--auth=scram-sha-256'], { user: user.name, timeoutMs: 120_000 });
    const startServer = async (name: string, pgdata: string, extra: string[]) => {
      const port = await freePort();
      servers.start(name, 'postgres', ['-D', pgdata, '-p', String(port), '-k', sock, '-c', 'listen_addresses=127.0.0.1', ...extra], {
        user: user.name,
        env: s3Env,
        stopSignal: 'SIGINT',
      });
      const su = { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres', PGPASSWORD: SUPERUSER_PASSWORD };
      await servers.waitUntil(name, () => run('pg_isready', ['-q'], { env: su }).status === 0, 300_000);
      const psql = (sql: string, database = 'postgres') =>
        mustRun('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-At', '-d', database, '-c', sql], { env: su }).trim();
      const tryPsql = (sql: string, database = 'postgres') =>
        run('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-At', '-d', database, '-c', sql], { env: su });
      return { port, su, psql, tryPsql };
    };
    const origin = await startServer('origin', data, ['-c', 'archive_mode=on', '-c', `archive_command=${walArchive}`, '-c', 'archive_timeout=60']);
    origin.psql('CREATE DATABASE app');
    origin.psql('CREATE TABLE item (id int PRIMARY KEY, note text NOT NULL)', 'app');
    origin.psql("INSERT INTO item SELECT g, 'first ' || g FROM generate_series(1, 100) g", 'app');
    const backupOut = run(
      t.barman('backup'),
      [
        ...cloud,
        `--${archived.data.compression}`,
        '--jobs',
        '2',
        '--immediate-checkpoint',
        '-h',
        '127.0.0.1',
        '-p',
        String(origin.port),
        '-U',
        'postgres',
        archived.destinationPath,
        'db',
      ],
      { user: user.name, env: { ...s3Env, PGPASSWORD: SUPERUSER_PASSWORD }, timeoutMs: 300_000 },
    );
    if (backupOut.status !== 0)
      throw new Error(`barman-cloud-backup exited ${backupOut.status}\n${backupOut.stdout}\n${backupOut.stderr}\n${servers.log('origin')}`);
    const archiveNow = async () => {
      const last = origin.psql('SELECT pg_walfile_name(pg_switch_wal())');
      const deadline = Date.now() + 120_000;
      while (origin.psql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") < last) {
        if (Date.now() > deadline) throw new Error(`segment ${last} not archived:\n${servers.log('origin')}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    await archiveNow();

    // ---- The standby site: the latest base backup restored, then standby mode replaying the origin's archive.
    const backups = JSON.parse(
      mustRun(t.barman('backup-list'), [...cloud, '--format', 'json', destination, serverName], { env: s3Env, user: user.name }),
    ) as { backups_list: Array<{ backup_id: string }> };
    const standbyData = path.join(dir, 'standby');
    mkdirOwned(standbyData, user);
    mustRun(t.barman('restore'), [...cloud, destination, serverName, backups.backups_list[0].backup_id, standbyData], {
      user: user.name,
      env: s3Env,
      timeoutMs: 300_000,
    });
    writeOwned(path.join(standbyData, 'standby.signal'), '', user, 0o600);
    const standby = await startServer('standby', standbyData, ['-c', 'archive_mode=off', '-c', `restore_command=${walRestore}`]);
    const waitFor = async (what: string, ok: () => boolean) => {
      const deadline = Date.now() + 120_000;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`standby: ${what} did not happen:\n${servers.log('standby')}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    await waitFor('consistent recovery', () => standby.tryPsql('SELECT count(*) FROM item', 'app').status === 0);
    expect(standby.psql('SELECT pg_is_in_recovery()')).toBe('t');
    expect(standby.psql('SELECT count(*) FROM item', 'app')).toBe('100');
    // Read-only until promoted.
    expect(standby.tryPsql("INSERT INTO item VALUES (1000, 'refused')", 'app').stderr).toMatch(/read-only transaction/);

    // ---- The origin keeps writing: its archived WAL reaches the standby.
    origin.psql("INSERT INTO item SELECT g, 'later ' || g FROM generate_series(101, 150) g", 'app');
    await archiveNow();
    await waitFor('replay of the later rows', () => standby.psql('SELECT count(*) FROM item', 'app') === '150');

    // ---- The origin is lost; the backup site promotes its replica and takes writes.
    await servers.stop('origin');
    standby.psql('SELECT pg_promote()');
    await waitFor('promotion', () => standby.psql('SELECT pg_is_in_recovery()') === 'f');
    standby.psql("INSERT INTO item VALUES (151, 'written on the backup site')", 'app');
    expect(standby.psql('SELECT count(*), max(id) FROM item', 'app')).toBe('151|151');
  });
});
