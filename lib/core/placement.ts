import { ApiObject } from 'cdk8s';

/**
 * Where an object lands in dist. Most objects are applied (listed in kustomization.yaml);
 * some are run by hand only, such as restore Jobs, and go to a sub-folder that the
 * kustomization does not list, so neither `kubectl apply -k` nor Argo CD ever runs them.
 */
export type Placement = 'applied' | 'restore';

const PLACEMENTS = new WeakMap<ApiObject, Placement>();

export function setPlacement(object: ApiObject, placement: Placement): void {
  PLACEMENTS.set(object, placement);
}

export function placementOf(object: ApiObject): Placement {
  return PLACEMENTS.get(object) ?? 'applied';
}
