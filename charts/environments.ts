import { EnvironmentName, Environment, environmentPresets, PlatformProps } from 'cdk8s-stacks';

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

const PLATFORMS: Record<EnvironmentName, PlatformProps> = {
  // dev: secrets generated in the cluster, images from the dev registry, the cluster's default storage class.
  dev: { gitops: GITOPS, secrets: { kind: 'generated' }, registry: { host: 'registry.dev.stackworks.io' }, ...MONITORING },
  staging: {
    gitops: GITOPS,
    secrets: VAULT,
    registry: { host: 'registry.stackworks.io' },
    storage: { defaultClass: 'ssd' },
    ...MONITORING,
  },
  prod: {
    gitops: GITOPS,
    secrets: VAULT,
    registry: { host: 'registry.stackworks.io' },
    storage: { defaultClass: 'ssd-retain' },
    ...MONITORING,
  },
};

export const ENVIRONMENTS: Record<EnvironmentName, Environment> = environmentPresets({ platform: PLATFORMS });
