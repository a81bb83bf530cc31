import { Duration } from 'cdk8s';
import { ConnectionEnv, enrolInMesh, ExistingSecret, Probe, Redis, WebService } from '../../lib';
import { CircuitBreaker } from '../../lib/data/circuit-breaker';
import { errorIdsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';
import { NOT_BACKED_UP_IN_TEST } from '../support/stores';

const resources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const credentials = ExistingSecret.named('cache-credentials', ['redis-password']);

function system(enrol = true, breaker?: Record<string, unknown>, replicas = 1) {
  const { app, chart } = testChart(testEnv('prod'), 'shop');
  const cache = new Redis(chart, 'cache', { use: 'cache', replicas, storage: '5Gi', credentials, resources }).noBackup(NOT_BACKED_UP_IN_TEST);
  const api = new WebService(chart, 'api', {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources,
  });
  api.connect(cache, { env: ConnectionEnv.url('CACHE_URL') });
  if (enrol) enrolInMesh(chart, breaker ? { circuitBreakers: [{ store: cache, ...breaker }] } : {});
  return { app, chart, cache };
}

describe('CircuitBreaker', () => {
  test("a DestinationRule with the connection pool and outlier detection, durations in Istio's seconds", () => {
    const { app } = system(true, {
      maxConnections: 50,
      maxPendingRequests: 10,
      consecutiveErrors: 3,
      interval: Duration.seconds(5),
      ejectionTime: Duration.minutes(1),
      maxEjectionPercent: 50,
    });
    expect(objectOf(app, 'DestinationRule', 'cache')).toMatchObject({
      apiVersion: 'networking.istio.io/v1',
      spec: {
        host: 'cache.shop-prod.svc.cluster.local',
        trafficPolicy: {
          connectionPool: { tcp: { maxConnections: 50, connectTimeout: '5s' }, http: { http1MaxPendingRequests: 10 } },
          outlierDetection: { consecutive5xxErrors: 3, interval: '5s', baseEjectionTime: '60s', maxEjectionPercent: 50 },
        },
      },
    });
  });

  test("the waypoint: the Gateway, the Service label, the store allowing the waypoint's identity, the client checked at the waypoint", () => {
    const { app } = system(true, {});
    expect(objectOf(app, 'Gateway', 'waypoint').spec.gatewayClassName).toBe('istio-waypoint');
    expect(objectOf(app, 'Service', 'cache').metadata.labels['istio.io/use-waypoint']).toBe('waypoint');
    const sources = objectOf(app, 'AuthorizationPolicy', 'cache').spec.rules.map((r: any) => r.from[0].source.principals?.[0]);
    expect(sources).toEqual(expect.arrayContaining(['cluster.local/ns/shop-prod/sa/api', 'cluster.local/ns/shop-prod/sa/waypoint']));
    expect(objectOf(app, 'AuthorizationPolicy', 'cache-via-waypoint').spec).toEqual({
      targetRefs: [{ group: '', kind: 'Service', name: 'cache' }],
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop-prod/sa/api'] } }] }],
    });
    // The waypoint's pod counts in the namespace's quota (istiod's default requests: 100m, 128Mi).
    expect(objectOf(app, 'NetworkPolicy', 'waypoint').spec.podSelector).toEqual({
      matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint' },
    });
  });

  test('a store behind a proxy: the waypoint reaches the proxy, and admits the clients of the proxy, not the proxy', () => {
    // Three members with Sentinel: the store's Service selects the HAProxy in front of them.
    const { app } = system(true, {}, 3);
    expect(objectOf(app, 'Service', 'cache').spec.selector['app.kubernetes.io/name']).toBe('cache-proxy');
    expect(objectOf(app, 'AuthorizationPolicy', 'cache-via-waypoint').spec.rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/shop-prod/sa/api'] } }] },
    ]);
    const toWaypoint = (r: any) => r.to?.[0]?.podSelector?.matchLabels?.['gateway.networking.k8s.io/gateway-name'] === 'waypoint';
    expect(objectOf(app, 'NetworkPolicy', 'api').spec.egress.some(toWaypoint)).toBe(true);
    expect(objectOf(app, 'NetworkPolicy', 'cache-proxy').spec.egress.some(toWaypoint)).toBe(false);
    const waypointTargets = objectOf(app, 'NetworkPolicy', 'waypoint').spec.egress.map(
      (r: any) => r.to[0].podSelector.matchLabels['app.kubernetes.io/name'],
    );
    expect(waypointTargets).toContain('cache-proxy');
    expect(waypointTargets).not.toContain('cache');
  });

  test('no circuit breaker, no waypoint', () => {
    const { app } = system();
    expect(objectsOf(app, 'Gateway')).toEqual([]);
    expect(objectsOf(app, 'DestinationRule')).toEqual([]);
  });

  test.each([
    ['a negative connection limit', { maxConnections: -1 }, 'circuit-breaker.limit'],
    ['a fractional error count', { consecutiveErrors: 2.5 }, 'circuit-breaker.limit'],
    ['zero pending requests', { maxPendingRequests: 0 }, 'circuit-breaker.limit'],
    ['an ejection percentage over 100', { maxEjectionPercent: 150 }, 'circuit-breaker.ejection-percent'],
    ['a fractional ejection time', { ejectionTime: Duration.millis(1500) }, 'circuit-breaker.ejection-time'],
    ['a connect timeout of zero', { connectTimeout: Duration.seconds(0) }, 'circuit-breaker.connect-timeout'],
    ['an interval that is no Duration', { interval: '10s' as never }, 'circuit-breaker.interval'],
  ])('%s is an error naming the field', (_, bad, id) => {
    const { app } = system(true, { ...bad });
    expect(errorIdsOf(app)).toContain(`[shop-prod/mesh/circuit-breaker-cache] ${id}`);
  });

  test('a circuit breaker in a system outside the mesh is an error', () => {
    const { app, chart, cache } = system(false);
    new CircuitBreaker(chart, 'breaker', { store: cache });
    expect(errorIdsOf(app)).toContain('[shop-prod/breaker] circuit-breaker.not-in-mesh');
  });

  test('something that is no store is an error', () => {
    const { app, chart } = system();
    new CircuitBreaker(chart, 'breaker', { store: 'cache' as never });
    expect(errorIdsOf(app)).toContain('[shop-prod/breaker] circuit-breaker.store');
  });
});

test('circuitBreakers that is no list is an error', () => {
  const { app, chart } = system(false);
  enrolInMesh(chart, { circuitBreakers: 'cache' as never });
  expect(errorIdsOf(app)).toContain('[shop-prod/mesh] mesh.circuit-breakers.list');
});
