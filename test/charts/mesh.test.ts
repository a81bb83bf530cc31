/**
 * Every system in the service mesh, synthesized as the repository does:
 * the AuthorizationPolicies are the NetworkPolicies' connections again, source for source and
 * port for port, so a connection added without its mesh allowance (or an allowance without its
 * connection) fails here; clients outside the mesh reach plaintext ports only; the namespaces
 * are in ambient mode with STRICT mTLS.
 */
import { EnvironmentName } from '../../lib';
import { systemObjects } from './support';

type Json = Record<string, any>;

const ENROLLED: ReadonlyArray<[string, EnvironmentName]> = [
  ['techshop', 'staging'],
  ['techshop', 'prod'],
  ['loopi', 'prod'],
  ['capibara6', 'prod'],
];
const NOT_ENROLLED: ReadonlyArray<[string, EnvironmentName]> = [
  ['techshop', 'dev'],
  ['loopi', 'staging'],
  ['capibara6', 'staging'],
  ['chatnomina', 'prod'],
  ['feature-models', 'prod'],
];

const HBONE = 15008;
const sameLabels = (a: Json | undefined, b: Json | undefined) =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());

/** source (as JSON) -> ports, as the NetworkPolicies of the pods `selector` selects imply them. */
function expectedFromNetworkPolicies(objects: Json[], namespace: string, selector: Json): Map<string, Set<string>> {
  const serviceAccounts = new Set(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name));
  const expected = new Map<string, Set<string>>();
  const add = (source: Json, ports: string[]) => {
    const key = JSON.stringify(source);
    const set = expected.get(key) ?? new Set<string>();
    ports.forEach((p) => set.add(p));
    expected.set(key, set);
  };
  for (const policy of objects.filter((o) => o.kind === 'NetworkPolicy' && sameLabels(o.spec.podSelector?.matchLabels, selector))) {
    for (const rule of policy.spec.ingress ?? []) {
      const ports: number[] = rule.ports.map((p: Json) => p.port);
      const meshed = ports.includes(HBONE);
      const appPorts = ports.filter((p) => p !== HBONE).map(String);
      for (const peer of rule.from) {
        if (!meshed) {
          add({ notPrincipals: ['*'] }, appPorts);
          continue;
        }
        // A meshed peer: pods of this namespace (the enrolled systems connect nothing across namespaces).
        expect(peer.namespaceSelector).toBeUndefined();
        const labels = peer.podSelector.matchLabels;
        const name = labels['app.kubernetes.io/name'];
        const libraryWorkload = labels['app.kubernetes.io/instance'] === namespace && Object.keys(labels).length === 2 && serviceAccounts.has(name);
        // The waypoint istiod deploys runs as the ServiceAccount named after its Gateway.
        const waypoint = sameLabels(labels, { 'gateway.networking.k8s.io/gateway-name': 'waypoint' });
        const principal = waypoint ? 'waypoint' : libraryWorkload ? name : undefined;
        add(principal ? { principals: [`cluster.local/ns/${namespace}/sa/${principal}`] } : { namespaces: [namespace] }, appPorts);
      }
    }
  }
  return expected;
}

