import {
  DEFAULT_ENVOY_GATEWAY_DATA_PLANE,
  DEFAULT_INGRESS_NGINX,
  DEFAULT_TRAEFIK,
  EdgeProfile,
  EnvironmentName,
  Environment,
  environmentPresets,
  PlatformProps,
} from 'cdk8s-stacks';

/**
 * The three environments, in one place: the library's presets (replicas, resources, TLS,
 * backups, image and resource rules, alert timing) with the cluster profile of each
 * environment (where Argo CD reads dist/ from, the secret backend, the image registry, the
 * storage class, the monitoring stack). Charts read these values (or pick their own per
 * environment with `env.pick`); nothing else in the repository knows what makes dev,
 * staging and prod different, or what runs in their clusters.
 */

/** This repository: Argo CD syncs every environment's folder of dist/ from `main`. */
const GITOPS = { repoURL: 'https://github.com/stackworks/cdk8s-stacks.git', targetRevision: 'main' } as const;

/**
 * The clusters' kube-prometheus-stack (release `prometheus` in `monitoring`): its Prometheus
 * selects ServiceMonitors and PrometheusRules by `release`, Grafana's sidecar loads
 * dashboards labelled `grafana_dashboard: "1"` from every namespace.
 */
const MONITORING = {
  prometheus: {
    pods: { namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } },
    serviceMonitorLabels: { release: 'prometheus' },
    ruleLabels: { release: 'prometheus' },
  },
  grafana: { namespace: 'monitoring', dashboardLabels: { grafana_dashboard: '1' } },
} as const;

/**
 * Staging and prod read secrets from the platform's Vault (KV v2 at `secret`), each system
 * with its own Kubernetes auth role `<system>-<env>` and entries `<system>/<env>/<secret>`.
 */
const VAULT = {
  kind: 'vault',
  server: 'https://vault.stackworks.io:8200',
  path: 'secret',
  authMountPath: 'kubernetes',
  roleName: '{system}-{env}',
  keyPath: '{system}/{env}/{secret}',
} as const;

/** The Ingress controllers every environment's cluster runs (ingress-nginx for four systems, Traefik for feature-models). */
const INGRESS_EDGE: EdgeProfile = { default: 'ingress-nginx', ingressNginx: DEFAULT_INGRESS_NGINX, traefik: DEFAULT_TRAEFIK };

/*
 * Storage: staging's `ssd` and prod's `ssd-retain` (volumes kept when their claim is deleted)
 * are the clusters' own classes, made with the cluster by its provider's CSI driver, so the
 * profile declares them preinstalled (the gitops suite checks that they exist before the first
 * sync); a class the platform layer should create names its provisioner instead.
 */
const PLATFORMS: Record<EnvironmentName, PlatformProps> = {
  // dev: secrets generated in the cluster, images from the dev registry, the cluster's default storage class.
  dev: { gitops: GITOPS, secrets: { kind: 'generated' }, registry: { host: 'registry.dev.stackworks.io' }, edge: INGRESS_EDGE, ...MONITORING },
  staging: {
    gitops: GITOPS,
    secrets: VAULT,
    registry: { host: 'registry.stackworks.io' },
    storage: { defaultClass: 'ssd', classes: { ssd: { preinstalled: true } } },
    edge: INGRESS_EDGE,
    ...MONITORING,
  },
  prod: {
    gitops: GITOPS,
    secrets: VAULT,
    registry: { host: 'registry.stackworks.io' },
    storage: { defaultClass: 'ssd-retain', classes: { 'ssd-retain': { preinstalled: true } } },
    edge: INGRESS_EDGE,
    ...MONITORING,
  },
};

export const ENVIRONMENTS: Record<EnvironmentName, Environment> = environmentPresets({ platform: PLATFORMS });

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
  return new Environment({ ...env, platform: { ...env.platform.props, edge } });
}
