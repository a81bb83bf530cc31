import { Duration } from '../core/duration';
import { Construct } from 'constructs';
import { ResourceProfile } from '../core/environment';
import { checkProps } from '../core/prop-check';
import { checkQuantity, formatBytes, parseQuantity } from '../core/quantity';
import { ValidationReport } from '../core/validation';
import { Probe } from '../workloads/probe';
import { Workload } from '../workloads/workload';
import { ConnectionInfo } from './connection';
import { MiB, StatefulStore, StoreMonitoring } from './stateful-store';
import { engineImage, EXPORTER_IMAGES } from './versions';

export interface MemcachedProps {
  /** Memcached major.minor. @default '1.6' */
  readonly version?: string;
  /**
   * Members. Clients spread keys over them (consistent hashing in the client): connect with
   * `ConnectionEnv.discrete({ members: ... })`, which lists them all. @default 1
   */
  readonly replicas?: number;
  /** Requests and limits of the server container. @default - the environment's default profile */
  readonly resources?: ResourceProfile;
  /**
   * Memory for items (`-m`). @default - 75 % of the container memory limit (the rest is for
   * connection buffers and the hash table, which `-m` does not count)
   */
  readonly memory?: string;
  /** Simultaneous client connections (`-c`). @default 1024 */
  readonly maxConnections?: number;
  /** `exporter`: run memcached_exporter as a sidecar on port 9150 (`metrics`). @default - no exporter */
  readonly monitoring?: StoreMonitoring;
}

/** uid and gid of the official image's `memcache` user. */
export const MEMCACHED_UID = 11211;
const PORT = 11211;
/** Memcached refuses less than this for `-m`. */
const MIN_MEMORY = 64 * MiB;