describe.each(ENROLLED)('%s in %s is in the mesh', (system, env) => {
  const objects = systemObjects(system, env);
  const namespace = `${system}-${env}`;
  const of = (kind: string) => objects.filter((o) => o.kind === kind);

  test('the namespace is in ambient mode with STRICT mutual TLS, denying what no policy allows', () => {
    expect(of('Namespace')[0].metadata.labels['istio.io/dataplane-mode']).toBe('ambient');
    expect(of('PeerAuthentication').find((p) => p.metadata.name === 'default')!.spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(of('AuthorizationPolicy').find((p) => p.metadata.name === 'allow-nothing')!.spec).toEqual({});
    expect(of('NetworkPolicy').find((p) => p.metadata.name === 'allow-mesh-health-probes')!.spec.ingress).toEqual([
      { from: [{ ipBlock: { cidr: '169.254.7.127/32' } }] },
    ]);
  });

  test('every NetworkPolicy ingress has its AuthorizationPolicy, source for source and port for port, and nothing more', () => {
    // The waypoint is not captured by ztunnel: its own policies attach to the Services it serves (below).
    const servers = of('NetworkPolicy').filter(
      (p) => Object.keys(p.spec.podSelector?.matchLabels ?? {}).length > 0 && (p.spec.ingress ?? []).length > 0 && p.metadata.name !== 'waypoint',
    );
    expect(servers.length).toBeGreaterThan(3);
    const authorizations = of('AuthorizationPolicy').filter((p) => p.spec.selector);
    for (const server of servers) {
      const selector = server.spec.podSelector.matchLabels;
      const policy = authorizations.find((p) => sameLabels(p.spec.selector.matchLabels, selector));
      expect({ networkPolicy: server.metadata.name, authorizationPolicy: policy?.metadata.name }).toEqual({
        networkPolicy: server.metadata.name,
        authorizationPolicy: expect.any(String),
      });
      const actual = new Map<string, Set<string>>(
        policy!.spec.rules.map((r: Json) => [JSON.stringify(r.from[0].source), new Set<string>(r.to[0].operation.ports)]),
      );
      const expected = expectedFromNetworkPolicies(objects, namespace, selector);
      const sorted = (m: Map<string, Set<string>>) => Object.fromEntries([...m.entries()].map(([k, v]) => [k, [...v].sort()]).sort());
      expect({ server: server.metadata.name, rules: sorted(actual) }).toEqual({ server: server.metadata.name, rules: sorted(expected) });
    }
    // No AuthorizationPolicy selects pods that no NetworkPolicy lets anything reach.
    for (const policy of authorizations)
      expect(servers.some((s) => sameLabels(s.spec.podSelector.matchLabels, policy.spec.selector.matchLabels))).toBe(true);
  });

  test('the ports plaintext clients reach are PERMISSIVE on those pods only, the rest stays STRICT', () => {
    for (const policy of of('AuthorizationPolicy').filter((p) => p.spec.selector)) {
      const plaintext = policy.spec.rules.filter((r: Json) => r.from[0].source.notPrincipals).flatMap((r: Json) => r.to[0].operation.ports);
      const peer = of('PeerAuthentication').find((p) => p.spec.selector && sameLabels(p.spec.selector.matchLabels, policy.spec.selector.matchLabels));
      if (plaintext.length === 0) {
        expect(peer).toBeUndefined();
        continue;
      }
      expect(peer!.spec.mtls).toEqual({ mode: 'STRICT' });
      expect(Object.keys(peer!.spec.portLevelMtls).sort()).toEqual([...plaintext].sort());
      expect(Object.values(peer!.spec.portLevelMtls).every((m: any) => m.mode === 'PERMISSIVE')).toBe(true);
    }
  });
});

describe('capibara6 in prod: circuit breakers through the waypoint', () => {
  const objects = systemObjects('capibara6', 'prod');
  const of = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;

  // The cache only: metrics-db runs on CloudNativePG, whose Services the operator makes (CB-37).
  test('cache: DestinationRule, the Service sent through the waypoint, the clients checked there', () => {
    expect(of('DestinationRule', 'cache').spec).toEqual({
      host: 'cache.capibara6-prod.svc.cluster.local',
      trafficPolicy: {
        connectionPool: { tcp: { maxConnections: 200, connectTimeout: '2s' } },
        outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 100 },
      },
    });
    expect(of('DestinationRule', 'metrics-db')).toBeUndefined();
    // The Service selects the HAProxy in front of the three members: what the clients connect to.
    expect(of('Service', 'cache').spec.selector['app.kubernetes.io/name']).toBe('cache-proxy');
    expect(of('Service', 'cache').metadata.labels['istio.io/use-waypoint']).toBe('waypoint');
    // The waypoint admits the workloads that use the cache (api and graphql; the workers do not), not the proxy or the members.
    const viaWaypoint = of('AuthorizationPolicy', 'cache-via-waypoint').spec;
    expect(viaWaypoint.targetRefs).toEqual([{ group: '', kind: 'Service', name: 'cache' }]);
    expect(viaWaypoint.rules[0].from[0].source.principals).toEqual([
      'cluster.local/ns/capibara6-prod/sa/api',
      'cluster.local/ns/capibara6-prod/sa/graphql',
    ]);
    // The proxy admits the waypoint, which connects to it for the clients.
    expect(
      of('NetworkPolicy', 'cache-proxy').spec.ingress.some(
        (r: Json) => r.from[0].podSelector?.matchLabels['gateway.networking.k8s.io/gateway-name'] === 'waypoint' && r.ports[0].port === 6379,
      ),
    ).toBe(true);
  });

  test("the waypoint: Istio's waypoint class and HBONE listener, reached by the stores' clients on 15008, reaching istiod and the stores", () => {
    expect(of('Gateway', 'waypoint').spec).toEqual({
      gatewayClassName: 'istio-waypoint',
      listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
    });
    expect(of('Gateway', 'waypoint').metadata.labels['istio.io/waypoint-for']).toBe('service');
    const policy = of('NetworkPolicy', 'waypoint').spec;
    expect(policy.ingress.every((r: Json) => JSON.stringify(r.ports) === JSON.stringify([{ port: 15008, protocol: 'TCP' }]))).toBe(true);
    expect(
      policy.egress.map((r: Json) => r.to[0].podSelector.matchLabels.app ?? r.to[0].podSelector.matchLabels['app.kubernetes.io/name']).sort(),
    ).toEqual(['cache-proxy', 'istiod']);
    // The cache's clients reach the waypoint; the workers, which use no guarded store, do not.
    const reachesWaypoint = (client: string) =>
      of('NetworkPolicy', client).spec.egress.some(
        (r: Json) => r.to[0].podSelector?.matchLabels['gateway.networking.k8s.io/gateway-name'] === 'waypoint' && r.ports[0].port === 15008,
      );
    for (const client of ['api', 'graphql']) expect(reachesWaypoint(client)).toBe(true);
    expect(reachesWaypoint('workers')).toBe(false);
  });
});

describe.each(NOT_ENROLLED)('%s in %s is not in the mesh', (system, env) => {
  test('no mesh object, no HBONE port, no ambient label', () => {
    const objects = systemObjects(system, env);
    expect(objects.filter((o) => ['PeerAuthentication', 'AuthorizationPolicy'].includes(o.kind))).toEqual([]);
    expect(JSON.stringify(objects.filter((o) => o.kind === 'NetworkPolicy'))).not.toContain(String(HBONE));
    expect(objects.find((o) => o.kind === 'Namespace')!.metadata.labels['istio.io/dataplane-mode']).toBeUndefined();
  });
});
