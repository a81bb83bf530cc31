import { checkDurationProp, Duration } from '../core/duration';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkQuantity, formatBytes, parseQuantity } from '../core/quantity';
import { ValidationReport } from '../core/validation';
import { ISecretSource } from '../security/secret-source';
import { fromField, fromSecret } from '../workloads/env';
import { Probe } from '../workloads/probe';
import { ContainerModel, SIDECAR_RESOURCES } from '../workloads/container';
import type { INetworkPeer } from '../security/network';
import { EngineAlert, StatefulSetEngine } from './store-engine';
import {
  REDIS_MAX_REPLICAS,
  REDIS_RUN_DIR,
  renderRedisStartScript,
  RedisSentinelOptions,
  renderSentinelConfig,
  SENTINEL_PORT,
  SENTINEL_RUN_DIR,
  sentinelAlerts,
  sentinelQuorum,
  sentinelTimings,
} from './redis-ha';
import { RedisProxy } from './redis-proxy';
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
  /**
   * Members. 1: a standalone server. 3, 5 or 7: a replica group watched by Sentinel: one
   * master and replicas following it, a Sentinel beside each member (a majority must agree
   * before a failover), and two HAProxy pods behind the client Service that always reach the
   * current master, so clients keep one plain `redis://` address. Odd, so that a majority
   * of Sentinels survives losing a member on either side of a partition.
   * @default 1
   */
  readonly replicas?: number;
  /** How Sentinel detects a failed master (only with `replicas` 3 or more). @default - see RedisSentinelOptions */
  readonly sentinel?: RedisSentinelOptions;
}

export const REDIS_UID = 999;

/** Where the ConfigMap's files (redis.conf, sentinel.conf, the start script) are mounted. */
const CONFIG_DIR = '/etc/redis';
const START_SCRIPT = `${CONFIG_DIR}/start.sh`;

