/**
 * Circuit breaking and outlier detection on a store's Service, in the service mesh. Istio's
 * ambient mode applies traffic policy (a DestinationRule's connection pool and outlier
 * detection) in a waypoint proxy, not in ztunnel: declaring a circuit breaker gives the system
 * its waypoint (a Gateway API Gateway of class `istio-waypoint` that istiod deploys) and sends the
 * store's Service through it (the Service label `istio.io/use-waypoint`).
 *
 * What the waypoint changes for the other layers: the store's pods see the waypoint's identity
 * (`<ns>/sa/waypoint`) rather than the client's, so the store's L4 policy allows the waypoint on
 * the store's port, and the clients' own identities are checked by the waypoint (an
 * AuthorizationPolicy attached to the Service); the NetworkPolicies let the clients reach the
 * waypoint on HBONE (15008), the waypoint reach the store and istiod (15012, its configuration
 * and certificates), and nothing else.
 */
import { declareCheckExceptions } from '../core/check-exceptions';
import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { checkDurationProp, secondsOr } from '../core/duration';
import { SystemChart } from '../core/system-chart';
import { addCheck, ValidationReport } from '../core/validation';
import { addFinalizer } from '../core/finalize';
import { IBudgeted, PodBudget } from '../scaling/namespace-budget';
import { HBONE_PORT, isMeshEnrolled, MeshEnrolment } from '../security/mesh';
import { markWaypoint } from '../security/mesh-membership';
import { Connections, INetworkPeer, workloadNetworkPolicy } from '../security/network';
import { NetworkPeer } from '../security/network-peer';
import { clientPeerOf, type IConnectable } from '../workloads/connectable';
import { Gateway } from '../../imports/gateways-gateway.networking.k8s.io';
import { DestinationRule, DestinationRuleSpecTrafficPolicy } from '../../imports/destinationrules-networking.istio.io';
import { AuthorizationPolicy, AuthorizationPolicySpecAction } from '../../imports/authorizationpolicies-security.istio.io';

/** The label that sends a Service's traffic through a waypoint (Istio's `istio.io/use-waypoint`). */
export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';
/** Istio's default name of a namespace's waypoint (pkg/config/constants DefaultNamespaceWaypoint); its pods' ServiceAccount has the same name. */
export const WAYPOINT_NAME = 'waypoint';
/** The label istiod gives the waypoint's pods (files/waypoint.yaml of the istiod chart). */
const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
/** istiod's xDS and CA port (TLS), which the waypoint connects to. */
const ISTIOD_XDS_PORT = 15012;

/** When to stop sending to a store, and for how long (one entry of `enrolInMesh`'s `circuitBreakers`). */
export interface CircuitBreakerProps {
  /** The store whose Service the breaker guards. */
  readonly store: IConnectable;
  /** Most TCP connections to the store at once, from the waypoint. @default 100 */
  readonly maxConnections?: number;
  /**
   * Most requests waiting for a connection (HTTP services; TCP stores have no requests to queue).
   * @default - Istio's default (no bound)
   */
  readonly maxPendingRequests?: number;
  /** How long a new connection may take. @default Duration.seconds(5) */
  readonly connectTimeout?: Duration;
  /** Consecutive errors (for a TCP store, failed or timed-out connections) that eject one of its pods. @default 5 */
  readonly consecutiveErrors?: number;
  /** How often the pods are assessed. @default Duration.seconds(10) */
  readonly interval?: Duration;
  /** How long an ejected pod stays out at first (longer each time it is ejected again). @default Duration.seconds(30) */
  readonly ejectionTime?: Duration;
  /** Most of the store's pods ejected at once, in percent. @default 100 (a single-pod store can be cut off: the breaker's purpose) */
  readonly maxEjectionPercent?: number;
}

