import { DEFAULT_INGRESS_CONTROLLER, NetworkPeer } from '../security/network';

/**
 * The ingress controllers the library renders for. Each has its own way of expressing
 * the same intent (annotations for ingress-nginx, Middleware objects for Traefik), so the
 * controller is a typed choice rather than free-form annotations.
 */
export type IngressController = 'nginx' | 'traefik';

/**
 * Where Traefik runs in a standard Helm installation (namespace `traefik`, pods labelled
 * `app.kubernetes.io/name: traefik`). The ingress-nginx default lives in
 * lib/security/network.ts as DEFAULT_INGRESS_CONTROLLER.
 */
export const DEFAULT_TRAEFIK_CONTROLLER = NetworkPeer.pods({ 'app.kubernetes.io/name': 'traefik' }, 'traefik');

/** The IngressClass each controller's Helm chart creates by default. */
export const DEFAULT_INGRESS_CLASS: Readonly<Record<IngressController, string>> = {
  nginx: 'nginx',
  traefik: 'traefik',
};

/** The pods of the controller, as a NetworkPolicy peer. */
export function defaultControllerPeer(controller: IngressController): NetworkPeer {
  return controller === 'nginx' ? DEFAULT_INGRESS_CONTROLLER : DEFAULT_TRAEFIK_CONTROLLER;
}

/** Annotation prefix of ingress-nginx (its default `--annotations-prefix`). */
export const NGINX_ANNOTATION_PREFIX = 'nginx.ingress.kubernetes.io';

/** The Ingress annotation through which Traefik applies Middleware objects to a router, in order. */
export const TRAEFIK_MIDDLEWARES_ANNOTATION = 'traefik.ingress.kubernetes.io/router.middlewares';

/** How an Ingress annotation names a Middleware of the Traefik CRD provider. */
export function traefikMiddlewareReference(namespace: string, name: string): string {
  return `${namespace}-${name}@kubernetescrd`;
}
