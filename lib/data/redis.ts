import { Duration } from '../core/duration';
import { Construct } from 'constructs';
import { checkQuantity, formatBytes, parseQuantity } from '../core/quantity';
import { ValidationReport } from '../core/validation';
import { ISecretSource } from '../security/secret-source';
import { fromSecret } from '../workloads/env';
import { Probe } from '../workloads/probe';
import { ConnectionInfo } from './connection';
import { BackupableStore } from './backupable-store';
import { StoreCommonProps, StoreMonitoring } from './stateful-store';
import type { AdminConnection } from '../backup/backupable';
import { engineImage, EXPORTER_IMAGES } from './versions';
import { checkProps } from '../core/prop-check';

/** What the Redis holds decides what happens when memory is full. */
export type RedisUse =
  /** Evict least-recently-used keys (`allkeys-lru`): a cache can always be refilled. */
  | 'cache'
  /** Never evict (`noeviction`): losing a job or a session silently is a bug; writes fail loudly instead. */
  | 'queue'
  | 'sessions';

/** Keys of the password in a Redis store's `credentials` Secret. */
export interface RedisCredentialKeys {
  /** The password (user `default`). @default 'redis-password' */
  readonly password?: string;
}

export interface RedisProps extends StoreCommonProps {
  /** Redis major.minor. @default '7.4' */
  readonly version?: string;
  /** What it holds: decides the eviction policy. */
  readonly use: RedisUse;
  /** Secret holding the password (by reference only). */
  readonly credentials: ISecretSource;
  /** Where in `credentials` the password is. @default - see RedisCredentialKeys */
  readonly credentialKeys?: RedisCredentialKeys;
  /** Persistence: append-only file plus periodic snapshots, snapshots only, or none. @default 'aof' */
  readonly persistence?: 'aof' | 'rdb' | 'none';
  /** Memory Redis may use for data. @default - 75 % of the container memory limit */
  readonly maxmemory?: string;
  /** `exporter`: run redis_exporter as a sidecar on port 9121 (`metrics`), with the server's password. @default - no exporter */
  readonly monitoring?: StoreMonitoring;
}

export const REDIS_UID = 999;

