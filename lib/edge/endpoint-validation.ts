/**
 * The checks of a PublicEndpoint that hold on every edge: hosts, routes, backends, TLS and the
 * edge policy, with the edge's own checks asked of its renderer (`IEdgeRenderer.validate*`)
 * at the point where they belong.
 */
import { ApiObject } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { ObjectStore } from '../data/minio';
import { StatefulStore } from '../data/stateful-store';
import { describeValue } from '../core/describe-value';
import { checkDnsLabel, checkDnsSubdomain } from '../core/naming';
import type { ValidationReport } from '../core/validation';
import type { Workload } from '../workloads/workload';
import { checkIssuerScope } from './certificate';
import type { EdgeEndpoint, IEdgeRenderer } from './edge-renderer';
import { checkEdgePolicy, PolicyTarget } from './edge-policy';
import { controllerPodsOf, GATEWAY_IMPLEMENTATION_NAMES } from './ingress-controller';
import { checkIssuerForEnvironment } from './issuer';
import { checkMetricsRoutes } from './metrics-exposure';
import { captureGroups, checkIngressHost, checkRegexPath, referencedGroups } from './names';
import { fieldOf, previewServiceOf, ResolvedRoute, RouteProps, routeKey, sameIngressPath } from './route-resolution';

/** What the checks read beside the resolved endpoint. */
export interface EndpointCheckInput {
  readonly props: RouteProps & { readonly controllerPeer?: unknown; readonly allowEnvironmentMismatch?: boolean };
  readonly endpoint: EdgeEndpoint;
  readonly renderer: IEdgeRenderer;
  /** The other endpoints of the chart, by construct path, with their routes. */
  readonly others: ReadonlyArray<{ readonly path: string; readonly routes: readonly ResolvedRoute[] }>;
}

export function validateEndpoint(report: ValidationReport, input: EndpointCheckInput): void {
  const { props: p, endpoint, renderer } = input;
  const { resolved } = endpoint;
  const nameReason = checkDnsLabel(endpoint.name, 40);
  if (nameReason) report.error('endpoint-validation.id', 'id', `'${endpoint.name}' ${nameReason} (it names the Ingress and its objects)`);
  const shorthand = p.host !== undefined || p.backend !== undefined;
  if (shorthand && p.hosts !== undefined)
    report.error('endpoint-validation.hosts.set-either', 'hosts', 'set either hosts, or host and backend, not both');
  else if (shorthand && (p.host === undefined || p.backend === undefined))
    report.error('endpoint-validation.value.host-backend', p.host === undefined ? 'host' : 'backend', 'host and backend go together');
  else if (!shorthand && (p.hosts ?? []).length === 0)
    report.error('endpoint-validation.hosts.endpoint-needs', 'hosts', 'an endpoint needs at least one host with a route');
  (p.hosts ?? []).forEach((h, i) => {
    if ((h.routes ?? []).length === 0) report.error('endpoint-validation.hosts.routes', `hosts[${i}].routes`, `host '${h.host}' has no routes`);
  });
  const hostFields = new Map<string, string>();
  if (shorthand && p.host !== undefined) hostFields.set(p.host, 'host');
  (p.hosts ?? []).forEach((h, i) => {
    if (!hostFields.has(h.host)) hostFields.set(h.host, `hosts[${i}].host`);
  });
  for (const [host, field] of hostFields) {
    const reason = typeof host === 'string' ? checkIngressHost(host) : `must be a host name string (is ${host === null ? 'null' : typeof host})`;
    if (reason) report.error('endpoint-validation.value.invalid', field, `'${host}' ${reason}`);
    else if (resolved.tlsHosts.includes(host)) {
      // The Secret (and cert-manager's Certificate) is named after the host: it must be a valid name too.
      const secretName = endpoint.tlsSecretName(host);
      const secretReason = checkDnsSubdomain(secretName);
      if (secretReason)
        report.error(
          'endpoint-validation.value.tls-secret',
          field,
          `'${host}' gives the TLS Secret name '${secretName}', which ${secretReason}; use a shorter host or endpoint id`,
        );
    }
  }

  const seen = new Map<string, ResolvedRoute>();
  for (const route of resolved.routes) {
    validateRoute(report, route, endpoint, renderer);
    const key = routeKey(route);
    const first = seen.get(key);
    if (first)
      report.error(
        'endpoint-validation.value.already-routed',
        fieldOf(route, 'path'),
        `'${route.path}' on '${route.host}' is already routed by ${fieldOf(first, 'path')}${sameIngressPath(first, route)}`,
      );
    else seen.set(key, route);
  }
  for (const other of input.others) {
    for (const route of resolved.routes) {
      const clash = other.routes.find((r) => routeKey(r) === routeKey(route));
      if (clash)
        report.error(
          'endpoint-validation.value.also-routed',
          fieldOf(route, 'path'),
          `'${route.path}' on '${route.host}' is also routed by ${other.path} (${fieldOf(clash, 'path')}); a host and path can have one backend`,
        );
    }
  }
  checkMetricsRoutes(report, resolved.routes);

  validateTls(report, input);
  const target: PolicyTarget = { controller: renderer.controller, implementation: renderer.gatewayImplementation };
  checkEdgePolicy(report, p.policy ?? {}, target);
  for (const route of resolved.routes) if (route.policyField !== 'policy') checkEdgePolicy(report, route.policy, target, route.policyField);
  renderer.validateProps(report);
  validateAgainstProfile(report, input);
  renderer.validateEndpoint(report, endpoint);
}