/**
 * The system's waypoint proxy: a Gateway istiod deploys (one Deployment in the namespace, its
 * resources from the istiod chart's `global.waypoint.resources`), a network peer with its own
 * NetworkPolicy and a share of the namespace's budget. Created with the first circuit breaker.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class MeshWaypoint extends Construct implements INetworkPeer, IBudgeted {
  public static of(chart: SystemChart): MeshWaypoint {
    return (chart.node.tryFindChild('mesh-waypoint') as MeshWaypoint | undefined) ?? new MeshWaypoint(chart, 'mesh-waypoint');
  }

  public readonly connections: Connections;
  public readonly selectorLabels: Record<string, string> = { [GATEWAY_NAME_LABEL]: WAYPOINT_NAME };
  public readonly namespaceName: string;
  public readonly serviceAccountName = WAYPOINT_NAME;

  private constructor(chart: SystemChart, id: string) {
    super(chart, id);
    markWaypoint(this);
    this.namespaceName = chart.namespaceName;
    this.connections = new Connections(this);
    new Gateway(this, 'gateway', {
      // `service`: the waypoint serves the Services labelled to use it (Istio's default, said explicitly).
      metadata: { name: WAYPOINT_NAME, labels: { 'istio.io/waypoint-for': 'service' } },
      spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: HBONE_PORT, protocol: 'HBONE' }] },
    });
    const policy = workloadNetworkPolicy(this, WAYPOINT_NAME, this.connections);
    declareCheckExceptions(policy, { selectsOperatorPods: "istiod makes the waypoint's pods from the Gateway; they are in no manifest" });
    const mesh = chart.environment.platform.mesh;
    if (mesh) this.connections.addEgress(NetworkPeer.pods(mesh.istiodPods.podLabels, mesh.istiodPods.namespace), [{ port: ISTIOD_XDS_PORT }]);
  }

  /**
   * istiod's defaults for a waypoint (global.waypoint.resources in the istiod chart 1.30.3): one
   * pod; it declares no ephemeral storage, so the namespace's LimitRange defaults (64Mi, 1Gi) apply.
   */
  public podBudget(): PodBudget {
    const MI = 1024 * 1024;
    return {
      maxPods: 1,
      requests: { cpu: 0.1, memory: 128 * MI, ephemeralStorage: 64 * MI },
      limits: { cpu: 2, memory: 1024 * MI, ephemeralStorage: 1024 * MI },
      largestContainer: { cpu: 2, memory: 1024 * MI, ephemeralStorage: 1024 * MI },
      storageBytes: 0,
      claims: 0,
    };
  }
}

/**
 * A circuit breaker and outlier detection on one store's Service (see the file's comment).
 * @sealed subclassing is not supported; its protected members are not API
 */
export class CircuitBreaker extends Construct {
  constructor(scope: Construct, id: string, props: CircuitBreakerProps) {
    super(scope, id);
    const chart = SystemChart.of(this);
    addCheck(this, (report) => checkBreaker(report, chart, props));
    const store = props?.store;
    if (!isMeshEnrolled(this) || !store || typeof store.connectionInfo !== 'function') return;
    const info = store.connectionInfo();
    const serviceName = info.host.split('.')[0];
    const service = store.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Service' && c.name === serviceName);
    addCheck(this, (report) => {
      if (!service)
        report.error(
          'circuit-breaker.store-service',
          'store',
          `${store.node.path}'s Service '${serviceName}' is made by its operator: the waypoint label cannot be put on it (circuit breakers guard stores whose Service the library renders)`,
        );
    });
    if (!service) return;
    service.metadata.addLabel(USE_WAYPOINT_LABEL, WAYPOINT_NAME);
    const waypoint = MeshWaypoint.of(chart);
    // What the Service selects and the clients connect to: the store, or the proxy in front of its members.
    const peer = clientPeerOf(store);
    waypoint.connections.allowTo(peer, { port: info.port });
    new DestinationRule(this, 'destination-rule', {
      metadata: { name: serviceName },
      spec: { host: `${serviceName}.${chart.namespaceName}.svc.cluster.local`, trafficPolicy: trafficPolicy(props) },
    });
    // Once every connection is made: the store's clients reach it through the waypoint, which checks who they are.
    addFinalizer(this, () => {
      const enrolment = MeshEnrolment.of(chart)!;
      const clients = peer.connections
        .meshIngressRules()
        .map((r) => r.client)
        .filter((c): c is INetworkPeer => c !== undefined && c !== waypoint && isMeshEnrolled(c));
      for (const client of clients) client.connections.allowTo(waypoint, { port: HBONE_PORT });
      const principals = [
        ...new Set(clients.filter((c) => c.serviceAccountName).map((c) => enrolment.principal(c.namespaceName, c.serviceAccountName!))),
      ].sort();
      new AuthorizationPolicy(this, 'waypoint-authorization', {
        metadata: { name: `${serviceName}-via-waypoint` },
        spec: {
          targetRefs: [{ group: '', kind: 'Service', name: serviceName }],
          action: AuthorizationPolicySpecAction.ALLOW,
          rules: [{ from: [{ source: { principals } }] }],
        },
      });
    });
  }
}