/**
 * A standalone Redis with a password, AOF persistence and an eviction policy chosen by
 * what it stores. Not a Redis "cluster" of three Deployment replicas sharing
 * one ReadWriteOnce volume with cluster mode on, which never forms a cluster and
 * corrupts data): one member with its own volume, restarted by the StatefulSet.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class Redis extends BackupableStore {
  public readonly backupEngine = 'redis' as const;
  public readonly backupDatabases: readonly string[] = [];
  private readonly redisProps: RedisProps;
  private readonly passwordKey: string;

  constructor(scope: Construct, id: string, props: RedisProps) {
    const version = props.version ?? '7.4';
    const image = engineImage('redis', version) ?? `docker.io/library/redis:${version}`;
    const passwordKey = props.credentialKeys?.password ?? 'redis-password';
    // Ready only when it answers PONG; alive also while it is still loading its data set
    // (it answers LOADING then), so a large AOF replay is not killed by the liveness probe.
    const ready = ['sh', '-c', 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG'];
    const alive = ['sh', '-c', "redis-cli -h 127.0.0.1 -p 6379 ping | grep -Eq 'PONG|LOADING'"];
    super(
      scope,
      id,
      props,
      {
        image,
        command: ['redis-server', '/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)'],
        env: {
          REDIS_PASSWORD: fromSecret(props.credentials, passwordKey),
          // redis-cli reads the password from here, so probes never put it on a command line.
          REDISCLI_AUTH: '$(REDIS_PASSWORD)',
        },
        readiness: Probe.exec(ready, { timeout: Duration.seconds(3) }),
        liveness: Probe.exec(alive, { timeout: Duration.seconds(5), failureThreshold: 5 }),
      },
      { port: { name: 'redis', port: 6379 }, dataPath: '/data', role: props.use === 'cache' ? 'cache' : 'queue', uid: REDIS_UID, version },
    );
    checkProps(this, 'RedisProps', props);
    this.redisProps = props;
    this.passwordKey = passwordKey;
    this.addConfigFile('redis.conf', this.renderConfig(), '/etc/redis');

    if (props.monitoring?.exporter) {
      const env = { REDIS_ADDR: 'redis://127.0.0.1:6379', REDIS_PASSWORD: fromSecret(props.credentials, passwordKey) };
      this.addExporter({ image: EXPORTER_IMAGES.redis, port: 9121, env, readinessPath: '/health', user: 59000 });
    }
  }

  /** Data memory: explicit, or 75 % of the limit (the rest is for AOF rewrite buffers and fragmentation). */
  public get maxmemoryBytes(): number | undefined {
    if (this.redisProps.maxmemory !== undefined) return parseQuantity(this.redisProps.maxmemory);
    const limit = parseQuantity(this.container.resources?.limits?.memory);
    return limit === undefined ? undefined : Math.floor((limit * 0.75) / 2 ** 20) * 2 ** 20;
  }

  public get evictionPolicy(): 'allkeys-lru' | 'noeviction' {
    return this.redisProps.use === 'cache' ? 'allkeys-lru' : 'noeviction';
  }

  /** redis.conf, derived from the props and the memory limit. The password is passed on the command line from the Secret, never written here. */
  public renderConfig(): string {
    const persistence = this.redisProps.persistence ?? 'aof';
    const lines = [
      '# Generated by cdk8s-stacks. The password comes from a Secret (--requirepass).',
      'bind 0.0.0.0',
      'port 6379',
      'protected-mode yes',
      'dir /data',
      'tcp-keepalive 300',
      'timeout 0',
      `maxmemory ${this.maxmemoryBytes ?? 0}`,
      `maxmemory-policy ${this.evictionPolicy}`,
      `appendonly ${persistence === 'aof' ? 'yes' : 'no'}`,
      'appendfsync everysec',
      // RDB snapshots also back the backups (BGSAVE); none when persistence is off.
      persistence === 'none' ? 'save ""' : 'save 3600 1 300 100 60 10000',
      'stop-writes-on-bgsave-error yes',
      'rdbcompression yes',
      'rdbchecksum yes',
      'dbfilename dump.rdb',
      '',
    ];
    return lines.join('\n');
  }

  public connectionInfo(): ConnectionInfo {
    // User `default` (Redis 6+ ACL): redis-cli and some clients read `redis://:pw@` as an empty user and fail AUTH.
    return this.connectionWith('redis', { database: '0', user: 'default', password: fromSecret(this.redisProps.credentials, this.passwordKey) });
  }

  public adminConnection(): AdminConnection {
    return { host: this.host, port: 6379, password: fromSecret(this.redisProps.credentials, this.passwordKey) };
  }

  public get readinessCheck() {
    return { image: this.engineImage, command: 'REDISCLI_AUTH="$STORE_PASSWORD" redis-cli -h "$STORE_HOST" -p "$STORE_PORT" ping | grep -q PONG' };
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    const p = this.redisProps;
    this.checkVersion(report, 'redis', 'Redis');
    const maxmemoryProblem = p.maxmemory === undefined ? undefined : checkQuantity(p.maxmemory, 'bytes');
    if (maxmemoryProblem) report.error('redis.maxmemory.invalid', 'maxmemory', maxmemoryProblem);
    const limit = parseQuantity(this.container.resources?.limits?.memory);
    const max = this.maxmemoryBytes;
    if (limit !== undefined && max !== undefined && max >= limit) {
      report.error(
        'redis.maxmemory.above-container',
        'maxmemory',
        `${formatBytes(max)} is at or above the container memory limit ${this.container.resources?.limits?.memory}; Redis would be OOM-killed before it evicts or refuses writes`,
      );
    }
    if (!['aof', 'rdb', 'none'].includes(p.persistence ?? 'aof'))
      report.error('redis.persistence', 'persistence', `'${p.persistence}' must be aof, rdb or none`);
  }
}
