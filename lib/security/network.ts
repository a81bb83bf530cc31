import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { isIP } from 'net';
import { DEFAULT_INGRESS_NGINX, DEFAULT_PROMETHEUS_PROFILE, Platform } from '../core/platform';
import { SystemChart } from '../core/system-chart';
import { addCheck } from '../core/validation';
import { DEFAULT_CLUSTER_CIDRS, NetworkPeer } from './network-peer';
import { HBONE_PORT, isMeshEnrolled } from './mesh-membership';

export { DEFAULT_CLUSTER_CIDRS, NAMESPACE_NAME_LABEL, NetworkPeer } from './network-peer';

/**
 * Network isolation. Every namespace denies all ingress and egress by default and
 * allows DNS; every other flow is an explicit allowance derived from the model
 * (`a.connections.allowTo(b, port)`), rendered as one NetworkPolicy per workload that
 * lists exactly its peers and ports.
 */

/** Pods that can be a source or destination of traffic. */
export interface INetworkPeer extends IConstruct {
  /** Labels selecting the peer's pods. */
  readonly selectorLabels: Record<string, string>;
  /** The peer's namespace. */
  readonly namespaceName: string;
  /** The peer's allowances. */
  readonly connections: Connections;
  /**
   * The ServiceAccount its pods run as, when the library names it: their identity in the
   * service mesh. @default - unknown (an operator's pods): the mesh allows them by namespace
   */
  readonly serviceAccountName?: string;
}

/** An ingress allowance as the mesh sees it: the peer, the construct behind it when one connected (`allowTo`), the ports. */
export interface MeshIngressRule {
  readonly peer: NetworkPeer;
  /** @default - a peer given by labels (allowFromPeer, addIngress) */
  readonly client?: INetworkPeer;
  readonly ports: readonly PortRule[];
}

export interface PortRule {
  readonly port: number | string;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

interface Rule {
  readonly peers: NetworkPeer[];
  readonly ports: PortRule[];
  /** Key for merging and stable ordering. */
  readonly key: string;
}

/**
 * Where a standard ingress-nginx installation runs its controller: the cluster profile's
 * default (DEFAULT_INGRESS_NGINX). PublicEndpoints take the controller's pods from the
 * environment's profile (`platform.edge`); this is the peer for code without an environment.
 */
export const DEFAULT_INGRESS_CONTROLLER = NetworkPeer.pods(DEFAULT_INGRESS_NGINX.pods.podLabels, DEFAULT_INGRESS_NGINX.pods.namespace);

/** Where a kube-prometheus-stack release runs Prometheus (the cluster profile's default; `platform.prometheus.pods` says otherwise). */
export const DEFAULT_PROMETHEUS = NetworkPeer.pods(DEFAULT_PROMETHEUS_PROFILE.pods.podLabels, DEFAULT_PROMETHEUS_PROFILE.pods.namespace);

/**
 * The peers every pod must reach for name resolution: the profile's DNS pods and, with
 * NodeLocal DNSCache, its node-local address (the cache answers on the node, so a pod
 * selector never matches it).
 */
export function clusterDnsPeers(dns: Platform['dns']): NetworkPeer[] {
  const pods = NetworkPeer.pods(dns.pods.podLabels, dns.pods.namespace);
  const address = dns.nodeLocalAddress;
  if (address === undefined || isIP(address) === 0) return [pods];
  return [pods, NetworkPeer.cidr(`${address}/${isIP(address) === 6 ? 128 : 32}`)];
}

/** A workload's allowed flows. Rendered as a NetworkPolicy named after the workload.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class Connections {
  private readonly ingress = new Map<string, Rule>();
  private readonly egress = new Map<string, Rule>();
  /** The construct behind a rule's peer, by the peer's key, where one connected (allowTo). */
  private readonly clients = new Map<string, INetworkPeer>();
  private readonly servers = new Map<string, INetworkPeer>();

  constructor(private readonly owner: INetworkPeer) {}

