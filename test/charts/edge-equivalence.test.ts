/**
 * Switching a system's edge is one change of its environment's profile, and it changes how the
 * routes are expressed, not what they do: Loopi and capibara6 rendered for ingress-nginx and for
 * Envoy Gateway route the same hosts and paths to the same Services and ports, with the same
 * limits, timeouts, retries and response headers (issue 16 item 4).
 */
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { Environment, EnvironmentName, synthesize, SystemChart } from '../../lib';
import { platformRequirements } from '../../lib/core/platform-requirements';
import { Capibara6Chart } from '../../charts/capibara6';
import { ENVIRONMENTS, GATEWAY_EDGE, SYSTEM_EDGES, withEdge } from '../../charts/environments';
import { LoopiChart } from '../../charts/loopi';
import { UNUSED_OUTDIR } from '../support/synth';

type Json = Record<string, any>;

/** One routed path and everything the edge does for it, independent of how the edge says it. */
interface RouteRow {
  host: string;
  path: string;
  match: string;
  service: string;
  port: number;
  https: boolean;
  redirect: boolean;
  rateLimit?: string;
  timeouts: { connect?: number; read?: number; send?: number };
  retry?: { attempts: number; statuses: number[] };
  headers: Record<string, string>;
  compression: boolean;
}

function render(make: (scope: Construct, env: Environment) => SystemChart, env: Environment): { objects: Json[]; app: App } {
  const app = new App({ outdir: UNUSED_OUTDIR });
  make(app, env);
  return { app, objects: synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true }).objects.map((o) => o.object) };
}

function servicePort(objects: Json[], service: string, port: { name?: string; number?: number }): number {
  const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === service);
  const p = svc?.spec.ports.find((q: Json) => (port.name !== undefined ? q.name === port.name : q.port === port.number));
  if (!p) throw new Error(`Service ${service} has no port ${JSON.stringify(port)}`);
  return p.port;
}

/** An Ingress that refuses metrics paths to every client (the metrics refusal), not a route. */
const refusal = (ingress: Json): boolean => ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/denylist-source-range'] === '0.0.0.0/0,::/0';

/** The request paths each rendering refuses (metrics), as `host path`. */
function refusedPaths(objects: Json[]): string[] {
  const nginx = objects
    .filter((o) => o.kind === 'Ingress' && refusal(o))
    .flatMap((i) => i.spec.rules.flatMap((r: Json) => r.http.paths.map((p: Json) => `${r.host} ${p.path}`)));
  const gateway = objects
    .filter((o) => o.kind === 'HTTPRoute')
    .flatMap((route) =>
      route.spec.rules
        .filter((rule: Json) => !rule.backendRefs && !rule.filters)
        .flatMap((rule: Json) => route.spec.hostnames.flatMap((h: string) => rule.matches.map((m: Json) => `${h} ${m.path.value}`))),
    );
  return [...nginx, ...gateway].sort();
}

/** The route table of Ingress objects (ingress-nginx annotations and custom-headers ConfigMaps). */
function nginxTable(objects: Json[], app: App): RouteRow[] {
  const gzip = platformRequirements(app).some((r) => r.component === 'ingress-nginx' && r.settings?.['use-gzip']?.includes('true'));
  const tlsHosts = new Set(objects.filter((o) => o.kind === 'Ingress').flatMap((i) => (i.spec.tls ?? []).flatMap((t: Json) => t.hosts)));
  return objects
    .filter((o) => o.kind === 'Ingress' && !refusal(o))
    .flatMap((ingress) => {
      const a = (name: string): string | undefined => ingress.metadata.annotations?.[`nginx.ingress.kubernetes.io/${name}`];
      const num = (name: string) => (a(name) === undefined ? undefined : Number(a(name)));
      const headersRef = a('custom-headers');
      const headers = headersRef ? objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === headersRef.split('/')[1])!.data : {};
      const rps = a('limit-rps');
      const rpm = a('limit-rpm');
      const upstream = a('proxy-next-upstream');
      return ingress.spec.rules.flatMap((rule: Json) =>
        rule.http.paths.map((p: Json): RouteRow => ({
          host: rule.host,
          path: p.path,
          match: p.pathType,
          service: p.backend.service.name,
          port: servicePort(objects, p.backend.service.name, { name: p.backend.service.port.name }),
          https: tlsHosts.has(rule.host),
          redirect: a('ssl-redirect') === 'true',
          rateLimit: rps ? `${rps}/second` : rpm ? `${rpm}/minute` : undefined,
          timeouts: { connect: num('proxy-connect-timeout'), read: num('proxy-read-timeout'), send: num('proxy-send-timeout') },
          retry: upstream
            ? {
                attempts: Number(a('proxy-next-upstream-tries')) - 1,
                statuses: upstream
                  .split(' ')
                  .filter((t) => t.startsWith('http_'))
                  .map((t) => Number(t.slice(5))),
              }
            : undefined,
          headers,
          compression: gzip,
        })),
      );
    });
}

