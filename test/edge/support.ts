import { Construct } from 'constructs';
import { Environment, Probe, WebService, Worker } from '../../lib';
import { DEFAULT_ENVOY_GATEWAY_DATA_PLANE, DEFAULT_INGRESS_NGINX, DEFAULT_TRAEFIK, EdgeProfile } from '../../lib/core/platform';
import { testEnv, TestEnvOverrides } from '../support/synth';

export const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

/** A web service listening on `port` (named `http` unless said otherwise). */
export function webService(scope: Construct, id: string, port = 8080, ports?: Array<{ name: string; port: number }>): WebService {
  return new WebService(scope, id, {
    image: `registry.stackworks.io/org/${id}:1.0.0`,
    ports: ports ?? [{ name: 'http', port }],
    readiness: Probe.http('/ready'),
    resources,
  });
}

/** A worker: no Service, so it cannot be routed to. */
export function worker(scope: Construct, id: string): Worker {
  return new Worker(scope, id, { image: `registry.stackworks.io/org/${id}:1.0.0`, resources });
}

/** The annotations of an object without the ones every object gets. */
export function ownAnnotations(object: Record<string, any>): Record<string, string> {
  const { 'argocd.argoproj.io/sync-wave': _, ...rest } = object.metadata.annotations ?? {};
  return rest;
}

/** An environment of `name` whose cluster profile runs `edge` (everything else as the repository's environments). */
export function edgeEnv(name: 'dev' | 'staging' | 'prod', edge: EdgeProfile, overrides: TestEnvOverrides = {}): Environment {
  const base = testEnv(name, overrides);
  return testEnv(name, { ...overrides, platform: { ...base.platform.props, edge } });
}

/** Envoy Gateway with the system's own Gateway, beside ingress-nginx. */
export const ENVOY_EDGE: EdgeProfile = {
  default: 'gateway',
  ingressNginx: DEFAULT_INGRESS_NGINX,
  gateway: { implementation: 'envoy-gateway', dataPlane: DEFAULT_ENVOY_GATEWAY_DATA_PLANE },
};

/** Traefik's Gateway API provider. */
export const TRAEFIK_GATEWAY_EDGE: EdgeProfile = {
  default: 'gateway',
  gateway: { implementation: 'traefik', dataPlane: DEFAULT_TRAEFIK.pods },
};