/**
 * A Redis with a password, AOF persistence and an eviction policy chosen by what it
 * stores: one server (`replicas: 1`), or a replica group watched by Sentinel behind HAProxy
 * (`replicas: 3`), so that losing a member or its node does not stop the cache, the queue or
 * the sessions. Not a Redis "cluster" of three Deployment replicas sharing one
 * ReadWriteOnce volume with cluster mode on, which never forms a cluster and corrupts data:
 * every member has its own volume.
 *
 * The password is written into a private file at start, from the Secret (scripts/redis-start.sh),
 * never into the ConfigMap and never on a command line, where `ps` would show it.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class Redis extends BackupableStore {
  public readonly backupEngine = 'redis' as const;
  public readonly backupDatabases: readonly string[] = [];
  /** The name Sentinel knows the master by (the store's name); undefined for a standalone server. */
  public readonly sentinelMasterName?: string;
  /** HAProxy in front of the replica group; undefined for a standalone server. */
  public readonly proxy?: RedisProxy;
  private readonly redisProps: RedisProps;
  private readonly passwordKey: string;

  constructor(scope: Construct, id: string, props: RedisProps) {
    const version = props.version ?? '7.4';
    const image = engineImage('redis', version) ?? `docker.io/library/redis:${version}`;
    const passwordKey = props.credentialKeys?.password ?? 'redis-password';
    const replicated = typeof props.replicas === 'number' && props.replicas > 1;
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
        command: ['sh', START_SCRIPT, 'server'],
        env: {
          REDIS_PASSWORD: fromSecret(props.credentials, passwordKey),
          // redis-cli reads the password from here, so probes never put it on a command line.
          REDISCLI_AUTH: '$(REDIS_PASSWORD)',
          REDIS_RUN_DIR,
          REDIS_CONFIG: `${CONFIG_DIR}/redis.conf`,
        },
        readiness: Probe.exec(ready, { timeout: Duration.seconds(3) }),
        liveness: Probe.exec(alive, { timeout: Duration.seconds(5), failureThreshold: 5 }),
      },
      { port: { name: 'redis', port: 6379 }, dataPath: '/data', role: props.use === 'cache' ? 'cache' : 'queue', uid: REDIS_UID, version },
    );
    checkProps(this, 'RedisProps', props);
    this.redisProps = props;
    this.passwordKey = passwordKey;
    this.addConfigFile('redis.conf', this.renderConfig(), CONFIG_DIR);
    this.addConfigFile('start.sh', renderRedisStartScript(), CONFIG_DIR);

    if (props.monitoring?.exporter) {
      const env = { REDIS_ADDR: 'redis://127.0.0.1:6379', REDIS_PASSWORD: fromSecret(props.credentials, passwordKey) };
      this.addExporter({ image: EXPORTER_IMAGES.redis, port: 9121, env, readinessPath: '/health', user: 59000 });
    }

    if (replicated) {
      this.sentinelMasterName = this.name;
      this.addSentinels(image);
      this.proxy = new RedisProxy(scope, `${id}-proxy`, {
        store: this.name,
        // Fully qualified: HAProxy's resolver re-resolves these names but applies no search list.
        members: this.memberHosts.map((h) => `${h}.${this.chart.environment.platform.dns.clusterDomain}`),
        port: 6379,
        credentials: props.credentials,
        passwordKey,
      });
      this.proxy.connections.allowTo(this, { port: 6379 });
    }
    const pascalName = this.name
      .split(/[^a-zA-Z0-9]+/)
      .filter(Boolean)
      .map((w) => w[0].toUpperCase() + w.slice(1))
      .join('');
    const alerts = replicated ? sentinelAlerts(this.name, this.namespaceName, this.replicas, pascalName) : [];
    this.bindEngine(
      new RedisEngine(alerts),
      // No note in the architecture diagram: "x3" says it is a group, and a fourth label line
      // can push edges through neighbouring labels (the diagram suite checks that).
      { render: () => {}, validate: () => {} },
      undefined,
    );
  }

  /** With Sentinel, clients reach HAProxy, which follows the master. */
  public get clientPeer(): INetworkPeer | undefined {
    return this.proxy;
  }

  /**
   * A Sentinel beside each member, the members' and Sentinels' stable names for the start
   * script, the Service that Sentinel-aware clients ask for the master, and the flows between
   * the members (replication, Sentinel's hello messages and checks).
   */
  private addSentinels(image: string): void {
    this.addConfigFile('sentinel.conf', renderSentinelConfig(), CONFIG_DIR);
    const domain = `${this.headlessServiceName}.${this.namespaceName}.svc`;
    const { downAfterMs, failoverTimeoutMs } = sentinelTimings(this.redisProps.sentinel);
    const hosts = this.memberHosts;
    const group: Record<string, string | ReturnType<typeof fromField>> = {
      POD_NAME: fromField('metadata.name'),
      REDIS_SELF: `$(POD_NAME).${domain}:6379`,
      SENTINEL_SELF: `$(POD_NAME).${domain}:${SENTINEL_PORT}`,
      REDIS_MEMBERS: hosts.map((h) => `${h}:6379`).join(' '),
      REDIS_SENTINELS: hosts.map((h) => `${h}:${SENTINEL_PORT}`).join(' '),
      SENTINEL_MASTER_NAME: this.name,
      SENTINEL_QUORUM: String(sentinelQuorum(this.replicas)),
      SENTINEL_DOWN_AFTER_MS: String(downAfterMs),
      SENTINEL_FAILOVER_TIMEOUT_MS: String(failoverTimeoutMs),
    };
    for (const [name, value] of Object.entries(group)) this.container.addEnv(name, value);

    const ping = ['sh', '-c', `redis-cli -h 127.0.0.1 -p ${SENTINEL_PORT} ping | grep -q PONG`];
    const knowsMaster = [
      'sh',
      '-c',
      `redis-cli -h 127.0.0.1 -p ${SENTINEL_PORT} SENTINEL get-master-addr-by-name "$SENTINEL_MASTER_NAME" | grep -q .`,
    ];
    const sentinel = new ContainerModel(
      'sentinel',
      {
        image,
        command: ['sh', START_SCRIPT, 'sentinel'],
        env: {
          REDIS_PASSWORD: fromSecret(this.redisProps.credentials, this.passwordKey),
          REDISCLI_AUTH: '$(REDIS_PASSWORD)',
          REDIS_RUN_DIR: SENTINEL_RUN_DIR,
          REDIS_CONFIG: `${CONFIG_DIR}/sentinel.conf`,
          ...group,
        },
        // Ready once it knows a master to report; alive while it answers at all.
        readiness: Probe.exec(knowsMaster, { timeout: Duration.seconds(3) }),
        liveness: Probe.exec(ping, { timeout: Duration.seconds(5), failureThreshold: 5 }),
        runAs: { user: REDIS_UID, group: REDIS_UID },
      },
      SIDECAR_RESOURCES,
      [{ name: 'sentinel', port: SENTINEL_PORT }],
    );
    sentinel.mount(CONFIG_DIR, 'config', { readOnly: true });
    sentinel.mount('/tmp', 'tmp');
    this.addSidecar(sentinel);

    new k8s.KubeService(this, 'sentinel-service', {
      metadata: { name: `${this.name}-sentinel` },
      spec: {
        type: 'ClusterIP',
        selector: { ...this.selectorLabels },
        ports: [{ name: 'sentinel', port: SENTINEL_PORT, targetPort: k8s.IntOrString.fromString('sentinel'), protocol: 'TCP' }],
      },
    });
    this.connections.allowTo(this, { port: 6379 }, { port: SENTINEL_PORT });
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

  /**
   * redis.conf, derived from the props and the memory limit. The password is never written
   * here: the start script includes this file from one it writes at start, from the Secret.
   */
  public renderConfig(): string {
    const persistence = this.redisProps.persistence ?? 'aof';
    const lines = [
      '# Generated by cdk8s-stacks. The password (and, with Sentinel, the master to follow) are set by the start script.',
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
    this.validateReplication(report, p);
  }

  private validateReplication(report: ValidationReport, p: RedisProps): void {
    const replicas = this.replicas;
    const oddGroup = Number.isInteger(replicas) && replicas >= 3 && replicas <= REDIS_MAX_REPLICAS && replicas % 2 === 1;
    if (Number.isInteger(replicas) && replicas > 1 && !oddGroup) {
      report.error(
        'redis.replicas',
        'replicas',
        `${replicas} is not allowed: 1 (a standalone server) or an odd number from 3 to ${REDIS_MAX_REPLICAS} (a replica group watched by one Sentinel per member; with an even number a partition can leave neither side a majority, so no failover happens)`,
      );
    }
    if (p.sentinel === undefined) return;
    if (replicas <= 1) {
      report.error(
        'redis.sentinel.without-replicas',
        'sentinel',
        'Sentinel watches a replica group: set replicas to 3 (or 5, 7), or remove sentinel',
      );
      return;
    }
    checkDurationProp(report, 'redis.sentinel.down-after', 'sentinel.downAfter', p.sentinel.downAfter, 1, 'Duration.seconds(10)');
    checkDurationProp(report, 'redis.sentinel.failover-timeout', 'sentinel.failoverTimeout', p.sentinel.failoverTimeout, 1, 'Duration.minutes(1)');
    const { downAfterMs, failoverTimeoutMs } = sentinelTimings(p.sentinel);
    if (failoverTimeoutMs < downAfterMs) {
      report.error(
        'redis.sentinel.failover-timeout.below-down-after',
        'sentinel.failoverTimeout',
        `${failoverTimeoutMs / 1000}s is shorter than sentinel.downAfter (${downAfterMs / 1000}s): a failover could be retried before the master is even considered down`,
      );
    }
  }
}

/** The store's own StatefulSet, with the replica group's alerts. */
class RedisEngine extends StatefulSetEngine {
  constructor(private readonly groupAlerts: readonly EngineAlert[]) {
    super();
  }

  public bind(...args: Parameters<StatefulSetEngine['bind']>): ReturnType<StatefulSetEngine['bind']> {
    return { ...super.bind(...args), alerts: () => this.groupAlerts };
  }
}
