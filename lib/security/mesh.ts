/**
 * A system in the service mesh (Istio ambient). Enrolling a system (`enrolInMesh`, data/service-mesh.ts) puts every
 * pod of its namespace in the mesh (the namespace label `istio.io/dataplane-mode: ambient`),
 * requires mutual TLS for all of them (a namespace PeerAuthentication in STRICT mode) and denies
 * every request no AuthorizationPolicy allows (`allow-nothing`). The allowances are the
 * NetworkPolicies' own connections, rendered once more as L4 AuthorizationPolicies that ztunnel
 * enforces with the peers' SPIFFE identities: a connection is allowed at both layers or at none.
 *
 * Clients outside the mesh (the edge's controller, Prometheus, the database operators,
 * cert-manager's solver traffic) cannot present an identity: the ports they reach accept
 * plaintext too (a workload PeerAuthentication with port-level PERMISSIVE mode) and the
 * AuthorizationPolicy allows plaintext there only (`notPrincipals: ['*']`, a request without an
 * identity), so who may send it stays decided by the NetworkPolicy.
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { markComponent } from '../core/component';
import { requirePlatform } from '../core/platform-requirements';
import { SystemChart } from '../core/system-chart';
import { addCheck, ValidationReport } from '../core/validation';
import {
  AuthorizationPolicy,
  AuthorizationPolicySpecAction,
  AuthorizationPolicySpecRules,
} from '../../imports/authorizationpolicies-security.istio.io';
import {
  PeerAuthentication,
  PeerAuthenticationSpecMtlsMode,
  PeerAuthenticationSpecPortLevelMtlsMode,
} from '../../imports/peerauthentications-security.istio.io';
import { isMeshEnrolled, isWaypoint, markMeshEnrolled, PROBE_SNAT_ADDRESS } from './mesh-membership';
import type { INetworkPeer, MeshIngressRule, PortRule } from './network';

export { DATAPLANE_MODE_LABEL, HBONE_PORT, isMeshEnrolled, PROBE_SNAT_ADDRESS } from './mesh-membership';

const ID = 'mesh';

/**
 * The mesh enrolment of one system: its namespace-wide mesh objects, and the per-server
 * policies the synth pass adds (`addServerPolicies`).
 * @sealed subclassing is not supported; its protected members are not API
 */
export class MeshEnrolment extends Construct {
  /** The enrolment of `chart`'s system, if it enrolled. */
  public static of(chart: SystemChart): MeshEnrolment | undefined {
    return chart.node.tryFindChild(ID) as MeshEnrolment | undefined;
  }

  private readonly chart: SystemChart;

