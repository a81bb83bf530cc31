import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Duration } from '../core/duration';
import { ResourceProfile } from '../core/environment';
import { ISecretSource } from '../security/secret-source';
import { fromSecret } from '../workloads/env';
import { Probe } from '../workloads/probe';
import { ReplicatedWorkload } from '../workloads/replicated-workload';
import { spreadAcrossZonesAndNodes } from '../workloads/web-service';
import { contentHash } from '../workloads/workload';
import { HAPROXY_HEALTH_PORT, renderHaproxyConfig } from './redis-ha';
import { TOOL_IMAGES } from './versions';

/** What the proxy needs of its Redis store. */
export interface RedisProxyProps {
  /** The store's name (the proxy is `<name>-proxy`). */
  readonly store: string;
  /** The members' stable DNS names. */
  readonly members: readonly string[];
  readonly port: number;
  readonly credentials: ISecretSource;
  readonly passwordKey: string;
}

/** HAProxy's image runs as user haproxy (uid and gid 99). */
const HAPROXY_UID = 99;
const RESOURCES: ResourceProfile = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } };
export const HAPROXY_CONFIG_DIR = '/usr/local/etc/haproxy';

/**
 * The client side of a Redis replica group: two HAProxy pods (spread over nodes and zones,
 * with a disruption budget) that send each connection to the member answering
 * `role:master` to an authenticated `INFO replication`, checked every second. The store's
 * client Service selects these pods, so clients keep one plain `redis://` address through
 * failovers; connections to a member that stops being the master are cut, and clients
 * reconnect. Made by `Redis` with `replicas` > 1, not by hand.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class RedisProxy extends ReplicatedWorkload {
  constructor(scope: Construct, id: string, props: RedisProxyProps) {
    super(
      scope,
      id,
      {
        image: TOOL_IMAGES.haproxy,
        command: ['haproxy', '-db', '-f', `${HAPROXY_CONFIG_DIR}/haproxy.cfg`],
        // Expanded by HAProxy itself in the check's AUTH ("${REDIS_PASSWORD}"); never in the file.
        env: { REDIS_PASSWORD: fromSecret(props.credentials, props.passwordKey) },
        ports: [
          { name: 'redis', port: props.port },
          { name: 'health', port: HAPROXY_HEALTH_PORT },
        ],
        runAs: { user: HAPROXY_UID, group: HAPROXY_UID },
        replicas: 2,
        resources: RESOURCES,
        readiness: Probe.tcp({ port: 'redis', period: Duration.seconds(5) }),
        liveness: Probe.http('/healthz', { port: 'health', period: Duration.seconds(20) }),
      },
      'proxy',
    );
    const config = renderHaproxyConfig(props.store, props.members, props.port);
    const configName = `${this.name}-config`;
    new k8s.KubeConfigMap(this, 'config', { metadata: { name: configName }, data: { 'haproxy.cfg': config } });
    this.addVolume({ name: 'config', configMap: { name: configName } });
    this.container.mount(HAPROXY_CONFIG_DIR, 'config', { readOnly: true });
    this.annotatePods('checksum/config', contentHash(config));
  }

  protected podExtras(): Record<string, unknown> {
    return { terminationGracePeriodSeconds: 10, ...spreadAcrossZonesAndNodes(this.selectorLabels, this.maxReplicas, 'pod-template-hash') };
  }
}