  /** Allows this workload to open connections to `peer` on `ports`, and `peer` to accept them. */
  public allowTo(peer: INetworkPeer, ...ports: PortRule[]): void {
    addCheck(this.owner, (report) => {
      if (peer.namespaceName !== this.owner.namespaceName && !crossNamespaceAllowed(this.owner, peer)) {
        report.error(
          'network.connections.connects-namespace',
          'connections',
          `connects to ${peer.node.path} in namespace '${peer.namespaceName}'; connections across systems need an explicit allowance (allowCrossNamespace(peer) on both sides)`,
        );
      }
    });
    const server = peerOf(peer, this.owner.namespaceName);
    const client = peerOf(this.owner, peer.namespaceName);
    this.servers.set(server.key, peer);
    peer.connections.clients.set(client.key, this.owner);
    this.addEgress(server, ports);
    peer.connections.addIngress(client, ports);
  }

  /** The ingress allowances, with the connected construct where there is one: what the mesh's AuthorizationPolicy allows. */
  public meshIngressRules(): MeshIngressRule[] {
    return [...this.ingress.values()]
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .map((r) => ({ peer: r.peers[0], client: this.clients.get(r.key), ports: r.ports }));
  }

  /** Allows traffic from pods outside the system (ingress controller, Prometheus) on `ports`. */
  public allowFromPeer(peer: NetworkPeer, ...ports: PortRule[]): void {
    this.addIngress(peer, ports);
  }

  /** Allows egress to public addresses (e.g. AWS S3 over 443), never to the cluster's own ranges nor the instance metadata service. */
  public allowToInternet(ports: PortRule[], excludeCidrs: readonly string[] = DEFAULT_CLUSTER_CIDRS): void {
    this.addEgress(NetworkPeer.internet(excludeCidrs), ports);
  }

  /** Allows egress to a specific CIDR (e.g. a managed database outside the cluster). */
  public allowToCidr(cidr: string, ports: PortRule[]): void {
    this.addEgress(NetworkPeer.cidr(cidr), ports);
  }

  public addIngress(peer: NetworkPeer, ports: PortRule[]): void {
    if (this.accepts(peer, 'ingress')) merge(this.ingress, peer, ports);
  }

  public addEgress(peer: NetworkPeer, ports: PortRule[]): void {
    if (this.accepts(peer, 'egress')) merge(this.egress, peer, ports);
  }

  /** Reports a peer that is no NetworkPeer, or an invalid one, on the owner; only valid peers are rendered. */
  private accepts(peer: NetworkPeer, direction: 'ingress' | 'egress'): boolean {
    if (!NetworkPeer.isNetworkPeer(peer)) {
      const message = `an ${direction} peer must be a NetworkPeer (NetworkPeer.pods(), .namespace() or .cidr())`;
      addCheck(this.owner, (report) => report.error('network.connections.invalid', 'connections', message));
      return false;
    }
    const problem = peer.problem;
    if (problem !== undefined)
      addCheck(this.owner, (report) => report.error('network.connections.peer', 'connections', `${direction} peer ${peer.description}: ${problem}`));
    return problem === undefined;
  }

  public get isEmpty(): boolean {
    return this.ingress.size === 0 && this.egress.size === 0;
  }

