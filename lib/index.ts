// Public API of cdk8s-stacks: constructs, their props, the value types those props take,
// the environment presets and the documented escape hatches. Everything else under lib/
// is internal and may change in any release; the API report (api/cdk8s-stacks.api.md,
// checked by `npm test`, accepted with `npm run api:update`) makes every change deliberate.
import './core/single-cdk8s';

// Value types
export { Duration } from './core/duration';

// Environments and synthesis
export { Environment, ENVIRONMENT_NAMES } from './core/environment';
export type { EnvironmentName, EnvironmentProps, MonitoringSettings, PerEnvironment, ResourceProfile, TlsMode } from './core/environment';
export { environmentPresets, ENVIRONMENT_PRESETS } from './core/environment-presets';
export type { EnvironmentPresetOptions } from './core/environment-presets';
export { Platform, DEFAULT_INGRESS_NGINX, DEFAULT_TRAEFIK, DEFAULT_ENVOY_GATEWAY_DATA_PLANE, demoPlatform } from './core/platform';
export type { EdgeProfile, PlatformProps } from './core/platform';
export type { PublicDnsProfile } from './core/public-dns-profile';
export type { KubernetesVersion } from './core/kubernetes-version';
export { requirePlatform } from './core/platform-requirements';
export { SystemChart } from './core/system-chart';
export type { SystemChartProps } from './core/system-chart';
export { synthesize } from './pipeline/synth';
export type { SynthOptions, SynthResult } from './pipeline/synth';
export { writeCdk8sCliOutput } from './pipeline/cli-output';
export { runSynthCli } from './pipeline/cli';
export type { CliSynthOptions } from './pipeline/cli';
export { buildStacksApp, runStacksCli } from './pipeline/stacks-cli';
export type { StacksAppOptions, StacksCliOptions, SystemFactory } from './pipeline/stacks-cli';

// Testing a system: render it in memory, find its objects, snapshot them as YAML (their option
// and object types are exported by `cdk8s-stacks/testing`).
export { synthSystem, SynthesizedSystem } from './pipeline/testing';
export { manifestSnapshot, manifestSnapshotSerializer } from './pipeline/snapshot-serializer';

// Escape hatch for constructs of your own: checks that join the collected report.
export { addCheck, SynthesisError, ValidationReport } from './core/validation';
export type { ValidationIssue } from './core/validation';
export { ArgoCdApplications } from './gitops/argocd-applications';
export type { ArgoCdApplicationsProps } from './gitops/argocd-applications';
export { PlatformPrometheusChart } from './gitops/platform-prometheus-chart';
export type { PlatformPrometheusChartProps } from './gitops/platform-prometheus-chart';

// Workloads
export type { SecurityException } from './workloads/security-exception';
export { WebService } from './workloads/web-service';
export type { WebServiceProps } from './workloads/web-service';
// The strategies' own interfaces (BlueGreenRollout, CanaryRollout, CanaryStep, RolloutAnalysis) are reached through it.
export type { RolloutOptions } from './workloads/rollout';
export { Worker } from './workloads/worker';
export type { WorkerProps } from './workloads/worker';
export { MigrationJob } from './workloads/migration-job';
export type { MigrationJobProps } from './workloads/migration-job';
export { ScheduledTask } from './workloads/scheduled-task';
export type { ScheduledTaskProps } from './workloads/scheduled-task';
export { AppConfig } from './workloads/app-config';
export type { AppConfigProps } from './workloads/app-config';
export { PersistentVolume } from './workloads/persistent-volume';
export type { PersistentVolumeProps } from './workloads/persistent-volume';
export { Probe } from './workloads/probe';
export { fromField, fromSecret } from './workloads/env';
export type { EnvValue } from './workloads/env';
export { WorkloadTracing } from './workloads/workload-tracing';
export type { TracingOptions } from './workloads/workload-tracing';

// Escape hatch: sidecars and init containers (workload.addSidecar / addInitContainer).
export { ContainerModel } from './workloads/container';
export type { ContainerProps } from './workloads/container';

