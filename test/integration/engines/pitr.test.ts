/**
 * Point-in-time recovery, proven on a real engine: Debian's PostgreSQL archives its WAL
 * with barman-cloud (from PyPI, scripts/engines/install-barman-cloud.sh) to a real MinIO
 * (the backup-s3 suite's build), with the archive settings the library's CloudNativePG
 * rendering uses (`Postgres.archiveSettings`: destination `s3://<bucket>/<prefix>`, server
 * name, endpoint, gzip compression, archive_timeout from the rpo). The rendered ObjectStore
 * and Cluster are checked to carry exactly those settings first.
 *
 * Then: a base backup (barman-cloud-backup), rows committed, a timestamp noted, more rows
 * committed, the WAL switched and archived; the server is thrown away; its data directory is
 * restored from the bucket (barman-cloud-restore) and recovered with barman-cloud-wal-restore
 * as restore_command and recovery_target_time = the timestamp. The rows committed before
 * it are there, the ones after it are not.
 *
 *   bash scripts/backup/install-s3-tools.sh && bash scripts/engines/install-barman-cloud.sh
 *   npx jest -c jest.integration.config.js test/integration/engines/pitr
 *
 * Substitutions (values that only make sense in the cluster): the MinIO Service's endpoint
 * (127.0.0.1 and a free port).
 */
import * as fs from 'fs';
import * as path from 'path';
import { BackupTarget, Duration, ExistingSecret, fromSecret, Postgres, PostgresEngine } from '../../../lib';
import { cloudNativePgArchiveSettings } from '../../../lib/data/cloudnative-pg-settings';
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
const BUCKET = 'pg-archive';
const IN_CLUSTER_ENDPOINT = 'http://minio.test-staging.svc:9000';
const KEYS = { id: 'pitr-admin', secret: 'PitrS3cretKey0123456789' };
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

