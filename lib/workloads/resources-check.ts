/**
 * A container's resources: the requests and limits every container must give (ephemeral
 * storage included, with the library's default). Split from container.ts.
 */
import { ResourceProfile } from '../core/environment';
import type { Json } from '../core/json';
import { checkQuantity, parseQuantity } from '../core/quantity';
import { ValidationReport } from '../core/validation';

/** Local disk per container when the profile does not say: enough for logs and a /tmp of up to 256Mi. */
export const DEFAULT_EPHEMERAL_STORAGE = { request: '64Mi', limit: '1Gi' } as const;

/** Quantities parse (bytes whole, never milli-units) and limits are not below requests. */
export function checkResources(report: ValidationReport, resources: ResourceProfile, field: string): void {
  if (!isObject(resources)) {
    report.error(
      'container.value.object-requests',
      field,
      `must be an object with requests and limits (is ${resources === null ? 'null' : typeof resources})`,
    );
    return;
  }
  for (const kind of ['requests', 'limits'] as const) {
    if (!isObject(resources[kind]))
      report.error(
        'container.value.required-object',
        `${field}.${kind}`,
        `is required: an object with cpu and memory (e.g. { cpu: '250m', memory: '256Mi' })`,
      );
  }
  if (!isObject(resources.requests) || !isObject(resources.limits)) return;
  for (const resource of ['cpu', 'memory', 'ephemeralStorage'] as const) {
    const request = resources.requests[resource] ?? (resource === 'ephemeralStorage' ? DEFAULT_EPHEMERAL_STORAGE.request : undefined);
    const limit = resources.limits[resource] ?? (resource === 'ephemeralStorage' ? DEFAULT_EPHEMERAL_STORAGE.limit : undefined);
    if (request === undefined || limit === undefined) {
      report.error('container.value.required', `${field}.${request === undefined ? 'requests' : 'limits'}.${resource}`, 'is required');
      continue;
    }
    const kind = resource === 'cpu' ? 'cpu' : 'bytes';
    const requestProblem = checkQuantity(request, kind);
    const limitProblem = checkQuantity(limit, kind);
    if (requestProblem) report.error('container.requests', `${field}.requests.${resource}`, requestProblem);
    if (limitProblem) report.error('container.limits.invalid', `${field}.limits.${resource}`, limitProblem);
    const r = parseQuantity(request);
    const l = parseQuantity(limit);
    if (!requestProblem && !limitProblem && r !== undefined && l !== undefined) {
      if (l === 0) report.error('container.limits.greater-zero', `${field}.limits.${resource}`, 'must be greater than zero');
      if (l < r)
        report.error(
          'container.limits.below-request',
          `${field}.limits.${resource}`,
          `${limit} is below the request ${request}; limits must be at least the requests`,
        );
    }
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