// Data stores and connections
export { ConnectionEnv } from './data/connection';
export type { IConnectable } from './data/connection';
export type { DatabaseTlsOptions } from './data/store-tls';
export { Memcached } from './data/memcached';
export type { MemcachedProps } from './data/memcached';
export { Redis } from './data/redis';
export type { RedisCredentialKeys, RedisProps, RedisUse } from './data/redis';
export { RedisProxy } from './data/redis-proxy';
export type { RedisProxyProps } from './data/redis-proxy';
export type { RedisSentinelOptions } from './data/redis-ha';
export { Postgres } from './data/postgres';
export type { PostgresFlavour, PostgresProps, PostgresVersion } from './data/postgres';
export { PostgresEngine } from './data/postgres-engine';
export type { CloudNativePgImage, CloudNativePgProps } from './data/cloudnative-pg-settings';
export { MySql } from './data/mysql';
export type { MySqlProps, MySqlVersion } from './data/mysql';
export { MySqlEngine } from './data/mysql-engine';
export type { MocoEngineOptions } from './data/mysql-engine';
export { MongoDb } from './data/mongodb';
export type { MongoDbProps, MongoVersion } from './data/mongodb';
export { MongoDbEngine } from './data/mongodb-engine';
export type { PerconaEngineOptions } from './data/mongodb-engine';
export { ObjectStore } from './data/minio';
export type { ObjectStoreProps } from './data/minio';
export { S3Bucket } from './data/s3-bucket';
export type { S3BucketProps } from './data/s3-bucket';
export { ObjectStoreGateway } from './data/object-store-gateway';
export type { ObjectStoreGatewayProps } from './data/object-store-gateway';

// Backups
export { BackupTarget } from './backup/target';

// Edge: ingress, TLS, issuers
export { PublicEndpoint } from './edge/public-endpoint';
export type { PublicEndpointProps } from './edge/public-endpoint';
export type { EdgePolicy } from './edge/edge-policy';
export type { EdgeWaf } from './edge/waf-policy';
export { AcmeIssuer, Dns01Solver, LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING } from './edge/acme-issuer';
export type { AcmeIssuerProps } from './edge/acme-issuer';
export { CaIssuer } from './edge/ca-issuer';
export type { CaIssuerProps } from './edge/ca-issuer';
export { SelfSignedIssuer } from './edge/self-signed-issuer';
export type { SelfSignedIssuerProps } from './edge/self-signed-issuer';
export { Certificate } from './edge/certificate';
export type { CertificateProps } from './edge/certificate';
export { IssuerRef } from './edge/issuer';
export type { IIssuer } from './edge/issuer';
export { issuerForEnvironment } from './edge/environment-issuer';

// Security: network, secrets, alert delivery
export { Connections, NetworkPeer } from './security/network';
export type { INetworkPeer } from './security/network';
export { enrolInMesh } from './data/service-mesh';
export { ExistingSecret } from './security/secret-source';
export type { ISecretSource } from './security/secret-source';
export { ExternalSecretSource, SecretStoreRef } from './security/external-secret-source';
export type { ExternalSecretSourceProps } from './security/external-secret-source';
export { SystemSecret } from './security/system-secret';
export type { SystemSecretProps } from './security/system-secret';
export { DEFAULT_ALERTING } from './core/alerting-profile';
export type { AlertingProfile } from './core/alerting-profile';

// Observability
export { SystemAlerts } from './observability/system-alerts';
export type { SystemAlertsProps } from './observability/system-alerts';
export { SystemDashboard } from './observability/system-dashboard';
export type { SystemDashboardProps } from './observability/system-dashboard';
export { SystemAlertRoutes } from './observability/system-alert-routes';
export type { SystemAlertRoute, SystemAlertRoutesProps } from './observability/system-alert-routes';
export { SystemLogs } from './observability/system-logs';
export type { SystemLogsProps } from './observability/system-logs';

// Policy: rules, and the escape hatches for raw objects (waivers with a reason)
export { DEFAULT_RULES } from './policy/rules';
export { waive } from './policy/rule';
export type { PolicyRule } from './policy/rule';
export { waiveLinter } from './policy/linter-waivers';

// Escape hatch: why a generic best-practice check does not apply to an object (the linter waivers are derived from it).
export { declareCheckExceptions } from './core/check-exceptions';

// Change review: `plan` (risky changes against a baseline) and the acknowledgements that let them through.
export { acknowledgeChange, CHANGE_RISK_IDS } from './core/change-acknowledgement';
export type { ChangeRiskId } from './core/change-acknowledgement';
export { runPlanCli, parsePlanArgs, PLAN_USAGE } from './plan/cli';
