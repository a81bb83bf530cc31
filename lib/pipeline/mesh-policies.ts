import { ApiObject, App } from 'cdk8s';
import { setApplyOrder } from '../gitops/apply-order';
import { SystemChart } from '../core/system-chart';
import { ACME_SOLVER_LABEL, ACME_SOLVER_PORT, AcmeSolverAccess } from '../edge/acme-solver-access';
import { MeshEnrolment, meshServers } from '../security/mesh';

/**
 * Synth pass: in every system enrolled in the service mesh, each server's AuthorizationPolicy
 * (and port-level mTLS for its clients outside the mesh) from its connections, once every
 * connection is made (after the metrics monitors and the finalizers, which add Prometheus's and
 * the operators' allowances). cert-manager's HTTP-01 solver pods, which the edge's controller
 * reaches in plaintext, get theirs when the system has them.
 */
export function addMeshPolicies(app: App): void {
  for (const chart of app.node.children.filter(SystemChart.isSystemChart)) {
    const enrolment = MeshEnrolment.of(chart);
    if (!enrolment || !chart.environment.platform.mesh) continue;
    for (const { owner, name } of meshServers(chart)) enrolment.addServerPolicies(owner, name, owner.connections.meshIngressRules());
    // The waypoint with the Services sent through it (wave 30), not with the edge's Gateways (80):
    // until it runs, a Service labelled to use it has no way in.
    const waypoint = chart.node.tryFindChild('mesh-waypoint');
    const gateway = waypoint?.node.tryFindChild('gateway');
    if (gateway instanceof ApiObject) setApplyOrder(gateway, 30);
    if (chart.node.findAll().some((c) => c instanceof AcmeSolverAccess))
      enrolment.addPlaintextServer('acme-http01-solver', { [ACME_SOLVER_LABEL]: 'true' }, ACME_SOLVER_PORT);
  }
}
