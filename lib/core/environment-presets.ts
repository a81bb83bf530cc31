import { Environment, EnvironmentName, EnvironmentProps, ENVIRONMENT_NAMES, MonitoringSettings, PerEnvironment } from './environment';
import type { PlatformProps } from './platform';
import { issue, SynthesisError } from './validation';
import { Duration } from './duration';

/** What a preset fixes for one environment: everything but the cluster profile. */
export type EnvironmentPreset = Omit<EnvironmentProps, 'platform'>;

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
    monitoring: { alertFor: Duration.minutes(15), severities: { critical: 'warning', warning: 'info' } },
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
    monitoring: { alertFor: Duration.minutes(10), severities: { critical: 'warning', warning: 'warning' } },
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
    monitoring: { alertFor: Duration.minutes(5), severities: { critical: 'critical', warning: 'warning' } },
  },
};

/** The cluster values the presets leave open. */
export interface EnvironmentPresetOptions {
  /**
   * The cluster profile of each environment (one cluster per environment, or the same
   * profile for several): `{ dev: demoPlatform(), staging: {...}, prod: {...} }` or
   * `{ default: {...}, dev: demoPlatform() }`.
   */
  readonly platform: PerEnvironment<PlatformProps>;
  /**
   * Alert timing, severities and scrape interval for every environment, over the presets' own
   * (`overrides` still win). @default - the presets' values
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
  const platform = (options as Partial<EnvironmentPresetOptions> | undefined)?.platform as Record<string, unknown> | undefined;
  const missing = ENVIRONMENT_NAMES.filter(
    (name) => typeof platform !== 'object' || platform === null || (platform[name] ?? platform.default) === undefined,
  );
  if (missing.length > 0) {
    throw new SynthesisError([
      issue(
        'environment.presets.profile-missing',
        'environmentPresets',
        `platform: no cluster profile for ${missing.join(', ')}; give { dev, staging, prod } or a default (see demoPlatform() for dev)`,
      ),
    ]);
  }
  const make = (name: EnvironmentName): Environment => {
    const preset = ENVIRONMENT_PRESETS[name];
    const override = options.overrides?.[name] ?? {};
    return new Environment({
      ...preset,
      platform: (platform![name] ?? platform!.default) as PlatformProps,
      ...override,
      monitoring: { ...preset.monitoring, ...options.monitoring, ...override.monitoring } as MonitoringSettings,
      name,
    });
  };
  return { dev: make('dev'), staging: make('staging'), prod: make('prod') };
}