  /** The NetworkPolicy spec for the owner's pods. */
  public renderSpec(): Record<string, unknown> {
    // In the mesh, a meshed peer's traffic arrives on (and leaves for) HBONE's port: allowed to the same peers.
    const meshed = isMeshEnrolled(this.owner);
    const hbone = (r: Rule, other: Map<string, INetworkPeer>) => {
      const construct = other.get(r.key);
      const inMesh = construct ? isMeshEnrolled(construct) : sameNamespacePods(r.peers[0]);
      return meshed && inMesh ? [{ port: HBONE_PORT }] : [];
    };
    const render = (rules: Map<string, Rule>, direction: 'from' | 'to') =>
      [...rules.values()]
        .sort((a, b) => (a.key < b.key ? -1 : 1))
        .map((r) => ({
          [direction]: r.peers.map((p) => p.toJson()),
          ports: [
            ...r.ports,
            ...hbone(r, direction === 'from' ? this.clients : this.servers).filter((h) => !r.ports.some((p) => p.port === h.port)),
          ].map(renderPort),
        }));
    // Empty rule lists are left out (both directions stay denied through policyTypes):
    // the API server drops `ingress: []`, so writing it would make every apply a change.
    const ingress = render(this.ingress, 'from');
    const egress = render(this.egress, 'to');
    return {
      podSelector: { matchLabels: { ...this.owner.selectorLabels } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: ingress.length ? ingress : undefined,
      egress: egress.length ? egress : undefined,
    };
  }
}

const CROSS_NAMESPACE = new WeakMap<IConstruct, Set<IConstruct>>();

/** Declares that `a` and `b`, in different systems, may talk to each other. */
export function allowCrossNamespace(a: IConstruct, b: IConstruct): void {
  for (const [x, y] of [
    [a, b],
    [b, a],
  ]) {
    const set = CROSS_NAMESPACE.get(x) ?? new Set();
    set.add(y);
    CROSS_NAMESPACE.set(x, set);
  }
}

function crossNamespaceAllowed(a: IConstruct, b: IConstruct): boolean {
  return CROSS_NAMESPACE.get(a)?.has(b) ?? false;
}

/** Whether the peer is pods of the policy's own namespace (an enrolled namespace's pods are all in the mesh). */
function sameNamespacePods(peer: NetworkPeer): boolean {
  const selector = peer.toJson();
  return selector.podSelector !== undefined && selector.namespaceSelector === undefined && selector.ipBlock === undefined;
}

/** A workload's pods as seen from a policy in `fromNamespace`. */
function peerOf(peer: INetworkPeer, fromNamespace: string): NetworkPeer {
  return NetworkPeer.pods(peer.selectorLabels, peer.namespaceName === fromNamespace ? undefined : peer.namespaceName);
}

function renderPort(port: PortRule): k8s.NetworkPolicyPort {
  const value = typeof port.port === 'number' ? k8s.IntOrString.fromNumber(port.port) : k8s.IntOrString.fromString(port.port);
  return { port: value, protocol: port.protocol ?? 'TCP' };
}

function merge(rules: Map<string, Rule>, peer: NetworkPeer, ports: PortRule[]): void {
  const key = peer.key;
  const existing = rules.get(key);
  const all = [...(existing?.ports ?? []), ...ports];
  const unique = [...new Map(all.map((p) => [`${p.protocol ?? 'TCP'}/${p.port}`, p])).values()].sort((a, b) =>
    String(a.port).localeCompare(String(b.port)),
  );
  rules.set(key, { peers: [peer], ports: unique, key });
}

/** The NetworkPolicy of one workload, rendered at synth time from its Connections. */
export function workloadNetworkPolicy(scope: Construct, name: string, connections: Connections): ApiObject {
  return new k8s.KubeNetworkPolicy(scope, 'network-policy', { metadata: { name }, spec: Lazy.any({ produce: () => connections.renderSpec() }) });
}

/**
 * Deny everything in the namespace, then allow DNS (UDP and TCP 53) to the cluster DNS the
 * profile names (`platform.dns`: kube-dns in kube-system by default, plus NodeLocal
 * DNSCache's address when set): without it no pod can resolve a Service name (a common
 * bug).
 */
export class NamespaceIsolation extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const everything = { podSelector: {}, policyTypes: ['Ingress', 'Egress'] };
    new k8s.KubeNetworkPolicy(this, 'default-deny', { metadata: { name: 'default-deny' }, spec: everything });
    const dns = k8s.IntOrString.fromNumber(53);
    new k8s.KubeNetworkPolicy(this, 'allow-dns', {
      metadata: { name: 'allow-dns' },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: clusterDnsPeers(SystemChart.of(this).environment.platform.dns).map((peer) => peer.toJson()),
            ports: [
              { port: dns, protocol: 'UDP' },
              { port: dns, protocol: 'TCP' },
            ],
          },
        ],
      },
    });
  }
}
