/**
 * Which systems are in the service mesh, and the mesh's facts that NetworkPolicies must allow
 * for. Its own file so that network.ts (the NetworkPolicies) and mesh.ts (the mesh's objects)
 * both read it without importing each other.
 */
import { IConstruct } from 'constructs';
import { SystemChart } from '../core/system-chart';

/** The namespace label that puts every pod of the namespace in ambient mode (Istio's `istio.io/dataplane-mode`). */
export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';

/**
 * The port of HBONE, ambient's mTLS tunnel: a meshed client's ztunnel (inside the client pod's
 * network namespace) connects to the server pod on it, so NetworkPolicies, enforced outside the
 * pod, see 15008 rather than the application's port (istio.io, "Ambient and Kubernetes
 * NetworkPolicy").
 */
export const HBONE_PORT = 15008;

/**
 * The address the istio-cni agent gives the kubelet's probes of an enrolled pod (an SNAT rule
 * on the node, cni/pkg/iptables/iptables.go in Istio 1.30.3): ztunnel lets traffic from it pass
 * unproxied, and a NetworkPolicy must allow it, since it is not the node's address a CNI
 * usually exempts.
 */
export const PROBE_SNAT_ADDRESS = '169.254.7.127';

const ENROLLED = new WeakSet<IConstruct>();

/** Records that `chart`'s namespace is in the mesh (called by MeshEnrolment). */
export function markMeshEnrolled(chart: SystemChart): void {
  ENROLLED.add(chart);
}

/** Whether the system of `scope` enrolled and its environment has a mesh (only then is anything rendered for it). */
export function isMeshEnrolled(scope: IConstruct): boolean {
  let chart: SystemChart;
  try {
    chart = SystemChart.of(scope);
  } catch {
    return false;
  }
  return ENROLLED.has(chart) && chart.environment?.platform?.mesh !== undefined;
}

const WAYPOINTS = new WeakSet<IConstruct>();

/** Records that `peer` is a waypoint proxy: outside ztunnel's capture, so it gets no L4 server policy of its own. */
export function markWaypoint(peer: IConstruct): void {
  WAYPOINTS.add(peer);
}

export function isWaypoint(peer: IConstruct): boolean {
  return WAYPOINTS.has(peer);
}