/** The DestinationRule's traffic policy: Istio's connection pool and outlier detection, durations in seconds (`5s`). */
function trafficPolicy(props: CircuitBreakerProps): DestinationRuleSpecTrafficPolicy {
  const s = (value: Duration | undefined, fallback: number) => `${secondsOr(value, fallback)}s`;
  return {
    connectionPool: {
      tcp: { maxConnections: props.maxConnections ?? 100, connectTimeout: s(props.connectTimeout, 5) },
      ...(props.maxPendingRequests !== undefined ? { http: { http1MaxPendingRequests: props.maxPendingRequests } } : {}),
    },
    outlierDetection: {
      consecutive5XxErrors: props.consecutiveErrors ?? 5,
      interval: s(props.interval, 10),
      baseEjectionTime: s(props.ejectionTime, 30),
      maxEjectionPercent: props.maxEjectionPercent ?? 100,
    },
  };
}

function checkBreaker(report: ValidationReport, chart: SystemChart, props: CircuitBreakerProps): void {
  if (!MeshEnrolment.of(chart))
    report.error(
      'circuit-breaker.not-in-mesh',
      'store',
      `circuit breakers are applied by the service mesh's waypoint, and system '${chart.system}' is not in the mesh`,
    );
  const store: unknown = props?.store;
  if (typeof store !== 'object' || store === null || typeof (store as IConnectable).connectionInfo !== 'function')
    report.error('circuit-breaker.store', 'store', 'must be a store (Postgres, MySql, Redis, MongoDb, ObjectStore)');
  const counts: Array<[keyof CircuitBreakerProps, number]> = [
    ['maxConnections', 1],
    ['maxPendingRequests', 1],
    ['consecutiveErrors', 1],
  ];
  for (const [field, min] of counts) {
    const v: unknown = props?.[field];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < min))
      report.error('circuit-breaker.limit', field, `must be a whole number of at least ${min} (is ${JSON.stringify(v)})`);
  }
  const percent: unknown = props?.maxEjectionPercent;
  if (percent !== undefined && (!Number.isInteger(percent) || (percent as number) < 0 || (percent as number) > 100))
    report.error(
      'circuit-breaker.ejection-percent',
      'maxEjectionPercent',
      `must be a whole percentage from 0 to 100 (is ${JSON.stringify(percent)})`,
    );
  checkDurationProp(report, 'circuit-breaker.connect-timeout', 'connectTimeout', props?.connectTimeout, 1, 'Duration.seconds(5)');
  checkDurationProp(report, 'circuit-breaker.interval', 'interval', props?.interval, 1, 'Duration.seconds(10)');
  checkDurationProp(report, 'circuit-breaker.ejection-time', 'ejectionTime', props?.ejectionTime, 1, 'Duration.seconds(30)');
}
