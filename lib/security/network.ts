import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { addCheck } from '../core/validation';

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
}

export interface PortRule {
  readonly port: number | string;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

type PeerJson = Record<string, unknown>;

interface Rule {
  readonly peers: PeerJson[];
  readonly ports: PortRule[];
  /** Key for merging and stable ordering. */
  readonly key: string;
}

/** Where the cluster's ingress controller and Prometheus run, for allowances from them. */
export interface ClusterPeers {
  /** @default namespace `ingress-nginx`, pods `app.kubernetes.io/name: ingress-nginx` */
  readonly ingressController?: PeerJson;
  /** @default namespace `monitoring`, pods `app.kubernetes.io/name: prometheus` */
  readonly prometheus?: PeerJson;
}

export const DEFAULT_INGRESS_CONTROLLER: PeerJson = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
};

export const DEFAULT_PROMETHEUS: PeerJson = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
};

/** The ranges of the cluster's own pods and services, excluded from "the internet". */
export const DEFAULT_CLUSTER_CIDRS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/** A workload's allowed flows. Rendered as a NetworkPolicy named after the workload. */
export class Connections {
  private readonly ingress = new Map<string, Rule>();
  private readonly egress = new Map<string, Rule>();

  constructor(private readonly owner: INetworkPeer) {}

  /** Allows this workload to open connections to `peer` on `ports`, and `peer` to accept them. */
  public allowTo(peer: INetworkPeer, ...ports: PortRule[]): void {
    addCheck(this.owner, (report) => {
      if (peer.namespaceName !== this.owner.namespaceName && !crossNamespaceAllowed(this.owner, peer)) {
        report.error(
          'connections',
          `connects to ${peer.node.path} in namespace '${peer.namespaceName}'; connections across systems need an explicit allowance (allowCrossNamespace(peer) on both sides)`,
        );
      }
    });
    this.addEgress(peerSelector(peer, this.owner.namespaceName), ports);
    peer.connections.addIngress(peerSelector(this.owner, peer.namespaceName), ports);
  }

  /** Allows traffic from pods outside the system (ingress controller, Prometheus) on `ports`. */
  public allowFromPeer(peer: PeerJson, ...ports: PortRule[]): void {
    this.addIngress(peer, ports);
  }

  /** Allows egress to addresses outside the cluster (e.g. AWS S3 over 443), never to the cluster's own ranges. */
  public allowToInternet(ports: PortRule[], excludeCidrs: readonly string[] = DEFAULT_CLUSTER_CIDRS): void {
    this.addEgress({ ipBlock: { cidr: '0.0.0.0/0', except: [...excludeCidrs] } }, ports);
  }

  /** Allows egress to a specific CIDR (e.g. a managed database outside the cluster). */
  public allowToCidr(cidr: string, ports: PortRule[]): void {
    this.addEgress({ ipBlock: { cidr } }, ports);
  }

  public addIngress(peer: PeerJson, ports: PortRule[]): void {
    merge(this.ingress, peer, ports);
  }

  public addEgress(peer: PeerJson, ports: PortRule[]): void {
    merge(this.egress, peer, ports);
  }

  public get isEmpty(): boolean {
    return this.ingress.size === 0 && this.egress.size === 0;
  }

  /** The NetworkPolicy spec for the owner's pods. */
  public renderSpec(): Record<string, unknown> {
    const render = (rules: Map<string, Rule>, direction: 'from' | 'to') =>
      [...rules.values()]
        .sort((a, b) => (a.key < b.key ? -1 : 1))
        .map((r) => ({ [direction]: r.peers, ports: r.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' })) }));
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
  for (const [x, y] of [[a, b], [b, a]]) {
    const set = CROSS_NAMESPACE.get(x) ?? new Set();
    set.add(y);
    CROSS_NAMESPACE.set(x, set);
  }
}

function crossNamespaceAllowed(a: IConstruct, b: IConstruct): boolean {
  return CROSS_NAMESPACE.get(a)?.has(b) ?? false;
}

function peerSelector(peer: INetworkPeer, fromNamespace: string): PeerJson {
  const podSelector = { matchLabels: { ...peer.selectorLabels } };
  if (peer.namespaceName === fromNamespace) return { podSelector };
  return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer.namespaceName } }, podSelector };
}

function merge(rules: Map<string, Rule>, peer: PeerJson, ports: PortRule[]): void {
  const key = JSON.stringify(peer);
  const existing = rules.get(key);
  const all = [...(existing?.ports ?? []), ...ports];
  const unique = [...new Map(all.map((p) => [`${p.protocol ?? 'TCP'}/${p.port}`, p])).values()].sort((a, b) => String(a.port).localeCompare(String(b.port)));
  rules.set(key, { peers: [peer], ports: unique, key });
}

/** The NetworkPolicy of one workload, rendered at synth time from its Connections. */
export function workloadNetworkPolicy(scope: Construct, name: string, connections: Connections): ApiObject {
  return new ApiObject(scope, 'network-policy', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name },
    spec: Lazy.any({ produce: () => connections.renderSpec() }),
  });
}

/**
 * Deny everything in the namespace, then allow DNS to the cluster DNS (kube-system,
 * UDP and TCP 53): without it no pod can resolve a Service name (the TechShop seed's bug).
 */
export class NamespaceIsolation extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new ApiObject(this, 'default-deny', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new ApiObject(this, 'allow-dns', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-dns' },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { port: 53, protocol: 'UDP' },
              { port: 53, protocol: 'TCP' },
            ],
          },
        ],
      },
    });
  }
}
