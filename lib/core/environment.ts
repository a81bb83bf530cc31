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
  { readonly dev: T; readonly staging: T; readonly prod: T } | ({ readonly default: T } & { readonly [K in EnvironmentName]?: T });

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

import { Platform, PlatformProps } from './platform';
import { describeValue as describe } from './describe-value';
import { checkPlatform } from './platform-validation';
import { checkCronSchedule } from './cron';
import { checkQuantity } from './quantity';
import { ValidationReport } from './validation';
import { Duration, durationSeconds, formatSeconds } from './duration';

const TLS_MODES: readonly string[] = ['acme-production', 'acme-staging', 'self-signed', 'none'];

/** Props of earlier releases that are cluster facts now: where each lives in the profile. */
const MOVED_TO_PLATFORM: Readonly<Record<string, string>> = {
  gitops: 'platform.gitops',
  secrets: 'platform.secrets',
  storageClassName: 'platform.storage.defaultClass',
};

export type { GitOpsSource } from './platform';

export interface EnvironmentProps {
  readonly name: EnvironmentName;
  /** Replicas of a stateless service when the chart does not say otherwise. */
  readonly defaultReplicas: number;
  /** Container resources when the chart does not say otherwise. */
  readonly defaultResources: ResourceProfile;
  /** How certificates are issued. */
  readonly tls: TlsMode;
  /** Default schedule of backups, as a cron expression (UTC). */
  readonly backupSchedule: string;
  /** How many backups are kept. */
  readonly backupRetention: number;
  /** Whether images must be pinned to a version tag or digest (never `latest` or untagged). */
  readonly requirePinnedImages: boolean;
  /** Whether every container must declare requests and limits explicitly. */
  readonly requireExplicitResources: boolean;
  /**
   * How loud the generated alerts are and how often metrics are scraped. The resolved form is
   * accepted only as an Environment's own (`new Environment({ ...env, name })`).
   * @default - see MonitoringSettings
   */
  readonly monitoring?: MonitoringSettings | ResolvedMonitoringSettings;
  /**
   * The cluster profile: every fact about the target cluster (Git repository for Argo CD,
   * secret backend, edge controllers, DNS, Prometheus and Grafana, storage classes, image
   * registry). Checked at synth; in staging and prod no field may hold a placeholder.
   */
  readonly platform: PlatformProps | Platform;
}

/**
 * The environment's alerting policy: scrape interval, how long a condition must hold and
 * which severities page. Where the cluster's Prometheus and Grafana are, and which labels
 * they select, is part of the cluster profile (`platform.prometheus`, `platform.grafana`).
 */
export interface MonitoringSettings {
  /** Scrape interval when a metrics declaration does not set one. @default Duration.seconds(30) */
  readonly scrapeInterval?: Duration;
  /** How long a condition must hold before an alert fires. @default Duration.minutes(5) */
  readonly alertFor?: Duration;
  /**
   * The `severity` label of alerts that need someone now (`critical`) and of those that
   * can wait for working hours (`warning`); lower them where nobody is paged (dev).
   * @default { critical: 'critical', warning: 'warning' }
   */
  readonly severities?: { readonly critical: string; readonly warning: string };
}

/** MonitoringSettings with every default applied, the durations in Prometheus's spelling (`30s`, `5m`). */
export interface ResolvedMonitoringSettings {
  readonly scrapeInterval: string;
  readonly alertFor: string;
  readonly severities: { readonly critical: string; readonly warning: string };
}

/** The monitoring settings that are durations. */
const MONITORING_DURATIONS = ['scrapeInterval', 'alertFor'] as const;

/** Resolved settings, so that an Environment spread into new props (`{ ...env, name }`) keeps them. */
const RESOLVED_MONITORING = new WeakSet<object>();

export const DEFAULT_MONITORING: ResolvedMonitoringSettings = {
  scrapeInterval: '30s',
  alertFor: '5m',
  severities: { critical: 'critical', warning: 'warning' },
};

