/**
 * The public entry to the service mesh: a system enrols (security/mesh.ts renders what that
 * means) and names the stores whose traffic goes through a circuit breaker (circuit-breaker.ts).
 * One function, so that a chart says everything about its mesh in one place.
 */
import { SystemChart } from '../core/system-chart';
import { addCheck } from '../core/validation';
import { meshEnrolment } from '../security/mesh';
import { CircuitBreaker, CircuitBreakerProps } from './circuit-breaker';

/** How a system is in the mesh. */
export interface MeshOptions {
  /**
   * Stores whose Service gets a circuit breaker and outlier detection, applied by the
   * namespace's waypoint proxy (one per store). @default - none: no waypoint, L4 only
   */
  readonly circuitBreakers?: readonly CircuitBreakerProps[];
}

/**
 * Enrols `chart`'s system in its environment's service mesh (`platform.mesh`, Istio ambient):
 * every pod in the mesh with STRICT mutual TLS, the NetworkPolicies' connections as
 * AuthorizationPolicies, and the circuit breakers asked for. Call it once the stores exist;
 * calling it where the profile has no mesh is a synth error.
 */
export function enrolInMesh(chart: SystemChart, options: MeshOptions = {}): void {
  const enrolment = meshEnrolment(chart);
  const breakers: unknown = options?.circuitBreakers;
  if (breakers === undefined) return;
  if (!Array.isArray(breakers)) {
    addCheck(enrolment, (report) => report.error('mesh.circuit-breakers.list', 'circuitBreakers', 'must be a list of { store, ... } entries'));
    return;
  }
  breakers.forEach((props: CircuitBreakerProps, i) => {
    const store = props?.store as { node?: { id?: string } } | undefined;
    new CircuitBreaker(enrolment, `circuit-breaker-${store?.node?.id ?? i}`, props);
  });
}
