import { Environment, EnvironmentName } from '../lib';

/**
 * The three environments, in one place. Charts read these values (or pick their own
 * per environment with `env.pick`); nothing else in the repository knows what makes
 * dev, staging and prod different.
 */

const GITOPS_REPO = 'https://git.example.com/platform/cdk8s-stacks.git';
const VAULT = { kind: 'vault', server: 'https://vault.example.com:8200', path: 'secret' } as const;
// The cluster's kube-prometheus-stack (release `prometheus` in `monitoring`) selects
// ServiceMonitors and PrometheusRules by `release`; Grafana's sidecar loads dashboards.
const MONITORING = { serviceMonitorLabels: { release: 'prometheus' }, ruleLabels: { release: 'prometheus' }, dashboardLabels: { grafana_dashboard: '1' } } as const;

export const ENVIRONMENTS: Record<EnvironmentName, Environment> = {
  dev: new Environment({
    name: 'dev',
    defaultReplicas: 1,
    defaultResources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
    tls: 'self-signed',
    backupSchedule: '0 3 * * *',
    backupRetention: 3,
    gitops: { repoURL: GITOPS_REPO, targetRevision: 'main' },
    requirePinnedImages: false,
    requireExplicitResources: false,
    secrets: { kind: 'generated' },
    // Nobody is paged for dev: its "critical" alerts are warnings, and conditions must last longer.
    monitoring: { ...MONITORING, alertFor: '15m', severities: { critical: 'warning', warning: 'info' } },
  }),
  staging: new Environment({
    name: 'staging',
    defaultReplicas: 2,
    defaultResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    tls: 'acme-staging',
    backupSchedule: '0 2 * * *',
    backupRetention: 7,
    gitops: { repoURL: GITOPS_REPO, targetRevision: 'main' },
    requirePinnedImages: true,
    requireExplicitResources: false,
    secrets: VAULT,
    monitoring: { ...MONITORING, alertFor: '10m', severities: { critical: 'warning', warning: 'warning' } },
  }),
  prod: new Environment({
    name: 'prod',
    defaultReplicas: 3,
    defaultResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    tls: 'acme-production',
    backupSchedule: '0 2 * * *',
    backupRetention: 14,
    gitops: { repoURL: GITOPS_REPO, targetRevision: 'main' },
    requirePinnedImages: true,
    requireExplicitResources: true,
    secrets: VAULT,
    monitoring: { ...MONITORING, alertFor: '5m', severities: { critical: 'critical', warning: 'warning' } },
  }),
};
