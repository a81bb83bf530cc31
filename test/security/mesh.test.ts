import { enrolInMesh, NetworkPeer, Probe, SystemChart, WebService, Worker } from '../../lib';
import { allowCrossNamespace } from '../../lib/security/network';
import { errorIdsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
const web = (chart: SystemChart, id: string, port = 8080) =>
  new WebService(chart, id, {
    image: 'registry.stackworks.io/org/web:1.0.0',
    ports: [{ name: 'http', port }],
    readiness: Probe.http('/ready'),
    resources,
  });
const worker = (chart: SystemChart, id: string) => new Worker(chart, id, { image: 'registry.stackworks.io/org/worker:1.0.0', resources });

/** A system in prod (whose profile has the mesh): a worker and a web service calling an internal API, the API reached by the edge. */
function meshedSystem() {
  const { app, chart } = testChart(testEnv('prod'), 'shop');
  const api = web(chart, 'api', 9000);
  const front = web(chart, 'front');
  const jobs = worker(chart, 'jobs');
  front.connections.allowTo(api, { port: 9000 });
  jobs.connections.allowTo(api, { port: 9000 });
  api.connections.allowFromPeer(NetworkPeer.pods({ 'app.kubernetes.io/name': 'ingress-nginx' }, 'ingress-nginx'), { port: 9000 });
  enrolInMesh(chart);
  return { app, chart };
}

describe('a system enrolled in the mesh', () => {
  test('its namespace is in ambient mode, requires mutual TLS and denies what no policy allows', () => {
    const { app } = meshedSystem();
    expect(objectOf(app, 'Namespace', 'shop-prod').metadata.labels['istio.io/dataplane-mode']).toBe('ambient');
    expect(objectOf(app, 'PeerAuthentication', 'default')).toMatchObject({ apiVersion: 'security.istio.io/v1', spec: { mtls: { mode: 'STRICT' } } });
    expect(objectOf(app, 'PeerAuthentication', 'default').spec.selector).toBeUndefined();
    expect(objectOf(app, 'AuthorizationPolicy', 'allow-nothing').spec).toEqual({});
  });

  test('each server allows exactly its connected clients, by SPIFFE identity, on the connected ports', () => {
    const { app } = meshedSystem();
    const policy = objectOf(app, 'AuthorizationPolicy', 'api');
    expect(policy.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'shop-prod' } });
    expect(policy.spec.action).toBe('ALLOW');
    const rules = policy.spec.rules.map((r: any) => ({ source: r.from[0].source, ports: r.to[0].operation.ports }));
    expect(rules).toEqual(
      expect.arrayContaining([
        { source: { principals: ['cluster.local/ns/shop-prod/sa/front'] }, ports: ['9000'] },
        { source: { principals: ['cluster.local/ns/shop-prod/sa/jobs'] }, ports: ['9000'] },
        // The edge's controller is outside the mesh: plaintext only (no identity), who sends it is the NetworkPolicy's to say.
        { source: { notPrincipals: ['*'] }, ports: ['9000'] },
      ]),
    );
    expect(rules).toHaveLength(3);
    // Nobody connects to the worker or the front: no policy allows anything to them (allow-nothing holds).
    expect(objectsOf(app, 'AuthorizationPolicy').map((p) => p.metadata.name)).not.toContain('jobs');
  });

  test('ports reached from outside the mesh accept plaintext, every other port of the pod stays STRICT', () => {
    const { app } = meshedSystem();
    expect(objectOf(app, 'PeerAuthentication', 'api').spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'shop-prod' } },
      mtls: { mode: 'STRICT' },
      portLevelMtls: { '9000': { mode: 'PERMISSIVE' } },
    });
    expect(objectsOf(app, 'PeerAuthentication').map((p) => p.metadata.name)).not.toContain('front');
  });

  test('NetworkPolicies allow HBONE (15008) between meshed peers only, and the kubelet probes from their SNAT address', () => {
    const { app } = meshedSystem();
    const ingress = objectOf(app, 'NetworkPolicy', 'api').spec.ingress as any[];
    const portsFrom = (name: string) =>
      ingress
        .find((r) => r.from[0].podSelector?.matchLabels?.['app.kubernetes.io/name'] === name && !r.from[0].namespaceSelector)
        .ports.map((p: any) => p.port);
    expect(portsFrom('front')).toEqual([9000, 15008]);
    expect(portsFrom('jobs')).toEqual([9000, 15008]);
    const edge = ingress.find((r) => r.from[0].namespaceSelector);
    expect(edge.ports.map((p: any) => p.port)).toEqual([9000]);
    const egress = objectOf(app, 'NetworkPolicy', 'front').spec.egress as any[];
    expect(egress.find((r) => r.to[0].podSelector?.matchLabels['app.kubernetes.io/name'] === 'api').ports.map((p: any) => p.port)).toEqual([
      9000, 15008,
    ]);
    expect(objectOf(app, 'NetworkPolicy', 'allow-mesh-health-probes').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ ipBlock: { cidr: '169.254.7.127/32' } }] }],
    });
  });

  test('a client in a system outside the mesh is treated as plaintext, and its NetworkPolicy gets no HBONE port', () => {
    const env = testEnv('prod');
    const { app, chart } = testChart(env, 'shop');
    const other = new SystemChart(app, { system: 'other', environment: env });
    const api = web(chart, 'api', 9000);
    const client = worker(other, 'client');
    allowCrossNamespace(client, api);
    client.connections.allowTo(api, { port: 9000 });
    enrolInMesh(chart);
    expect(objectOf(app, 'AuthorizationPolicy', 'api').spec.rules).toEqual([
      { from: [{ source: { notPrincipals: ['*'] } }], to: [{ operation: { ports: ['9000'] } }] },
    ]);
    const egress = objectsOf(app, 'NetworkPolicy').find((p) => p.metadata.namespace === 'other-prod' && p.metadata.name === 'client')!.spec
      .egress as any[];
    expect(egress.flatMap((r) => r.ports.map((p: any) => p.port))).not.toContain(15008);
  });

  test('without enrolment nothing of the mesh is rendered', () => {
    const { app, chart } = testChart(testEnv('prod'), 'shop');
    const api = web(chart, 'api', 9000);
    web(chart, 'front').connections.allowTo(api, { port: 9000 });
    expect(objectsOf(app, 'PeerAuthentication')).toEqual([]);
    expect(objectsOf(app, 'AuthorizationPolicy')).toEqual([]);
    expect(objectOf(app, 'Namespace', 'shop-prod').metadata.labels['istio.io/dataplane-mode']).toBeUndefined();
    expect(JSON.stringify(objectOf(app, 'NetworkPolicy', 'api'))).not.toContain('15008');
  });
});