/** The endpoint must use an edge the cluster profile runs, the way the profile says it runs. */
function validateAgainstProfile(report: ValidationReport, input: EndpointCheckInput): void {
  const { renderer, endpoint } = input;
  const edge = endpoint.chart.environment?.platform?.edge;
  if (!edge) return;
  const field = renderer.profile.field;
  const running = [
    ...(edge.ingressNginx ? ['ingress-nginx'] : []),
    ...(edge.traefik ? ['traefik'] : []),
    ...(edge.gateway ? [`gateway (${GATEWAY_IMPLEMENTATION_NAMES[edge.gateway.implementation]})`] : []),
  ];
  const pods = controllerPodsOf(edge, renderer.controller);
  if (!pods) {
    report.error(
      'endpoint-validation.controller.cluster-profile',
      'controller',
      `'${renderer.controller}': the cluster profile of ${endpoint.chart.environment.name} runs no such edge (${field} is not set; it runs ${running.join(', ') || 'none'}); use one of those, or add ${field} to the profile`,
    );
    return;
  }
  if (
    input.props.controllerPeer === undefined &&
    (typeof pods.podLabels !== 'object' || pods.podLabels === null || Object.keys(pods.podLabels).length === 0)
  )
    report.error(
      'endpoint-validation.controller.podlabels-empty',
      'controller',
      `${field}.${renderer.profile.podsField}.podLabels is empty: the NetworkPolicies would admit every pod of namespace '${pods.namespace}'; give the labels of the ${renderer.profile.pods} pods`,
    );
  renderer.validateAgainstProfile(report, edge, endpoint);
}

function validateRoute(report: ValidationReport, route: ResolvedRoute, endpoint: EdgeEndpoint, renderer: IEdgeRenderer): void {
  const chart = endpoint.chart;
  const backend = route.backend;
  if (!backend) {
    report.error('endpoint-validation.value.required-workload', fieldOf(route, 'backend'), 'required: the workload the route goes to');
    return;
  }
  if (route.preview !== undefined && typeof route.preview !== 'boolean')
    report.error('endpoint-validation.preview.type', fieldOf(route, 'preview'), `must be true or false (is ${typeof route.preview})`);
  else if (route.preview === true && previewServiceOf(backend) === undefined)
    report.error(
      'endpoint-validation.preview.no-preview-service',
      fieldOf(route, 'preview'),
      `${backend.node.path} has no preview Service: only a WebService released blue-green (rollout: { strategy: 'blueGreen' }) has one`,
    );
  if (route.match === 'Regex') {
    const reason = checkRegexPath(route.path);
    if (reason) report.error('endpoint-validation.value.2', fieldOf(route, 'path'), `'${route.path}' ${reason}`);
    else if (route.rewrite !== undefined) {
      const groups = captureGroups(route.path);
      const missing = referencedGroups(route.rewrite).filter((n) => n > groups);
      if (missing.length > 0)
        report.error(
          'endpoint-validation.value.refers-but',
          fieldOf(route, 'rewrite'),
          `'${route.rewrite}' refers to $${missing[0]}, but '${route.path}' has ${groups} capture group(s)`,
        );
    }
    renderer.validateRegexRoute(report, route);
  } else {
    const reason = renderer.checkLiteralPath(route.path);
    if (reason) report.error('endpoint-validation.value.3', fieldOf(route, 'path'), `'${route.path}' ${reason}`);
    if (route.rewrite !== undefined) {
      report.error(
        'endpoint-validation.value.rewrite-needs',
        fieldOf(route, 'rewrite'),
        `a rewrite needs match: 'Regex' (it substitutes the regex's capture groups); '${route.path}' is a ${route.match} path`,
      );
    }
  }
  if (route.rewrite !== undefined && !route.rewrite.startsWith('/'))
    report.error('endpoint-validation.value.start', fieldOf(route, 'rewrite'), `'${route.rewrite}' must start with '/'`);
  if (route.protocol === 'grpc') renderer.validateGrpcRoute(report, route, endpoint);
  else if (route.protocol !== 'http')
    report.error('endpoint-validation.value.http-grpc', fieldOf(route, 'protocol'), `${describeValue(route.protocol)} must be 'http' or 'grpc'`);

  if (!hasService(backend)) {
    report.error(
      'endpoint-validation.value.service-route',
      fieldOf(route, 'backend'),
      `${backend.node.path} has no Service to route to (a ${backend.constructor.name}); only workloads with a Service, such as a WebService, can serve an endpoint`,
    );
  } else if (!route.port) {
    const declared = backend.ports.map((q) => q.name);
    report.error(
      'endpoint-validation.value.4',
      fieldOf(route, 'port'),
      route.portName === undefined
        ? `${backend.node.path} declares no port`
        : `'${route.portName}' is not a port of ${backend.node.path} (its ports: ${declared.join(', ') || 'none'})`,
    );
  }
  const dataPort = backend instanceof StatefulStore ? storeDataPort(backend) : undefined;
  if (route.port && dataPort !== undefined && route.port.port === dataPort) {
    // The edge forwards whatever arrives: the store's own protocol, with its accounts, on the internet.
    report.error(
      'endpoint-validation.value.data-store',
      fieldOf(route, 'backend'),
      `${backend.node.path} is a data store and '${route.port.name}' (${dataPort}) its data port, which an endpoint would open to the internet ` +
        `with the store's own accounts and no way to restrict what they do; ${
          backend instanceof ObjectStore
            ? 'route public reads of a bucket to an ObjectStoreGateway (GET and HEAD of one bucket, anonymous) instead'
            : 'route the endpoint to the application that uses the store, which connect()s to it inside the namespace'
        }`,
    );
  }
  if (backend.namespaceName !== chart.namespaceName) {
    report.error(
      'endpoint-validation.value.namespace-routes',
      fieldOf(route, 'backend'),
      `${backend.node.path} is in namespace '${backend.namespaceName}'; an ${renderer.objectKind} routes only to Services of its own namespace ('${chart.namespaceName}')`,
    );
  }
}

