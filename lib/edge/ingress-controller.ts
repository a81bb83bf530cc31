import { DEFAULT_TRAEFIK } from '../core/platform';
import type { ComponentPods, EdgeKind, EdgeProfile, GatewayImplementation } from '../core/platform';
import { DEFAULT_INGRESS_CONTROLLER, NetworkPeer } from '../security/network';

/**
 * The ingress controllers the library renders `networking.k8s.io/v1` Ingress objects for.
 * Each has its own way of expressing the same intent (annotations for ingress-nginx,
 * Middleware objects for Traefik), so the controller is a typed choice rather than
 * free-form annotations.
 */
export type IngressController = 'nginx' | 'traefik';

/**
 * What serves a PublicEndpoint: an ingress controller, or the Gateway API implementation
 * of the cluster profile (`platform.edge.gateway`), which gets HTTPRoutes.
 */
export type EdgeController = IngressController | 'gateway';

/**
 * Where Traefik runs in a standard Helm installation (namespace `traefik`, pods labelled
 * `app.kubernetes.io/name: traefik`). The ingress-nginx default lives in
 * lib/security/network.ts as DEFAULT_INGRESS_CONTROLLER.
 */
export const DEFAULT_TRAEFIK_CONTROLLER = NetworkPeer.pods(DEFAULT_TRAEFIK.pods.podLabels, DEFAULT_TRAEFIK.pods.namespace);

/** The IngressClass each controller's Helm chart creates by default. */
export const DEFAULT_INGRESS_CLASS: Readonly<Record<IngressController, string>> = {
  nginx: 'nginx',
  traefik: 'traefik',
};

/** The GatewayClass each implementation's Helm chart (or quickstart) creates. */
export const DEFAULT_GATEWAY_CLASS: Readonly<Record<GatewayImplementation, string>> = {
  'envoy-gateway': 'eg',
  traefik: 'traefik',
};

/** How each implementation is named in messages. */
export const GATEWAY_IMPLEMENTATION_NAMES: Readonly<Record<GatewayImplementation, string>> = {
  'envoy-gateway': 'Envoy Gateway',
  traefik: "Traefik's Gateway API provider",
};

/** The pods of the controller, as a NetworkPolicy peer. */
export function defaultControllerPeer(controller: IngressController): NetworkPeer {
  return controller === 'nginx' ? DEFAULT_INGRESS_CONTROLLER : DEFAULT_TRAEFIK_CONTROLLER;
}

/** The controller that renders an endpoint on the profile's default edge. */
export function controllerOfEdge(kind: EdgeKind): EdgeController {
  return kind === 'ingress-nginx' ? 'nginx' : kind;
}

/** The profile field that describes `controller` (for messages). */
export function profileFieldOf(controller: EdgeController): string {
  return controller === 'nginx' ? 'platform.edge.ingressNginx' : controller === 'traefik' ? 'platform.edge.traefik' : 'platform.edge.gateway';
}

/** The pods of `controller` as the profile describes them, or undefined when the profile does not run it. */
export function controllerPodsOf(edge: EdgeProfile | undefined, controller: EdgeController): ComponentPods | undefined {
  if (controller === 'nginx') return edge?.ingressNginx?.pods;
  if (controller === 'traefik') return edge?.traefik?.pods;
  return edge?.gateway?.dataPlane;
}

/** A NetworkPolicy peer selecting `pods`: their labels, in their namespace only. */
export function peerOfPods(pods: ComponentPods, extraLabels: Readonly<Record<string, string>> = {}): NetworkPeer {
  return NetworkPeer.pods({ ...pods.podLabels, ...extraLabels }, pods.namespace);
}

/** Annotation prefix of ingress-nginx (its default `--annotations-prefix`). */
export const NGINX_ANNOTATION_PREFIX = 'nginx.ingress.kubernetes.io';

/** The Ingress annotation through which Traefik applies Middleware objects to a router, in order. */
export const TRAEFIK_MIDDLEWARES_ANNOTATION = 'traefik.ingress.kubernetes.io/router.middlewares';

/** How an Ingress annotation names a Middleware of the Traefik CRD provider. */
export function traefikMiddlewareReference(namespace: string, name: string): string {
  return `${namespace}-${name}@kubernetescrd`;
}
