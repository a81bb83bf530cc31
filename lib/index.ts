// Public API of cdk8s-stacks: constructs, their props, the value types those props take,
// the environment presets and the documented escape hatches. Everything else under lib/
// is internal and may change in any release; the API report (api/cdk8s-stacks.api.md,
// checked by `npm test`, accepted with `npm run api:update`) makes every change deliberate.
import './core/single-cdk8s';

// Value types
export { Duration } from './core/duration';

// Environments and synthesis
export { Environment, ENVIRONMENT_NAMES } from './core/environment';
export type {
  EnvironmentName,
  EnvironmentProps,
  GitOpsSource,
  MonitoringSettings,
  PerEnvironment,
  ResolvedMonitoringSettings,
  ResourceAmounts,
  ResourceProfile,
  TlsMode,
} from './core/environment';
export { environmentPresets, ENVIRONMENT_PRESETS } from './core/environment-presets';
export type { EnvironmentPreset, EnvironmentPresetOptions } from './core/environment-presets';
export {
  Platform,
  DEFAULT_INGRESS_NGINX,
  DEFAULT_TRAEFIK,
  DEFAULT_ENVOY_GATEWAY_DATA_PLANE,
  DEFAULT_DNS_PODS,
  DEFAULT_PROMETHEUS_PROFILE,
  DEFAULT_GRAFANA_PROFILE,
  demoPlatform,
  DEFAULT_DATABASE_OPERATORS,
  DEFAULT_CLOUDNATIVE_PG_PROFILE,
} from './core/platform';
export type {
  ArgoCdProfile,
  CloudNativePgProfile,
  ComponentPods,
  DatabaseOperatorsProfile,
  DnsProfile,
  EdgeKind,
  EdgeProfile,
  GatewayImplementation,
  GatewayProfile,
  GrafanaProfile,
  IngressControllerProfile,
  PlatformProps,
  PrometheusProfile,
  RegistryProfile,
  StorageEncryptionAtRest,
  StorageProfile,
} from './core/platform';
export { requirePlatform, platformRequirements } from './core/platform-requirements';
export type { DeclaredRequirement, PlatformComponentName, PlatformRequirement } from './core/platform-requirements';
export { SystemChart } from './core/system-chart';
export type { SystemChartProps } from './core/system-chart';
export { completeModel, synthesize } from './pipeline/synth';
export type { FolderSummary, SynthOptions, SynthResult } from './pipeline/synth';
export type { SecurityExceptionSummary } from './pipeline/workload-notes';
export { writeCdk8sCliOutput } from './pipeline/cli-output';
export { runSynthCli } from './pipeline/cli';
export type { CliSynthOptions } from './pipeline/cli';
export { buildStacksApp, runStacksCli } from './pipeline/stacks-cli';
export type { StacksAppOptions, StacksCliOptions, SystemFactory } from './pipeline/stacks-cli';
// Escape hatch for constructs of your own: checks that join the collected report.
export { addCheck, SynthesisError, ValidationReport } from './core/validation';
export type { ValidationIssue } from './core/validation';
export type { RenderedObject } from './gitops/render';
export { ArgoCdApplications } from './gitops/argocd-applications';
export { ARGOCD_HEALTH_CUSTOMIZATIONS } from './gitops/argocd-health';
export type { ArgoCdApplicationsProps } from './gitops/argocd-applications';
export { PlatformPrometheusChart } from './gitops/platform-prometheus-chart';
export type { PlatformPrometheusChartProps } from './gitops/platform-prometheus-chart';

// Workloads
export { Workload } from './workloads/workload';
export type { ConfigSource, ConnectOptions, ImageUserNote, ManagedPods, StoreConnection, WorkloadProps } from './workloads/workload';
export { BASELINE_CAPABILITIES } from './workloads/security-exception';
export type { AddableCapability, PodSecurityLevel, SecurityException } from './workloads/security-exception';
export { ReplicatedWorkload } from './workloads/replicated-workload';
export type { DisruptionBudgetOptions, ReplicatedWorkloadProps } from './workloads/replicated-workload';
export { WebService } from './workloads/web-service';
export type { WebServiceProps } from './workloads/web-service';
export { Worker } from './workloads/worker';
export type { WorkerProps } from './workloads/worker';
export { MigrationJob } from './workloads/migration-job';
export type { MigrationJobProps } from './workloads/migration-job';
export { ScheduledTask } from './workloads/scheduled-task';
export type { ScheduledTaskProps } from './workloads/scheduled-task';
export { AppConfig } from './workloads/app-config';
export type { AppConfigProps } from './workloads/app-config';
export { PersistentVolume } from './workloads/persistent-volume';
export type { PersistentVolumeProps, VolumeAccessMode, VolumeMountOptions } from './workloads/persistent-volume';
export { Probe } from './workloads/probe';
export type { ProbeTiming } from './workloads/probe';
export { fromField, fromSecret } from './workloads/env';
export type { EnvValue, FieldValue, SecretKeyValue } from './workloads/env';
// Escape hatch: sidecars and init containers (workload.addSidecar / addInitContainer).
export { ContainerModel } from './workloads/container';
export type { ContainerProps, PortSpec, RunAs, VolumeMount } from './workloads/container';