  constructor(chart: SystemChart) {
    super(chart, ID);
    this.chart = chart;
    markComponent(this, { name: 'service-mesh', component: 'service-mesh' });
    markMeshEnrolled(chart);
    const mesh = chart.environment.platform.mesh;
    addCheck(this, (report) => {
      if (!chart.environment.platform.mesh)
        report.error(
          'mesh.enrol.no-mesh',
          'mesh',
          `system '${chart.system}' enrols in the service mesh, but environment '${chart.environment.name}' has none: give its profile platform.mesh ({ provider: 'istio-ambient' }) or enrol only where it has one (env.pick)`,
        );
    });
    if (!mesh) return;
    for (const [component, minVersion, reason] of [
      ['istio-base', '1.22.0', 'security.istio.io/v1 PeerAuthentication and AuthorizationPolicy'],
      ['istiod', '1.24.0', 'ambient mode (generally available in 1.24), port-level mTLS for ztunnel'],
      ['istio-cni', '1.24.0', 'ambient traffic redirection'],
      ['ztunnel', '1.24.0', 'ambient mTLS and L4 authorization'],
    ] as const)
      requirePlatform(this, { component, minVersion, reason });
    new PeerAuthentication(this, 'strict-mtls', { metadata: { name: 'default' }, spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode.STRICT } } });
    // An ALLOW policy without rules matches nothing: every request to the namespace needs a policy that allows it.
    new AuthorizationPolicy(this, 'allow-nothing', { metadata: { name: 'allow-nothing' }, spec: {} });
    new k8s.KubeNetworkPolicy(this, 'health-probes', {
      metadata: { name: 'allow-mesh-health-probes' },
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ ipBlock: { cidr: `${PROBE_SNAT_ADDRESS}/32` } }] }],
      },
    });
  }

  /** The SPIFFE principal of a ServiceAccount of namespace `namespace` (without `spiffe://`, as AuthorizationPolicies name them). */
  public principal(namespace: string, serviceAccount: string): string {
    return `${this.chart.environment.platform.mesh?.trustDomain ?? 'cluster.local'}/ns/${namespace}/sa/${serviceAccount}`;
  }

  /**
   * The AuthorizationPolicy (and, where clients outside the mesh reach it, the PeerAuthentication)
   * of the server `owner`, named `name`, from its ingress allowances.
   */
  public addServerPolicies(owner: INetworkPeer, name: string, rules: readonly MeshIngressRule[]): void {
    const id = `server-${name}`;
    // The pass may run more than once over one model (completeModel is idempotent).
    if (rules.length === 0 || this.node.tryFindChild(id)) return;
    const selector = { matchLabels: { ...owner.selectorLabels } };
    const plaintextPorts = new Set<number>();
    // One rule per source, with every port it may reach (sources in a stable order).
    const bySource = new Map<string, Set<string>>();
    const allow = (source: Record<string, string[]>, ports: readonly string[]) => {
      const key = JSON.stringify(source);
      const set = bySource.get(key) ?? new Set<string>();
      ports.forEach((p) => set.add(p));
      bySource.set(key, set);
    };
    addCheck(owner, (report) => checkNumericPorts(report, rules));
    for (const rule of rules) {
      const ports = rule.ports.filter((p) => typeof p.port === 'number' && (p.protocol ?? 'TCP') === 'TCP').map((p) => String(p.port));
      if (ports.length === 0) continue;
      const client = rule.client;
      if (client && isMeshEnrolled(client)) {
        const sa = client.serviceAccountName;
        allow(sa ? { principals: [this.principal(client.namespaceName, sa)] } : { namespaces: [client.namespaceName] }, ports);
      } else if (!client && sameNamespace(rule)) {
        // Pods of this namespace an operator makes (its instances, backup Jobs): in the mesh, under identities it names.
        allow({ namespaces: [owner.namespaceName] }, ports);
      } else {
        // A client outside the mesh: no identity to check; the NetworkPolicy decides who sends it.
        ports.forEach((p) => plaintextPorts.add(Number(p)));
        allow({ notPrincipals: ['*'] }, ports);
      }
    }
    const authorization: AuthorizationPolicySpecRules[] = [...bySource.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([source, ports]) => ({
        from: [{ source: JSON.parse(source) }],
        to: [{ operation: { ports: [...ports].sort((a, b) => Number(a) - Number(b)) } }],
      }));
    if (authorization.length === 0) return;
    new AuthorizationPolicy(this, id, {
      metadata: { name },
      spec: { selector, action: AuthorizationPolicySpecAction.ALLOW, rules: authorization },
    });
    if (plaintextPorts.size > 0) {
      const permissive = { mode: PeerAuthenticationSpecPortLevelMtlsMode.PERMISSIVE };
      new PeerAuthentication(this, `${id}-plaintext`, {
        metadata: { name },
        spec: {
          selector,
          mtls: { mode: PeerAuthenticationSpecMtlsMode.STRICT },
          portLevelMtls: Object.fromEntries([...plaintextPorts].sort((a, b) => a - b).map((p) => [String(p), permissive])),
        },
      });
    }
  }

  /** Pods selected by `selectorLabels` that clients outside the mesh reach on `port` (e.g. cert-manager's solver pods). */
  public addPlaintextServer(name: string, selectorLabels: Record<string, string>, port: number): void {
    const selector = { matchLabels: { ...selectorLabels } };
    if (this.node.tryFindChild(`server-${name}`)) return;
    new AuthorizationPolicy(this, `server-${name}`, {
      metadata: { name },
      spec: {
        selector,
        action: AuthorizationPolicySpecAction.ALLOW,
        rules: [{ from: [{ source: { notPrincipals: ['*'] } }], to: [{ operation: { ports: [String(port)] } }] }],
      },
    });
    new PeerAuthentication(this, `server-${name}-plaintext`, {
      metadata: { name },
      spec: {
        selector,
        mtls: { mode: PeerAuthenticationSpecMtlsMode.STRICT },
        portLevelMtls: { [String(port)]: { mode: PeerAuthenticationSpecPortLevelMtlsMode.PERMISSIVE } },
      },
    });
  }
}

/** The mesh enrolment of `chart`'s system, made on first use (the public entry is data/service-mesh.ts's enrolInMesh). */
export function meshEnrolment(chart: SystemChart): MeshEnrolment {
  return MeshEnrolment.of(chart) ?? new MeshEnrolment(chart);
}

/** Every construct of `chart` with its own NetworkPolicy from Connections: the mesh's servers. */
export function meshServers(chart: SystemChart): Array<{ owner: INetworkPeer; name: string }> {
  return chart.node
    .findAll()
    .filter((c): c is INetworkPeer & IConstruct => isNetworkPeerWithPolicy(c) && !isWaypoint(c))
    .map((owner) => ({ owner, name: (owner.node.tryFindChild('network-policy') as ApiObject).name }));
}

function isNetworkPeerWithPolicy(c: IConstruct): boolean {
  const peer = c as Partial<INetworkPeer>;
  return typeof peer.connections === 'object' && peer.selectorLabels !== undefined && c.node.tryFindChild('network-policy') instanceof ApiObject;
}

function sameNamespace(rule: MeshIngressRule): boolean {
  const s = rule.peer.toJson();
  return s.podSelector !== undefined && s.namespaceSelector === undefined && s.ipBlock === undefined;
}

/** AuthorizationPolicies and port-level mTLS name ports by number: a named port cannot be enforced by the mesh. */
function checkNumericPorts(report: ValidationReport, rules: readonly MeshIngressRule[]): void {
  const named = rules.flatMap((r) => r.ports).filter((p: PortRule) => typeof p.port !== 'number');
  for (const p of named)
    report.error(
      'mesh.port.named',
      'connections',
      `port '${String(p.port)}' is a name; in the service mesh a connection's port must be a number (AuthorizationPolicies and port-level mTLS match the pod's port number)`,
    );
}