/** @sealed subclassing is not supported; its protected members are not API */
export class Environment {
  public readonly name: EnvironmentName;
  public readonly defaultReplicas: number;
  public readonly defaultResources: ResourceProfile;
  public readonly tls: TlsMode;
  public readonly backupSchedule: string;
  public readonly backupRetention: number;
  public readonly requirePinnedImages: boolean;
  public readonly requireExplicitResources: boolean;
  public readonly monitoring: ResolvedMonitoringSettings;
  /** The cluster profile, with its defaults applied. */
  public readonly platform: Platform;
  /** Props of earlier releases given anyway (JavaScript callers): reported, never silently ignored. */
  private readonly movedProps: readonly string[];
  /** The monitoring settings as given, for the checks. */
  private readonly monitoringGiven: Readonly<Record<string, unknown>>;

  constructor(props: EnvironmentProps) {
    this.name = props.name;
    this.defaultReplicas = props.defaultReplicas;
    this.defaultResources = props.defaultResources;
    this.tls = props.tls;
    this.backupSchedule = props.backupSchedule;
    this.backupRetention = props.backupRetention;
    this.requirePinnedImages = props.requirePinnedImages;
    this.requireExplicitResources = props.requireExplicitResources;
    // Fields left undefined keep their defaults; durations are spelled as Prometheus reads them.
    const given: object = typeof props.monitoring === 'object' && props.monitoring !== null ? props.monitoring : {};
    const resolved = RESOLVED_MONITORING.has(given);
    this.monitoringGiven = resolved ? {} : Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
    const spelled = Object.entries(this.monitoringGiven).map(([key, value]) => {
      const seconds = (MONITORING_DURATIONS as readonly string[]).includes(key) ? durationSeconds(value) : undefined;
      return [key, typeof seconds === 'number' ? formatSeconds(seconds) : value];
    });
    this.monitoring = resolved ? (given as ResolvedMonitoringSettings) : { ...DEFAULT_MONITORING, ...Object.fromEntries(spelled) };
    RESOLVED_MONITORING.add(this.monitoring);
    // An Environment spread into new props (`{ ...env, name }`) carries its resolved profile.
    const platform: unknown = props.platform;
    this.platform = platform instanceof Platform ? platform : new Platform(props.platform as PlatformProps);
    this.movedProps = Object.keys(MOVED_TO_PLATFORM).filter((key) => (props as unknown as Record<string, unknown>)[key] !== undefined);
  }

  /**
   * Checks every prop at run time (charts are not type-checked by `npm run synth`);
   * reported by each SystemChart of the environment, with `prefix` before each field.
   */
  public validate(report: ValidationReport, prefix = ''): void {
    const field = (name: string) => `${prefix}${name}`;
    if (!(ENVIRONMENT_NAMES as readonly unknown[]).includes(this.name)) {
      report.error(
        'environment.name-unknown',
        field('name'),
        `'${String(this.name)}' must be one of ${ENVIRONMENT_NAMES.join(', ')} (each has its own presets and dist folder)`,
      );
    }
    if (!Number.isInteger(this.defaultReplicas) || this.defaultReplicas < 1)
      report.error('environment.default-replicas-invalid', field('defaultReplicas'), `${this.defaultReplicas} must be a whole number of at least 1`);
    checkProfile(report, this.defaultResources, field('defaultResources'));
    if (!TLS_MODES.includes(this.tls))
      report.error('environment.tls-unknown', field('tls'), `'${String(this.tls)}' must be one of ${TLS_MODES.join(', ')}`);
    const schedule = checkCronSchedule(this.backupSchedule);
    if (schedule) report.error('environment.backup-schedule-invalid', field('backupSchedule'), schedule);
    if (!Number.isInteger(this.backupRetention) || this.backupRetention < 1)
      report.error('environment.backup-retention-invalid', field('backupRetention'), `${this.backupRetention} must be a whole number of at least 1`);
    for (const key of ['requirePinnedImages', 'requireExplicitResources'] as const) {
      if (typeof this[key] !== 'boolean')
        report.error('environment.flag-not-boolean', field(key), `must be true or false (is ${describe(this[key])})`);
    }
    for (const [key, value] of Object.entries(this.monitoringGiven)) {
      const expected = typeof DEFAULT_MONITORING[key as keyof MonitoringSettings];
      if ((MONITORING_DURATIONS as readonly string[]).includes(key)) {
        const seconds = durationSeconds(value, key === 'alertFor' ? 'Duration.minutes(5)' : 'Duration.seconds(30)');
        if (typeof seconds === 'string') report.error('environment.monitoring.duration-invalid', field(`monitoring.${key}`), seconds);
      } else if (expected === 'undefined') {
        report.error(
          'environment.monitoring.setting-invalid',
          field(`monitoring.${key}`),
          `is not a monitoring setting (settings: ${Object.keys(DEFAULT_MONITORING).join(', ')}; the cluster's Prometheus and Grafana are in platform)`,
        );
      } else if (typeof value !== expected || value === null)
        report.error(
          'environment.monitoring.wrong-type',
          field(`monitoring.${key}`),
          `must be ${expected === 'object' ? 'an object' : `a ${expected}`} (is ${describe(value)})`,
        );
    }
    for (const key of this.movedProps)
      report.error('environment.prop-moved-to-platform', field(key), `is part of the cluster profile now: set ${MOVED_TO_PLATFORM[key]}`);
    checkPlatform(this.platform, String(this.name), report, field('platform.'));
  }

