import { EnvironmentName, Environment, environmentPresets } from 'cdk8s-stacks';

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
