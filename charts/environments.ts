import {
  DEFAULT_ENVOY_GATEWAY_DATA_PLANE,
  DEFAULT_INGRESS_NGINX,
  DEFAULT_TRAEFIK,
  EdgeProfile,
  EnvironmentName,
  Environment,
  environmentPresets,
} from 'cdk8s-stacks';

/**
 * The three environments, in one place: the library's presets (replicas, resources, TLS,
 * backups, image and resource rules, alert timing) with this organisation's cluster values.
 * Charts read these values (or pick their own per environment with `env.pick`); nothing else
 * in the repository knows what makes dev, staging and prod different.
 */

const GITOPS_REPO = 'https://git.example.com/platform/cdk8s-stacks.git';
const VAULT = { kind: 'vault', server: 'https://vault.example.com:8200', path: 'secret' } as const;
// The cluster's kube-prometheus-stack (release `prometheus` in `monitoring`) selects
// ServiceMonitors and PrometheusRules by `release`; Grafana's sidecar loads dashboards.
const MONITORING = {
  serviceMonitorLabels: { release: 'prometheus' },
  ruleLabels: { release: 'prometheus' },
  dashboardLabels: { grafana_dashboard: '1' },
} as const;

export const ENVIRONMENTS: Record<EnvironmentName, Environment> = environmentPresets({
  gitops: { repoURL: GITOPS_REPO, targetRevision: 'main' },
  secrets: VAULT,
  monitoring: MONITORING,
});

/**
 * The cluster's Gateway API edge: Envoy Gateway (its Helm chart's defaults: data plane in
 * `envoy-gateway-system`, GatewayClass `eg`), beside ingress-nginx and Traefik. ingress-nginx
 * was retired in March 2026; systems move to the Gateway API one environment at a time.
 */
export const GATEWAY_EDGE: EdgeProfile = {
  default: 'gateway',
  ingressNginx: DEFAULT_INGRESS_NGINX,
  traefik: DEFAULT_TRAEFIK,
  gateway: { implementation: 'envoy-gateway', dataPlane: DEFAULT_ENVOY_GATEWAY_DATA_PLANE },
};

/**
 * Where a system's edge differs from its environment's: the one line that moves a system
 * (Loopi and capibara6 are served by Envoy Gateway in staging; their seeds' ingress-nginx stays
 * in dev and prod until the move is proven there).
 */
export const SYSTEM_EDGES: Readonly<Record<string, Partial<Record<EnvironmentName, EdgeProfile>>>> = {
  loopi: { staging: GATEWAY_EDGE },
  capibara6: { staging: GATEWAY_EDGE },
};

/** The environment a system is synthesized for: `env`, with the system's own edge when SYSTEM_EDGES names one. */
export function environmentFor(system: string, env: Environment): Environment {
  const edge = SYSTEM_EDGES[system]?.[env.name];
  return edge ? withEdge(env, edge) : env;
}

/** `env` with another edge in its cluster profile (everything else unchanged). */
export function withEdge(env: Environment, edge: EdgeProfile): Environment {
  return new Environment({ ...env, gitops: env.gitops, platform: { ...env.platform.props, edge } });
}