function validateTls(report: ValidationReport, input: EndpointCheckInput): void {
  const { props: p, endpoint, renderer } = input;
  const env = endpoint.chart.environment;
  const { hosts, tlsHosts } = endpoint.resolved;
  if (p.tls === undefined) {
    if (env.tls !== 'none') {
      report.error(
        'endpoint-validation.tls',
        'tls',
        `required in ${env.name} (environment tls: '${env.tls}'): pass { issuer } (see issuerForEnvironment), or tls: false to serve plain HTTP deliberately`,
      );
    }
    return;
  }
  if (p.tls === false) return;
  const issuer = p.tls.issuer;
  if (!issuer) {
    report.error('endpoint-validation.tls.issuer.required-issuer', 'tls.issuer', 'required: the issuer of the certificates');
    return;
  }
  (p.tls.hosts ?? []).forEach((host, i) => {
    if (!hosts.includes(host))
      report.error(
        'endpoint-validation.tls.hosts',
        `tls.hosts[${i}]`,
        `'${host}' is not a host of this endpoint (hosts: ${hosts.join(', ')}); a certificate for it would never be served`,
      );
  });
  checkIssuerScope(report, 'tls.issuer', issuer, endpoint.chart.namespaceName);
  checkIssuerForEnvironment(report, 'tls.issuer', issuer, env, { allowMismatch: p.allowEnvironmentMismatch, publicEndpoint: true });
  const acme = issuer.trust === 'acme-production' || issuer.trust === 'acme-staging';
  if (acme && issuer.issuesWildcards === false) {
    const wildcards = tlsHosts.filter((h) => h.startsWith('*.'));
    if (wildcards.length > 0)
      report.error(
        'endpoint-validation.tls.issuer.answers-http',
        'tls.issuer',
        `${issuer.describe} answers HTTP-01 challenges only, and ACME issues wildcard names (${wildcards.join(', ')}) through DNS-01 only; give the issuer a dns01 solver`,
      );
  }
  renderer.validateSolver(report, endpoint);
}

/** The port clients of a store connect to (undefined when the store's own checks refuse its props). */
function storeDataPort(store: StatefulStore): number | undefined {
  try {
    return store.connectionInfo().port;
  } catch {
    return undefined;
  }
}

/** A workload has a Service to route to when it owns one named after itself (a WebService does). */
export function hasService(workload: Workload): boolean {
  return workload.node.findAll().some((c: IConstruct) => c instanceof ApiObject && c.kind === 'Service' && c.name === workload.name);
}