describe('mesh validation', () => {
  test('enrolling where the profile has no mesh is an error naming the field', () => {
    const { app, chart } = testChart(testEnv('dev'), 'shop');
    web(chart, 'api');
    enrolInMesh(chart);
    expect(errorIdsOf(app)).toContain('[shop-dev/mesh] mesh.enrol.no-mesh');
  });

  test.each([
    ['an unknown provider', { provider: 'linkerd' }, 'mesh-profile.provider'],
    ['another Istio release than the pinned one', { provider: 'istio-ambient', version: '1.29.0' }, 'mesh-profile.version.pinned'],
    ['a version that is no release', { provider: 'istio-ambient', version: 'latest' }, 'mesh-profile.version.format'],
    ['a namespace that is no DNS label', { provider: 'istio-ambient', namespace: 'Istio_System' }, 'mesh-profile.namespace'],
    ['an unknown field', { provider: 'istio-ambient', sidecars: true }, 'mesh-profile.value.field'],
  ])('a profile with %s', (_, mesh, id) => {
    const { app, chart } = testChart(testEnv('prod', { platform: { mesh } as never }), 'shop');
    web(chart, 'api');
    expect(errorIdsOf(app)).toContain(`[shop-prod] ${id}`);
  });

  test('a named port on a meshed server is an error (the mesh matches port numbers)', () => {
    const { app, chart } = testChart(testEnv('prod'), 'shop');
    const api = web(chart, 'api');
    worker(chart, 'jobs').connections.allowTo(api, { port: 'http' });
    enrolInMesh(chart);
    expect(errorIdsOf(app)).toContain('[shop-prod/api] mesh.port.named');
  });
});
