import { Construct } from 'constructs';
import { Probe, WebService, Worker } from '../../lib';

export const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

/** A web service listening on `port` (named `http` unless said otherwise). */
export function webService(scope: Construct, id: string, port = 8080, ports?: Array<{ name: string; port: number }>): WebService {
  return new WebService(scope, id, {
    image: `org/${id}:1.0.0`,
    ports: ports ?? [{ name: 'http', port }],
    readiness: Probe.http('/ready'),
    resources,
  });
}

/** A worker: no Service, so it cannot be routed to. */
export function worker(scope: Construct, id: string): Worker {
  return new Worker(scope, id, { image: `org/${id}:1.0.0`, resources });
}

/** The annotations of an object without the ones every object gets. */
export function ownAnnotations(object: Record<string, any>): Record<string, string> {
  const { 'argocd.argoproj.io/sync-wave': _, ...rest } = object.metadata.annotations ?? {};
  return rest;
}