// Scaling
export { Autoscaler } from './scaling/autoscaler';
export type { AutoscaleOptions, ScaleTarget, ScalingBehavior } from './scaling/autoscaler';
export { DisruptionBudget } from './scaling/disruption-budget';
export type { DisruptionBudgetProps } from './scaling/disruption-budget';
export { VerticalAutoscaler } from './scaling/vertical-autoscaler';
export type { VerticalAutoscaleOptions, VpaUpdateMode } from './scaling/vertical-autoscaler';
export { NamespaceBudget } from './scaling/namespace-budget';
export type { IBudgeted, NamespaceBudgetProps, PodBudget, QuotaAmounts, ResourceTotals } from './scaling/namespace-budget';

// Data stores and connections
export { ConnectionEnv } from './data/connection';
export type { ConnectionInfo, DiscreteNames, EnvConvention, EnvEntries, IConnectable } from './data/connection';
export { StatefulStore } from './data/stateful-store';
export type {
  BackupDecision,
  EngineSpec,
  ExporterAccountMonitoring,
  NoBackupProps,
  StatefulStoreProps,
  StoreCommonProps,
  StoreMonitoring,
} from './data/stateful-store';
export { BackupableStore } from './data/backupable-store';
export { DatabaseStore } from './data/database-store';
export type { DatabaseStoreProps } from './data/database-store';
export { Memcached } from './data/memcached';
export type { MemcachedProps } from './data/memcached';
export { Redis } from './data/redis';
export type { RedisCredentialKeys, RedisProps, RedisUse } from './data/redis';
export { Postgres } from './data/postgres';
export type { PostgresCredentialKeys, PostgresFlavour, PostgresProps, PostgresVersion } from './data/postgres';
export { PostgresEngine } from './data/postgres-engine';
export { cloudNativePgArchiveSettings } from './data/cloudnative-pg-settings';
export type { CloudNativePgArchiveSettings, CloudNativePgBackupProps, CloudNativePgProps } from './data/cloudnative-pg-settings';
export type { PostgresSettings } from './data/cloudnative-pg-engine';
export type {
  DatabaseSettings,
  EngineAlert,
  EngineBackupPlan,
  EngineGraph,
  EngineGraphEdge,
  EngineGraphNode,
  EngineHost,
  EngineShape,
  IBoundEngine,
  IStoreEngine,
  OwnServer,
  RunbookContext,
  ShapeInput,
  StoreEndpoints,
  StoreWriter,
} from './data/store-engine';
export { MySql } from './data/mysql';
export type { MySqlCredentialKeys, MySqlProps, MySqlVersion } from './data/mysql';
export { MySqlEngine } from './data/mysql-engine';
export type { MocoBackupOptions, MocoEngineOptions } from './data/mysql-engine';
export type { MySqlSettings } from './data/moco-engine';
export { MongoDb } from './data/mongodb';
export type { MongoDbCredentialKeys, MongoDbProps, MongoVersion } from './data/mongodb';
export { MongoDbEngine } from './data/mongodb-engine';
export type { PerconaBackupOptions, PerconaEngineOptions } from './data/mongodb-engine';
export type { MongoDbSettings } from './data/percona-engine';
export { Bucket, ObjectStore } from './data/minio';
export type { BucketAccess, BucketOptions, BucketUser, MinioVersion, ObjectStoreCredentialKeys, ObjectStoreProps, S3EnvNames } from './data/minio';
export { BucketBackup } from './data/bucket-backup';
export type { BucketBackupProps } from './data/bucket-backup';
export { BucketRestoreJob } from './data/bucket-restore-job';
export type { BucketRestoreJobProps } from './data/bucket-restore-job';
export type { BackupBucket, IBucketSource } from './data/bucket-copy';
export { ObjectStoreGateway } from './data/object-store-gateway';
export type { ObjectStoreGatewayProps, PublicBucket } from './data/object-store-gateway';

// Backups
export { BackupTarget, S3BackupTarget, VolumeBackupTarget } from './backup/target';
export type { S3Server, S3TargetProps, VolumeTargetProps } from './backup/target';
export { BackupSchedule } from './backup/backup-schedule';
export type { BackupScheduleProps } from './backup/backup-schedule';
export { RestoreJob } from './backup/restore-job';
export type { RestoreJobProps } from './backup/restore-job';
export type { AdminConnection, BackupEngine, IBackupable } from './backup/backupable';