/**
 * A Memcached cache: a StatefulSet of memory-only members (no volume, nothing to back up),
 * each with a stable DNS name so that clients hash keys over the same list of servers
 * across restarts; spread over zones and nodes, with a PDB when there are several.
 *
 * Memcached has no authentication on its text protocol (SASL needs the binary protocol,
 * which current clients no longer speak): only the workloads that `connect()` to it may
 * reach it, by its NetworkPolicy, and it must hold nothing a reader may not see.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class Memcached extends StatefulStore {
  private readonly memcachedProps: MemcachedProps;

  constructor(scope: Construct, id: string, props: MemcachedProps) {
    const version = props.version ?? '1.6';
    const image = engineImage('memcached', version) ?? `docker.io/library/memcached:${version}`;
    // Ready once it answers the `version` command, not merely once the port is open.
    const ready = ['bash', '-c', versionCheck('127.0.0.1', String(PORT))];
    super(
      scope,
      id,
      // A memory-only store: `storage` is not read (no volume).
      { ...props, storage: '0' },
      {
        image,
        command: ['sh', '-c', 'exec memcached -p 11211 -U 0 -m "$MEMCACHED_MEMORY_MB" -c "$MEMCACHED_MAX_CONNECTIONS"'],
        readiness: Probe.exec(ready, { timeout: Duration.seconds(3) }),
        liveness: Probe.tcp({ timeout: Duration.seconds(3), failureThreshold: 5 }),
      },
      { port: { name: 'memcached', port: PORT }, dataPath: '/data', role: 'cache', uid: MEMCACHED_UID, version, memoryOnly: true },
    );
    checkProps(this, 'MemcachedProps', props);
    this.memcachedProps = props;
    // The flags read the environment so that the memory limit, resolved from the environment's
    // defaults when not given, decides -m: the values are known once the container is.
    this.container.addEnv('MEMCACHED_MEMORY_MB', String(Math.max(1, Math.floor((this.memoryBytes ?? MIN_MEMORY) / MiB))));
    this.container.addEnv('MEMCACHED_MAX_CONNECTIONS', String(this.maxConnections));
    this.noBackup({ reason: 'a memory-only cache: its items are refilled from their source on a miss, and a restart empties it anyway' });

    if (props.monitoring?.exporter) {
      this.addExporter({ image: EXPORTER_IMAGES.memcached, port: 9150, args: [`--memcached.address=127.0.0.1:${PORT}`], readinessPath: '/' });
    }
  }

  /** Item memory in bytes: explicit, or 75 % of the memory limit in whole MiB; undefined without a limit. */
  public get memoryBytes(): number | undefined {
    if (this.memcachedProps.memory !== undefined) return parseQuantity(this.memcachedProps.memory);
    const limit = parseQuantity(this.container.resources?.limits?.memory);
    return limit === undefined ? undefined : Math.floor((limit * 0.75) / MiB) * MiB;
  }

  public get maxConnections(): number {
    return this.memcachedProps.maxConnections ?? 1024;
  }

  /** `host:port` of every member, comma-separated: the server list clients hash keys over. */
  public get serverList(): string {
    return this.memberHosts.map((h) => `${h}:${PORT}`).join(',');
  }

  public connectionInfo(): ConnectionInfo {
    return this.connectionWith('memcached', { members: this.memberHosts.map((h) => `${h}:${PORT}`) });
  }

  public get readinessCheck() {
    return { image: this.engineImage, command: `bash -c '${versionCheck('"$STORE_HOST"', '"$STORE_PORT"')}'` };
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    const p = this.memcachedProps;
    this.checkVersion(report, 'memcached', 'Memcached');
    const memoryProblem = p.memory === undefined ? undefined : checkQuantity(p.memory, 'bytes', '256Mi');
    const limitText = this.container.resources?.limits?.memory;
    const limit = parseQuantity(limitText);
    const memory = this.memoryBytes;
    if (memoryProblem) report.error('memcached.memory.invalid', 'memory', memoryProblem);
    else if (limit === undefined)
      report.error(
        'memcached.resources.limits.memory',
        'resources.limits.memory',
        'a memory limit is required: it bounds the cache (-m) and what the node reserves',
      );
    else if (memory !== undefined && memory < MIN_MEMORY) {
      const what = p.memory === undefined ? `75 % of the memory limit ${limitText} (${formatBytes(memory)})` : p.memory;
      report.error(
        'memcached.value',
        p.memory === undefined ? 'resources.limits.memory' : 'memory',
        `${what} is below the ${formatBytes(MIN_MEMORY)} Memcached needs for items`,
      );
    } else if (memory !== undefined && memory > limit * 0.9) {
      report.error(
        'memcached.memory.more-container',
        'memory',
        `${p.memory} is more than 90 % of the container memory limit ${limitText}; connection buffers and the hash table come on top, and the server would be OOM-killed`,
      );
    }
    const c = this.maxConnections;
    if (!Number.isInteger(c) || c < 1 || c > 65536)
      report.error('memcached.max-connections', 'maxConnections', `${c} must be a whole number from 1 to 65536`);
    if (this.replicas > 1) this.checkClientsSeeAllMembers(report);
  }

  /**
   * Through the client Service alone, each connection lands on any member: a key set on one and
   * deleted on another stays cached, stale. With several members every client must be given the
   * whole server list (and hash over it).
   */
  private checkClientsSeeAllMembers(report: ValidationReport): void {
    const servers = this.serverList;
    for (const c of this.chart.node.findAll()) {
      if (!(c instanceof Workload) || !c.storeConnections.some((s) => s.store === this)) continue;
      const values = [...c.container.env.values()].filter((v): v is string => typeof v === 'string');
      if (values.some((v) => v.includes(servers))) continue;
      report.error(
        'memcached.replicas',
        'replicas',
        `${c.node.path} reaches the ${this.replicas} members only through the client Service, so a key set on one member and deleted on another stays cached; ` +
          `connect with ConnectionEnv.discrete({ members: 'MEMCACHED_SERVERS' }) (or a URL convention, which lists every member) and have the client hash over them`,
      );
    }
  }
}

/** A bash command that succeeds once the server at host:port answers `version` (bash's /dev/tcp; the image has no nc). */
function versionCheck(host: string, port: string): string {
  return `exec 3<>/dev/tcp/${host}/${port} && printf "version\\r\\n" >&3 && read -r -t 2 reply <&3 && [ "\${reply#VERSION }" != "$reply" ]`;
}
