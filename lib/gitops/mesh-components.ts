/**
 * The platform layer's service mesh: Istio's ambient mode from the four charts of one Istio
 * release (manifests/charts/ at the tag), installed in the order Istio's Helm guide gives
 * (base with the CRDs, istiod with profile ambient, the CNI node agent with profile ambient,
 * ztunnel). Split from platform-components.ts, which plans them; what they create is read from
 * the charts into chart-facts-table.json.
 */
import type { Json } from '../core/json';
import { ISTIO_VERSION } from '../core/mesh-profile';
import type { Platform } from '../core/platform';
import type { PlatformComponentName } from '../core/platform-requirements';
import type { ComponentChart } from './component-chart';

/** Components of this file. */
export type MeshComponent = Extract<PlatformComponentName, 'istio-base' | 'istiod' | 'istio-cni' | 'ztunnel'>;

export const MESH_COMPONENTS: readonly MeshComponent[] = ['istio-base', 'istiod', 'istio-cni', 'ztunnel'];

const ISTIO_CHARTS = 'https://istio-release.storage.googleapis.com/charts';

/**
 * istiod's webhook controller (pkg/webhooks/validation/controller in 1.30.3) writes its CA into
 * the validating webhooks (base's istiod-default-validator, istiod's istio-validator-<ns>) and
 * turns their failurePolicy from Ignore to Fail once it serves them; its injector writes the CA
 * into the mutating webhook. The charts leave both to it.
 */
const WEBHOOK_FIELDS = ['.webhooks[]?.clientConfig.caBundle', '.webhooks[]?.failurePolicy'];
const VALIDATING = { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: WEBHOOK_FIELDS };
const MUTATING = {
  group: 'admissionregistration.k8s.io',
  kind: 'MutatingWebhookConfiguration',
  jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
};

const istioChart = (title: string, chart: string, releaseName: string, ignoreDifferences?: ComponentChart['ignoreDifferences']): ComponentChart => ({
  title,
  repoURL: ISTIO_CHARTS,
  chart,
  chartVersion: ISTIO_VERSION,
  appVersion: ISTIO_VERSION,
  releaseName,
  ...(ignoreDifferences ? { ignoreDifferences } : {}),
});

/** The charts, pinned: Istio publishes every chart at the release's own version. */
export const MESH_CHARTS: Readonly<Record<MeshComponent, ComponentChart>> = {
  'istio-base': istioChart('Istio base (the Istio CRDs)', 'base', 'istio-base', [VALIDATING]),
  istiod: istioChart('Istio control plane (istiod, ambient profile)', 'istiod', 'istiod', [VALIDATING, MUTATING]),
  'istio-cni': istioChart('Istio CNI node agent (ambient traffic redirection)', 'cni', 'istio-cni'),
  ztunnel: istioChart('Istio ztunnel (per-node mTLS and L4 authorization)', 'ztunnel', 'ztunnel'),
};

export function isMeshComponent(component: PlatformComponentName): component is MeshComponent {
  return (MESH_COMPONENTS as readonly string[]).includes(component);
}

/** Where the mesh runs: the profile's namespace. */
export function meshNamespace(platform: Platform): string {
  return platform.mesh?.namespace ?? 'istio-system';
}

/** The seccomp profile Pod Security `restricted` requires; the istiod chart leaves it unset by default. */
const RUNTIME_DEFAULT = { type: 'RuntimeDefault' };

/**
 * Helm values: istiod and the CNI agent with `profile: ambient` (each chart's
 * files/profile-ambient.yaml: PILOT_ENABLE_AMBIENT, cni.ambient.enabled); base and ztunnel
 * need none (Istio's ambient Helm installation sets none). istiod's own container and the
 * waypoints it deploys into the systems' namespaces (`gateways.seccompProfile`, used by
 * files/waypoint.yaml) get the RuntimeDefault seccomp profile: those namespaces enforce
 * `restricted`, which refuses a pod without it.
 */
export function meshValues(component: MeshComponent): Json {
  if (component === 'istiod') return { profile: 'ambient', seccompProfile: RUNTIME_DEFAULT, gateways: { seccompProfile: RUNTIME_DEFAULT } };
  return component === 'istio-cni' ? { profile: 'ambient' } : {};
}
