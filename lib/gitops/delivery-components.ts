/**
 * The platform layer's progressive delivery component: Argo Rollouts, which runs the
 * blue-green and canary releases of `WebService({ rollout })` (lib/workloads/rollout.ts).
 * Split from platform-components.ts, which plans it, as the observability components are.
 */
import type { Json } from '../core/json';
import type { PlatformComponentName } from '../core/platform-requirements';
import type { ComponentChart } from './component-chart';

/** Components of this file. */
export type DeliveryComponent = Extract<PlatformComponentName, 'argo-rollouts'>;

/**
 * The Argo Rollouts release the controller runs: the newest patch of the line the newest chart
 * ships. argo-helm's newest chart as stored, argo-rollouts-2.41.0 (2026-06-05), has
 * appVersion v1.9.0 and the same CRDs as v1.9.3 (the module proxy's newest v1.9 patch, 2026-11-03;
 * imports/crds holds them). v1.10.x is on the module proxy too, but no chart of it was found:
 * its CRDs could not be the chart's.
 */
export const ARGO_ROLLOUTS_VERSION = 'v1.9.3';

export const DELIVERY_CHARTS: Readonly<Record<DeliveryComponent, ComponentChart>> = {
  'argo-rollouts': {
    title: 'Argo Rollouts (blue-green and canary releases)',
    repoURL: 'https://argoproj.github.io/argo-helm',
    chart: 'argo-rollouts',
    chartVersion: '2.41.0',
    appVersion: ARGO_ROLLOUTS_VERSION.slice(1),
    releaseName: 'argo-rollouts',
  },
};

/**
 * Helm values of chart 2.41.0 (its values.yaml): the CRDs installed and kept when the release
 * goes (Rollouts must not vanish with it), the controller at ARGO_ROLLOUTS_VERSION, two replicas
 * with leader election (the chart's default) and their PodDisruptionBudget, no dashboard.
 */
export function deliveryValues(component: DeliveryComponent): Json {
  switch (component) {
    case 'argo-rollouts':
      return {
        installCRDs: true,
        keepCRDs: true,
        controller: { replicas: 2, image: { tag: ARGO_ROLLOUTS_VERSION }, pdb: { enabled: true, minAvailable: 1 } },
        dashboard: { enabled: false },
      };
  }
}
