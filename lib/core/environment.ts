/**
 * Environments (dev, staging, prod) as typed values, and a helper that lets a chart
 * pick a value per environment without if/else chains.
 */

export type EnvironmentName = 'dev' | 'staging' | 'prod';

export const ENVIRONMENT_NAMES: readonly EnvironmentName[] = ['dev', 'staging', 'prod'];

/**
 * A value per environment: either all three spelled out, or a `default` with overrides.
 * @example env.pick({ dev: 1, staging: 2, prod: 3 })
 * @example env.pick({ default: '1Gi', prod: '50Gi' })
 */
export type PerEnvironment<T> =
  | { readonly dev: T; readonly staging: T; readonly prod: T }
  | ({ readonly default: T } & { readonly [K in EnvironmentName]?: T });

/** CPU and memory for one container. Quantities use Kubernetes notation (`250m`, `512Mi`). */
export interface ResourceAmounts {
  readonly cpu: string;
  readonly memory: string;
  /** Local disk for logs, the writable layer and emptyDirs. @default requests 64Mi, limits 1Gi */
  readonly ephemeralStorage?: string;
}

/** Requests and limits for one container. */
export interface ResourceProfile {
  readonly requests: ResourceAmounts;
  readonly limits: ResourceAmounts;
}

/** How TLS certificates are obtained in an environment. */
export type TlsMode =
  /** Let's Encrypt production ACME endpoint. */
  | 'acme-production'
  /** Let's Encrypt staging ACME endpoint (untrusted certificates, generous rate limits). */
  | 'acme-staging'
  /** A self-signed issuer in the cluster (dev). */
  | 'self-signed'
  /** No TLS at all. */
  | 'none';

import type { SecretBackend } from './secret-backend';

/** Where Argo CD reads the synthesized manifests from. */
export interface GitOpsSource {
  /** Git repository URL Argo CD clones. */
  readonly repoURL: string;
  /** Branch, tag or commit Argo CD follows. */
  readonly targetRevision: string;
  /** Folder of the repository that holds `dist/`. @default 'dist' */
  readonly distPath?: string;
}

export interface EnvironmentProps {
  readonly name: EnvironmentName;
  /** Replicas of a stateless service when the chart does not say otherwise. */
  readonly defaultReplicas: number;
  /** Container resources when the chart does not say otherwise. */
  readonly defaultResources: ResourceProfile;
  /** Storage class for persistent volumes. @default - the cluster's default storage class */
  readonly storageClassName?: string;
  /** How certificates are issued. */
  readonly tls: TlsMode;
  /** Default schedule of backups, as a cron expression (UTC). */
  readonly backupSchedule: string;
  /** How many backups are kept. */
  readonly backupRetention: number;
  /** Where Argo CD finds this environment's manifests. */
  readonly gitops: GitOpsSource;
  /** Whether images must be pinned to a version tag or digest (never `latest` or untagged). */
  readonly requirePinnedImages: boolean;
  /** Whether every container must declare requests and limits explicitly. */
  readonly requireExplicitResources: boolean;
  /** Where secrets come from. */
  readonly secrets: SecretBackend;
  /** How the cluster's Prometheus and Grafana find what the systems generate, and how loud alerts are. @default - see MonitoringSettings */
  readonly monitoring?: MonitoringSettings;
}

/**
 * The cluster's monitoring stack, as the generated ServiceMonitors, PrometheusRules,
 * dashboards and NetworkPolicies must see it. The defaults match a kube-prometheus-stack
 * release named `prometheus` in the `monitoring` namespace.
 */
export interface MonitoringSettings {
  /** Labels Prometheus's `serviceMonitorSelector` matches. @default { release: 'prometheus' } */
  readonly serviceMonitorLabels?: Readonly<Record<string, string>>;
  /** Labels Prometheus's `ruleSelector` matches. @default { release: 'prometheus' } */
  readonly ruleLabels?: Readonly<Record<string, string>>;
  /** Labels the Grafana dashboard sidecar watches ConfigMaps for. @default { grafana_dashboard: '1' } */
  readonly dashboardLabels?: Readonly<Record<string, string>>;
  /** Namespace Prometheus runs in (allowed to reach the metrics ports). @default 'monitoring' */
  readonly prometheusNamespace?: string;
  /** Labels of the Prometheus pods. @default { 'app.kubernetes.io/name': 'prometheus' } */
  readonly prometheusPodLabels?: Readonly<Record<string, string>>;
  /** Scrape interval when a metrics declaration does not set one. @default '30s' */
  readonly scrapeInterval?: string;
  /** How long a condition must hold before an alert fires. @default '5m' */
  readonly alertFor?: string;
  /**
   * The `severity` label of alerts that need someone now (`critical`) and of those that
   * can wait for working hours (`warning`); lower them where nobody is paged (dev).
   * @default { critical: 'critical', warning: 'warning' }
   */
  readonly severities?: { readonly critical: string; readonly warning: string };
}

/** MonitoringSettings with every default applied. */
export type ResolvedMonitoringSettings = { readonly [K in keyof MonitoringSettings]-?: NonNullable<MonitoringSettings[K]> };

export const DEFAULT_MONITORING: ResolvedMonitoringSettings = {
  serviceMonitorLabels: { release: 'prometheus' },
  ruleLabels: { release: 'prometheus' },
  dashboardLabels: { grafana_dashboard: '1' },
  prometheusNamespace: 'monitoring',
  prometheusPodLabels: { 'app.kubernetes.io/name': 'prometheus' },
  scrapeInterval: '30s',
  alertFor: '5m',
  severities: { critical: 'critical', warning: 'warning' },
};

export class Environment {
  public readonly name: EnvironmentName;
  public readonly defaultReplicas: number;
  public readonly defaultResources: ResourceProfile;
  public readonly storageClassName?: string;
  public readonly tls: TlsMode;
  public readonly backupSchedule: string;
  public readonly backupRetention: number;
  public readonly gitops: Required<GitOpsSource>;
  public readonly requirePinnedImages: boolean;
  public readonly requireExplicitResources: boolean;
  public readonly secrets: SecretBackend;
  public readonly monitoring: ResolvedMonitoringSettings;

  constructor(props: EnvironmentProps) {
    this.name = props.name;
    this.defaultReplicas = props.defaultReplicas;
    this.defaultResources = props.defaultResources;
    this.storageClassName = props.storageClassName;
    this.tls = props.tls;
    this.backupSchedule = props.backupSchedule;
    this.backupRetention = props.backupRetention;
    this.gitops = { distPath: 'dist', ...props.gitops };
    this.requirePinnedImages = props.requirePinnedImages;
    this.requireExplicitResources = props.requireExplicitResources;
    this.secrets = props.secrets;
    // Fields left undefined keep their defaults.
    const monitoring = Object.entries(props.monitoring ?? {}).filter(([, value]) => value !== undefined);
    this.monitoring = { ...DEFAULT_MONITORING, ...Object.fromEntries(monitoring) };
  }

  /** True for production. */
  public get isProduction(): boolean {
    return this.name === 'prod';
  }

  /** The value for this environment. */
  public pick<T>(values: PerEnvironment<T>): T {
    const own = (values as { readonly [K in EnvironmentName]?: T })[this.name];
    if (own !== undefined) return own;
    if ('default' in values) return values.default;
    // Unreachable through the types; kept for JavaScript callers.
    throw new Error(`no value for environment '${this.name}' and no default`);
  }
}