/** The route table of HTTPRoutes and the Envoy Gateway BackendTrafficPolicies that target them. */
function gatewayTable(objects: Json[]): RouteRow[] {
  const gateway = objects.find((o) => o.kind === 'Gateway');
  const httpsHosts = new Set((gateway?.spec.listeners ?? []).filter((l: Json) => l.protocol === 'HTTPS').map((l: Json) => l.hostname));
  const redirected = new Set(
    objects
      .filter(
        (o) =>
          o.kind === 'HTTPRoute' &&
          o.spec.rules.some((r: Json) => r.filters?.some((f: Json) => f.type === 'RequestRedirect' && f.requestRedirect.scheme === 'https')),
      )
      .flatMap((o) => o.spec.hostnames),
  );
  const policies = objects.filter((o) => o.kind === 'BackendTrafficPolicy');
  const policyOf = (route: string, rule: string): Json =>
    policies.find((p) =>
      p.spec.targetRefs.some((t: Json) => t.kind === 'HTTPRoute' && t.name === route && (t.sectionName === undefined || t.sectionName === rule)),
    )?.spec ?? {};
  const seconds = (d: string | undefined) => (d === undefined ? undefined : Number(d.replace(/s$/, '')));
  return objects
    .filter((o) => o.kind === 'HTTPRoute')
    .flatMap((route) =>
      route.spec.rules
        .filter((rule: Json) => rule.backendRefs)
        .flatMap((rule: Json) =>
          route.spec.hostnames.map((host: string): RouteRow => {
            const spec = policyOf(route.metadata.name, rule.name);
            const limit = spec.rateLimit?.local?.rules?.[0]?.limit;
            const idle = seconds(spec.timeout?.http?.streamIdleTimeout);
            const headerFilter = (rule.filters ?? []).find((f: Json) => f.type === 'ResponseHeaderModifier');
            return {
              host,
              path: rule.matches[0].path.value,
              match: rule.matches[0].path.type === 'PathPrefix' ? 'Prefix' : rule.matches[0].path.type,
              service: rule.backendRefs[0].name,
              port: servicePort(objects, rule.backendRefs[0].name, { number: rule.backendRefs[0].port }),
              https: httpsHosts.has(host),
              redirect: redirected.has(host),
              rateLimit: limit ? `${limit.requests}/${limit.unit.toLowerCase()}` : undefined,
              timeouts: { connect: seconds(spec.timeout?.tcp?.connectTimeout), read: idle, send: idle },
              retry: spec.retry ? { attempts: spec.retry.numRetries, statuses: spec.retry.retryOn.httpStatusCodes } : undefined,
              headers: Object.fromEntries((headerFilter?.responseHeaderModifier.set ?? []).map((h: Json) => [h.name, h.value])),
              compression: (spec.compressor ?? []).some((c: Json) => c.type === 'Gzip'),
            };
          }),
        ),
    );
}

const sortRows = (rows: RouteRow[]) => [...rows].sort((a, b) => `${a.host}${a.path}`.localeCompare(`${b.host}${b.path}`));

describe.each([
  ['loopi', (scope: Construct, env: Environment) => new LoopiChart(scope, env)],
  ['capibara6', (scope: Construct, env: Environment) => new Capibara6Chart(scope, env)],
] as const)('%s: ingress-nginx and Envoy Gateway renderings are equivalent', (system, make) => {
  const envName: EnvironmentName = 'staging';
  const nginxEnv = ENVIRONMENTS[envName];
  const gatewayEnv = withEdge(nginxEnv, GATEWAY_EDGE);
  const nginx = render(make, nginxEnv);
  const gateway = render(make, gatewayEnv);
  const nginxRows = sortRows(nginxTable(nginx.objects, nginx.app));
  const gatewayRows = sortRows(gatewayTable(gateway.objects));

  test('the repository moves it with one line: SYSTEM_EDGES names the Gateway edge for staging only', () => {
    expect(SYSTEM_EDGES[system]).toEqual({ staging: GATEWAY_EDGE });
    expect(nginx.objects.filter((o) => o.kind === 'HTTPRoute')).toEqual([]);
    expect(gateway.objects.filter((o) => o.kind === 'Ingress')).toEqual([]);
  });

  test('both refuse the same metrics paths', () => {
    const refused = refusedPaths(nginx.objects);
    expect(refused.length).toBeGreaterThan(0);
    expect(refusedPaths(gateway.objects)).toEqual(refused);
  });

  test('same hosts, paths, Services and ports, HTTPS and redirect, limits, timeouts, retries, headers and compression', () => {
    expect(nginxRows.length).toBeGreaterThan(0);
    expect(gatewayRows).toEqual(nginxRows);
  });

  test('the same Workloads are reachable, and only from the serving edge', () => {
    const peersOf = (objects: Json[]) =>
      objects
        .filter((o) => o.kind === 'NetworkPolicy' && o.spec.ingress)
        .flatMap((p) =>
          p.spec.ingress.flatMap((rule: Json) =>
            (rule.from ?? []).map((peer: Json) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']),
          ),
        );
    expect(peersOf(nginx.objects)).toContain('ingress-nginx');
    expect(peersOf(nginx.objects)).not.toContain('envoy-gateway-system');
    expect(peersOf(gateway.objects)).toContain('envoy-gateway-system');
    expect(peersOf(gateway.objects)).not.toContain('ingress-nginx');
  });
});

test("Loopi's one difference, stated in its chart: Envoy Gateway's local rate limit has no burst", () => {
  const nginx = render((s, e) => new LoopiChart(s, e), ENVIRONMENTS.staging);
  const ingress = nginx.objects.find((o) => o.kind === 'Ingress' && o.metadata.name === 'public')!;
  expect(ingress.metadata.annotations['nginx.ingress.kubernetes.io/limit-burst-multiplier']).toBe('2');
  const gateway = render((s, e) => new LoopiChart(s, e), withEdge(ENVIRONMENTS.staging, GATEWAY_EDGE));
  const policy = gateway.objects.find((o) => o.kind === 'BackendTrafficPolicy')!;
  expect(policy.spec.rateLimit.local.rules.map((r: Json) => r.limit)).toEqual([
    { requests: 10, unit: 'Second' },
    { requests: 10, unit: 'Second' },
  ]);
});