describe('point-in-time recovery with the CloudNativePG archive settings, on Debian PostgreSQL, barman-cloud and MinIO', () => {
  test('restored to a timestamp between two transactions: the rows before it are there, the ones after it are not', async () => {
    const t = tools();
    prependPath(postgresBinDir());
    requirePrograms('initdb', 'postgres', 'psql', 'pg_isready', 'curl');
    const user = serviceUser('postgres');
    const minioUser = serviceUser('minio');

    // ---- What the library renders (staging: an in-cluster MinIO is allowed there).
    const { app, chart } = testChart(testEnv('staging'));
    const keys = ExistingSecret.named('pitr-s3', ['id', 'secret']);
    const db = new Postgres(chart, 'db', {
      version: '15',
      database: 'app',
      storage: '10Gi',
      credentials: ExistingSecret.named('db-credentials', ['username', 'password']),
      resources,
      engine: PostgresEngine.cloudNativePg({
        instances: 2,
        rpo: Duration.minutes(1),
        backup: {
          target: BackupTarget.s3({
            bucket: BUCKET,
            endpoint: IN_CLUSTER_ENDPOINT,
            accessKeyId: fromSecret(keys, 'id'),
            secretAccessKey: fromSecret(keys, 'secret'),
          }),
        },
      }),
    });
    const objects = synthesized(app);
    const plan = db.engine.backupPlan();
    expect(plan).toBeDefined();
    const settings = cloudNativePgArchiveSettings(db.name, chart.namespaceName, plan!.target, Duration.minutes(1))!;
    expect(settings).toBeDefined();
    const configuration: Json = find(objects, 'ObjectStore', 'db-backups').spec.configuration;
    expect(configuration).toMatchObject({
      destinationPath: settings.destinationPath,
      endpointURL: settings.endpointUrl,
      wal: { compression: settings.walCompression },
      data: { compression: settings.dataCompression },
    });
    const cluster: Json = find(objects, 'Cluster', 'db').spec;
    expect(cluster.postgresql.parameters.archive_timeout).toBe(settings.archiveTimeout);
    expect(cluster.plugins[0].parameters.barmanObjectName).toBe('db-backups');
    expect(settings.serverName).toBe('db');
    expect(settings.destinationPath).toBe(`s3://${BUCKET}/test-staging/cnpg`);
    expect(settings.endpointUrl).toBe(IN_CLUSTER_ENDPOINT);
    expect(configuration.s3Credentials).toEqual({ accessKeyId: { name: 'pitr-s3', key: 'id' }, secretAccessKey: { name: 'pitr-s3', key: 'secret' } });

    // ---- MinIO, with the keys the ObjectStore's Secret would hold.
    const dir = workDir('pitr', user);
    const minioDir = mkdirOwned(path.join(dir, 'minio'), minioUser, 0o755);
    const minioData = mkdirOwned(path.join(minioDir, 'data'), minioUser, 0o700);
    const minioPort = await freePort();
    servers.start(
      'minio',
      t.minio,
      ['server', minioData, '--address', `127.0.0.1:${minioPort}`, '--console-address', `127.0.0.1:${await freePort()}`],
      {
        user: minioUser.name,
        env: { MINIO_ROOT_USER: KEYS.id, MINIO_ROOT_PASSWORD: KEYS.secret, HOME: minioDir },
      },
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

    // barman-cloud's arguments, from the settings: provider, endpoint, compression, destination and server name.
    const cloud = ['--cloud-provider', 'aws-s3', '--endpoint-url', endpoint];
    const compression = `--${settings.walCompression}`;
    const walArchive = [t.barman('wal-archive'), ...cloud, compression, settings.destinationPath, settings.serverName, '%p'].join(' ');
    const walRestore = [t.barman('wal-restore'), ...cloud, settings.destinationPath, settings.serverName, '%f', '%p'].join(' ');

    // ---- The primary: archiving every WAL segment with barman-cloud, at least every archive_timeout.
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
      return { port, su, psql };
    };
    const primary = await startServer('primary', data, [
      '-c',
      'archive_mode=on',
      '-c',
      `archive_command=${walArchive}`,
      '-c',
      `archive_timeout=${settings.archiveTimeout}`,
    ]);
    expect(primary.psql('SHOW archive_timeout')).toBe('1min');
    primary.psql('CREATE DATABASE app');
    primary.psql('CREATE TABLE item (id int PRIMARY KEY, note text NOT NULL)', 'app');

    // ---- A base backup, as the ScheduledBackup's barman-cloud-backup takes it (as the server's user: it reads PGDATA).
    const backupOut = run(
      t.barman('backup'),
      [
        ...cloud,
        `--${settings.dataCompression}`,
        '--jobs',
        '2',
        '--immediate-checkpoint',
        '-h',
        '127.0.0.1',
        '-p',
        String(primary.port),
        '-U',
        'postgres',
        settings.destinationPath,
        settings.serverName,
      ],
      { user: user.name, env: { ...s3Env, PGPASSWORD: SUPERUSER_PASSWORD }, timeoutMs: 300_000 },
    );
    if (backupOut.status !== 0)
      throw new Error(`barman-cloud-backup exited ${backupOut.status}\n${backupOut.stdout}\n${backupOut.stderr}\n${servers.log('primary')}`);

    // ---- Rows, the recovery target, more rows.
    primary.psql("INSERT INTO item SELECT g, 'before ' || g FROM generate_series(1, 100) g", 'app');
    await new Promise((r) => setTimeout(r, 1100));
    const target = primary.psql("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'");
    await new Promise((r) => setTimeout(r, 1100));
    primary.psql("INSERT INTO item SELECT g, 'after ' || g FROM generate_series(101, 150) g", 'app');
    primary.psql("UPDATE item SET note = 'changed after' WHERE id <= 10", 'app');
    const lastSegment = primary.psql('SELECT pg_walfile_name(pg_switch_wal())');
    const deadline = Date.now() + 120_000;
    for (;;) {
      const [archived, failed] = primary.psql("SELECT coalesce(last_archived_wal, ''), failed_count FROM pg_stat_archiver").split('|');
      if (archived >= lastSegment) break;
      if (Date.now() > deadline)
        throw new Error(`segment ${lastSegment} not archived (last ${archived}, ${failed} failures):\n${servers.log('primary')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(primary.psql('SELECT failed_count FROM pg_stat_archiver')).toBe('0');

    // The layout CloudNativePG's plugin writes: <destination>/<server>/wals/<timeline+log>/<segment>.gz and base/<backup id>/.
    const prefix = settings.destinationPath.replace(`s3://${BUCKET}/`, '');
    const listing = mustRun(t.aws, ['--endpoint-url', endpoint, 's3', 'ls', '--recursive', `s3://${BUCKET}/${prefix}/${settings.serverName}/`], {
      env: s3Env,
    });
    expect(listing).toContain(`${prefix}/${settings.serverName}/wals/${lastSegment.slice(0, 16)}/${lastSegment}.gz`);
    expect(listing).toMatch(new RegExp(`${prefix}/${settings.serverName}/base/\\d{8}T\\d{6}/backup.info`));

    // ---- The server is lost.
    await servers.stop('primary');

    // ---- Restore the base backup into a new data directory, then recover to the target with the archived WAL.
    const backups = JSON.parse(
      mustRun(t.barman('backup-list'), [...cloud, '--format', 'json', settings.destinationPath, settings.serverName], {
        env: s3Env,
        user: user.name,
      }),
    ) as { backups_list: Array<{ backup_id: string }> };
    expect(backups.backups_list).toHaveLength(1);
    const restored = path.join(dir, 'restored');
    mkdirOwned(restored, user);
    mustRun(t.barman('restore'), [...cloud, settings.destinationPath, settings.serverName, backups.backups_list[0].backup_id, restored], {
      user: user.name,
      env: s3Env,
      timeoutMs: 300_000,
    });
    writeOwned(path.join(restored, 'recovery.signal'), '', user, 0o600);
    const recovered = await startServer('recovered', restored, [
      '-c',
      'archive_mode=off',
      '-c',
      `restore_command=${walRestore}`,
      '-c',
      `recovery_target_time=${target}`,
      '-c',
      'recovery_target_action=promote',
    ]);
    const promotedBy = Date.now() + 120_000;
    while (recovered.psql('SELECT pg_is_in_recovery()') === 't') {
      if (Date.now() > promotedBy) throw new Error(`recovery did not finish:\n${servers.log('recovered')}`);
      await new Promise((r) => setTimeout(r, 500));
    }

    // ---- Before the target: all there, unchanged. After it: nothing.
    expect(recovered.psql('SELECT count(*), min(id), max(id) FROM item', 'app')).toBe('100|1|100');
    expect(recovered.psql("SELECT count(*) FROM item WHERE note LIKE 'before %'", 'app')).toBe('100');
    expect(recovered.psql("SELECT count(*) FROM item WHERE id > 100 OR note = 'changed after'", 'app')).toBe('0');
    expect(servers.log('recovered')).toMatch(/recovery stopping before commit of transaction/);
  });
});
