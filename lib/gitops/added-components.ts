/**
 * The components whose charts and values live in files of their own (the mesh, the delivery
 * controller), gathered for platform-components.ts: their charts, and the namespace and values
 * the platform layer gives each.
 */
import type { Json } from '../core/json';
import type { Platform } from '../core/platform';
import { DNS_CHARTS, externalDnsValues } from './dns-components';
import type { PlatformComponentName } from '../core/platform-requirements';
import type { ComponentChart } from './component-chart';
import { DELIVERY_CHARTS, deliveryValues } from './delivery-components';
import { isMeshComponent, MESH_CHARTS, meshNamespace, meshValues } from './mesh-components';

/** Their pinned charts: Istio ambient (mesh-components.ts) and Argo Rollouts (delivery-components.ts). */
export const ADDED_CHARTS: Readonly<Partial<Record<PlatformComponentName, ComponentChart>>> = {
  ...MESH_CHARTS,
  ...DELIVERY_CHARTS,
  ...DNS_CHARTS,
};

/** The namespace of one of them; any other component installs into a namespace of its own name. */
export function addedComponentNamespace(component: PlatformComponentName, platform: Platform): string {
  if (component === 'external-dns') return platform.publicDns?.namespace ?? 'external-dns';
  return isMeshComponent(component) ? meshNamespace(platform) : component;
}

/** The Helm values of one of them; none for a component with nothing to set. */
export function addedComponentValues(
  component: PlatformComponentName,
  platform: Platform,
  settings: Readonly<Record<string, readonly string[]>>,
): Json {
  if (isMeshComponent(component)) return meshValues(component);
  if (component === 'external-dns') return externalDnsValues(platform, settings);
  return component === 'argo-rollouts' ? deliveryValues(component) : {};
}