  /** True for production. */
  public get isProduction(): boolean {
    return this.name === 'prod';
  }

  /**
   * An image in this environment's registry (the cluster profile's `registry.host`):
   * `env.image('shop-api:1.0.0')` is `registry.stackworks.io/shop-api:1.0.0`. For your own
   * images, so that each environment pulls from its registry; write a public image in full
   * instead (`docker.io/library/nginx:1.27.3`). Nothing is qualified behind your back: an
   * image without a registry host is a synth error in staging and prod. Without a registry
   * in the profile, `path` is returned as it is (and the synth reports it).
   * @param path repository and tag (or digest) inside the registry, e.g. `shop/api:1.4.2`
   */
  public image(path: string): string {
    const host = this.platform.registry.host;
    if (typeof host !== 'string' || host === '' || typeof path !== 'string') return path;
    return `${host.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  }

  /** The value for this environment. */
  public pick<T>(values: PerEnvironment<T>): T {
    if (typeof values !== 'object' || values === null) throw new Error(`env.pick needs an object of values per environment (is ${describe(values)})`);
    const own = (values as { readonly [K in EnvironmentName]?: T })[this.name];
    if (own !== undefined) return own;
    if ('default' in values) return values.default;
    // Unreachable through the types; kept for JavaScript callers.
    throw new Error(`no value for environment '${this.name}' and no default`);
  }
}

/** Requests and limits: both given, cpu and memory quantities (bytes whole). */
function checkProfile(report: ValidationReport, profile: ResourceProfile, field: string): void {
  for (const kind of ['requests', 'limits'] as const) {
    const amounts: unknown = (profile as Partial<ResourceProfile> | null | undefined)?.[kind];
    if (typeof amounts !== 'object' || amounts === null) {
      report.error('environment.resources-missing', `${field}.${kind}`, `is required: an object with cpu and memory (is ${describe(amounts)})`);
      continue;
    }
    const a = amounts as Partial<ResourceAmounts>;
    const cpu = checkQuantity(a.cpu, 'cpu');
    if (cpu) report.error('environment.cpu', `${field}.${kind}.cpu`, cpu);
    const memory = checkQuantity(a.memory, 'bytes');
    if (memory) report.error('environment.memory', `${field}.${kind}.memory`, memory);
    const disk = a.ephemeralStorage === undefined ? undefined : checkQuantity(a.ephemeralStorage, 'bytes');
    if (disk) report.error('environment.ephemeral-storage', `${field}.${kind}.ephemeralStorage`, disk);
  }
}
