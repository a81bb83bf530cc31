import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { declareCheckExceptions } from '../core/check-exceptions';
import { markComponent } from '../core/component';
import { SystemChart } from '../core/system-chart';
import { addCheck } from '../core/validation';
import { NetworkPeer } from '../security/network-peer';

/** The label cert-manager puts on its HTTP-01 solver pods, and the port they answer on. */
export const ACME_SOLVER_LABEL = 'acme.cert-manager.io/http01-solver';
export const ACME_SOLVER_PORT = 8089;

/**
 * Lets the ingress controller reach cert-manager's HTTP-01 solver pods. cert-manager runs
 * them in the namespace of the Ingress; the namespace denies all ingress by default, so
 * without this the ACME server's challenge request never arrives and no certificate is
 * ever issued. One per system, shared by its endpoints.
 */
export class AcmeSolverAccess extends Construct {
  /** The system's one instance, created on first use. */
  public static of(chart: SystemChart): AcmeSolverAccess {
    const existing = chart.node.tryFindChild(ID);
    return (existing as AcmeSolverAccess | undefined) ?? new AcmeSolverAccess(chart, ID);
  }

  private readonly peers = new Map<string, NetworkPeer>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    markComponent(this, { name: 'acme-http01-solver', component: 'certificate-issuer' });
    const policy = new k8s.KubeNetworkPolicy(this, 'network-policy', {
      metadata: { name: 'acme-http01-solver' },
      spec: Lazy.any({
        produce: () => ({
          podSelector: { matchLabels: { [ACME_SOLVER_LABEL]: 'true' } },
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: [...this.peers.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, peer]) => peer.toJson()),
              ports: [{ port: k8s.IntOrString.fromNumber(ACME_SOLVER_PORT), protocol: 'TCP' }],
            },
          ],
        }),
      }),
    });
    // The solver pods exist only while cert-manager answers a challenge, never in the manifests.
    declareCheckExceptions(policy, {
      selectsTransientPods: 'selects the HTTP-01 solver pods cert-manager creates only while a certificate order is in progress',
    });
  }

  /** Allows `peer` (an ingress controller) to reach the solver pods. */
  public allowFrom(peer: NetworkPeer): void {
    if (!NetworkPeer.isNetworkPeer(peer)) {
      addCheck(this, (report) =>
        report.error('acme-solver-access.controller-peer', 'controllerPeer', 'must be a NetworkPeer (NetworkPeer.pods(), .namespace() or .cidr())'),
      );
      return;
    }
    this.peers.set(peer.key, peer);
  }
}

const ID = 'acme-http01-solver-access';