// Edge: ingress, TLS, issuers
export { PublicEndpoint } from './edge/public-endpoint';
export type { EndpointHost, EndpointRoute, EndpointRouting, EndpointTls, PathMatch, PublicEndpointProps } from './edge/public-endpoint';
export type { EdgeHsts, EdgePolicy, EdgeRateLimit, EdgeRetry, EdgeSecurityHeaders, EdgeTimeouts } from './edge/edge-policy';
export type { EdgeController, IngressController } from './edge/ingress-controller';
export { AcmeIssuer, Dns01Solver, LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING } from './edge/acme-issuer';
export type { AcmeHttp01Options, AcmeIssuerProps, CloudflareDns01Props, Route53Dns01Props } from './edge/acme-issuer';
export { CaIssuer } from './edge/ca-issuer';
export type { CaIssuerProps } from './edge/ca-issuer';
export { CertManagerIssuer } from './edge/cert-manager-issuer';
export type { CertManagerIssuerProps, IssuerScope } from './edge/cert-manager-issuer';
export { SelfSignedIssuer } from './edge/self-signed-issuer';
export type { SelfSignedIssuerProps } from './edge/self-signed-issuer';
export { Certificate } from './edge/certificate';
export type { CertificateProps, KeyAlgorithm } from './edge/certificate';
export { IssuerRef } from './edge/issuer';
export type { IIssuer, IssuerKind, IssuerRefOptions, IssuerTrust, SecretKeyReference } from './edge/issuer';
export { issuerForEnvironment } from './edge/environment-issuer';
export type { EnvironmentIssuerProps } from './edge/environment-issuer';

// Security: namespaces, network, secrets, API access
export { SystemNamespace } from './security/system-namespace';
export type { SystemNamespaceProps } from './security/system-namespace';
export { Connections, NamespaceIsolation, NetworkPeer } from './security/network';
export type { INetworkPeer, PortRule } from './security/network';
export { ExistingSecret } from './security/secret-source';
export type { ISecretSource } from './security/secret-source';
export { ExternalSecretSource, SecretStoreRef } from './security/external-secret-source';
export type { ExternalSecretSourceProps, ISecretStore, RemoteKey } from './security/external-secret-source';
export { SystemSecret } from './security/system-secret';
export type { ProvidedSecret, SystemSecretProps } from './security/system-secret';
export { SystemSecretStore } from './security/secret-backend';
export type { SecretBackend } from './security/secret-backend';
export type { AwsSecretsManagerBackend, GeneratedSecretBackend, VaultSecretBackend } from './core/secret-backend';
export { DEFAULT_ALERTING, NULL_RECEIVER } from './core/alerting-profile';
export type {
  AlertCredential,
  AlertingProfile,
  AlertReceiver,
  AlertRoute,
  EmailReceiver,
  PagerDutyReceiver,
  SlackReceiver,
  WebhookReceiver,
} from './core/alerting-profile';
export { vaultPlan } from './security/vault-plan';
export type { VaultPlan, VaultPlanSecret } from './security/vault-plan';
export { ApiAccess } from './security/api-access';
export type { ApiPermission } from './security/api-access';

// Observability
export { SystemAlerts } from './observability/system-alerts';
export type { SystemAlertsProps } from './observability/system-alerts';
export { SystemDashboard } from './observability/system-dashboard';
export type { SystemDashboardProps } from './observability/system-dashboard';
export { PrometheusServer, PROMETHEUS_VERSION } from './observability/prometheus-server';
export type { PrometheusServerProps, PrometheusServerResources } from './observability/prometheus-server';
export { AlertmanagerServer, ALERTMANAGER_VERSION } from './observability/alertmanager-server';
export type { AlertmanagerServerProps } from './observability/alertmanager-server';
export { SystemAlertRoutes } from './observability/system-alert-routes';
export type { SystemAlertRoute, SystemAlertRoutesProps } from './observability/system-alert-routes';
export { renderAlertmanagerConfig, SYSTEM_DOWN_ALERT } from './observability/alert-routing';
export type { AlertmanagerConfigObject, SecretReader } from './observability/alert-routing';
export type { MetricsOptions } from './workloads/metrics-endpoint';
export type { AlertSeverity } from './observability/alert-rules';

// Policy: rules, and the escape hatches for raw objects (waivers with a reason)
export { DEFAULT_RULES } from './policy/rules';
export { waive } from './policy/rule';
export type { Json, PodView, PolicyContext, PolicyRule, Violation } from './policy/rule';
export type { Waiver } from './policy/evaluate';
export { waiveLinter } from './policy/linter-waivers';
export type { Linter, LinterWaiver } from './policy/linter-waivers';
// Escape hatch: why a generic best-practice check does not apply to an object (the linter waivers are derived from it).
export { declareCheckExceptions } from './core/check-exceptions';
export type { CheckExceptions } from './core/check-exceptions';

// Change review: `plan` (risky changes against a baseline) and the acknowledgements that let them through.
export { acknowledgeChange, CHANGE_RISK_IDS } from './core/change-acknowledgement';
export type { ChangeAcknowledgement, ChangeRiskId } from './core/change-acknowledgement';
export { runPlanCli, parsePlanArgs, PLAN_USAGE } from './plan/cli';
export type { CliPlanOptions, PlanArgs } from './plan/cli';
export { computePlan } from './plan/plan';
export type { AcknowledgementResult, Plan, PlanOptions } from './plan/plan';
export { RISKS } from './plan/risks';
export type { RiskClass, RiskDefinition, RiskSeverity } from './plan/risks';
export type { Finding, ServerOutcome } from './plan/finding';
