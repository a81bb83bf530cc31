import { Environment, EnvironmentName, EnvironmentProps, GitOpsSource, MonitoringSettings } from './environment';
import { SynthesisError } from './validation';
import { SecretBackend } from './secret-backend';

/** What a preset fixes for one environment: everything but where the cluster's GitOps source and secrets live. */
export type EnvironmentPreset = Omit<EnvironmentProps, 'gitops' | 'secrets'>;

/**
 * The usual dev, staging and prod: one replica, self-signed TLS, relaxed image and resource
 * rules and non-paging alerts in dev; two replicas, Let's Encrypt staging and pinned images in
 * staging; three replicas, Let's Encrypt production, explicit resources and paging alerts in prod.
 */
export const ENVIRONMENT_PRESETS: Readonly<Record<EnvironmentName, EnvironmentPreset>> = {
  dev: {
    name: 'dev',
    defaultReplicas: 1,
    defaultResources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
    tls: 'self-signed',
    backupSchedule: '0 3 * * *',
    backupRetention: 3,
    requirePinnedImages: false,
    requireExplicitResources: false,
    // Nobody is paged for dev: its "critical" alerts are warnings, and conditions must last longer.
    monitoring: { alertFor: '15m', severities: { critical: 'warning', warning: 'info' } },
  },
  staging: {
    name: 'staging',
    defaultReplicas: 2,
    defaultResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    tls: 'acme-staging',
    backupSchedule: '0 2 * * *',
    backupRetention: 7,
    requirePinnedImages: true,
    requireExplicitResources: false,
    monitoring: { alertFor: '10m', severities: { critical: 'warning', warning: 'warning' } },
  },
  prod: {
    name: 'prod',
    defaultReplicas: 3,
    defaultResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    tls: 'acme-production',
    backupSchedule: '0 2 * * *',
    backupRetention: 14,
    requirePinnedImages: true,
    requireExplicitResources: true,
    monitoring: { alertFor: '5m', severities: { critical: 'critical', warning: 'warning' } },
  },
};

/** The cluster-specific values the presets leave open. */
export interface EnvironmentPresetOptions {
  /** The Git repository and branch Argo CD reads dist/ from (every environment). */
  readonly gitops: GitOpsSource;
  /**
   * Where secrets come from in staging and prod (dev always generates them in the cluster).
   * @default { kind: 'generated' }
   */
  readonly secrets?: SecretBackend;
  /**
   * The cluster's monitoring stack (selector labels, Prometheus namespace); merged under the
   * presets' alert timing and severities.
   * @default - a kube-prometheus-stack release named `prometheus` in `monitoring`
   */
  readonly monitoring?: MonitoringSettings;
  /**
   * Changes to a preset, per environment, applied last.
   * @default - none
   */
  readonly overrides?: { readonly [K in EnvironmentName]?: Partial<Omit<EnvironmentProps, 'name'>> };
}

/** dev, staging and prod from the presets and the cluster's own values. */
export function environmentPresets(options: EnvironmentPresetOptions): Record<EnvironmentName, Environment> {
  // Checked at run time: JavaScript callers and JSON-loaded options skip the type checker.
  const gitops = (options as Partial<EnvironmentPresetOptions> | undefined)?.gitops;
  if (typeof gitops?.repoURL !== 'string' || gitops.repoURL === '' || typeof gitops.targetRevision !== 'string' || gitops.targetRevision === '') {
    throw new SynthesisError([{ path: 'environmentPresets', message: 'gitops: repoURL and targetRevision must be non-empty strings' }]);
  }
  const make = (name: EnvironmentName): Environment => {
    const preset = ENVIRONMENT_PRESETS[name];
    const override = options.overrides?.[name] ?? {};
    return new Environment({
      ...preset,
      gitops,
      secrets: name === 'dev' ? { kind: 'generated' } : (options.secrets ?? { kind: 'generated' }),
      ...override,
      monitoring: { ...options.monitoring, ...preset.monitoring, ...override.monitoring },
      name,
    });
  };
  return { dev: make('dev'), staging: make('staging'), prod: make('prod') };
}
