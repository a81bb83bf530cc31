import {
  AlertingProfile,
  DEFAULT_ENVOY_GATEWAY_DATA_PLANE,
  DEFAULT_INGRESS_NGINX,
  DEFAULT_TRAEFIK,
  Duration,
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

/**
 * Where alerts go (the platform Alertmanager's receivers and routes). Credentials are properties
 * of one Vault entry per environment, `alertmanager/<env>/receivers`, read with the role
 * `alertmanager-<env>` (the platform README lists both). dev has no receivers: its alerts stay in
 * Alertmanager's UI. In staging every alert is a warning (monitoring.severities) and goes to Slack;
 * in prod critical alerts page through PagerDuty and are posted to Slack, TechShop's also go to the
 * incident webhook of its team, warnings go to Slack (every 12 h while they last) and, for the data
 * platform's on-call (TechShop and ChatNomina stores), by e-mail.
 */
const receivers = (env: 'staging' | 'prod') => ({ key: `alertmanager/${env}/receivers` });
const SLACK = (env: 'staging' | 'prod') => ({
  name: 'platform-slack',
  slack: { channel: `#alerts-${env}`, apiUrl: { ...receivers(env), property: 'slack-webhook-url' } },
});
const STAGING_ALERTING: AlertingProfile = { receivers: [SLACK('staging')], defaultReceiver: 'platform-slack' };
const PROD_ALERTING: AlertingProfile = {
  receivers: [
    { name: 'oncall', pagerduty: { routingKey: { ...receivers('prod'), property: 'pagerduty-routing-key' } } },
    SLACK('prod'),
    {
      name: 'ops-email',
      email: {
        to: 'ops@stackworks.io',
        from: 'alertmanager@stackworks.io',
        smarthost: 'smtp.stackworks.io:587',
        authUsername: 'alertmanager',
        authPassword: { ...receivers('prod'), property: 'smtp-password' },
      },
    },
    { name: 'techshop-incidents', webhook: { urlSecret: { ...receivers('prod'), property: 'techshop-incident-webhook-url' } } },
  ],
  routes: [
    { receiver: 'oncall', severities: ['critical'], continue: true },
    { receiver: 'techshop-incidents', systems: ['techshop'], continue: true },
    { receiver: 'platform-slack', severities: ['critical'] },
    { receiver: 'ops-email', severities: ['warning'], systems: ['techshop', 'chatnomina'], continue: true },
    { receiver: 'platform-slack', severities: ['warning'], repeatInterval: Duration.hours(12) },
  ],
  defaultReceiver: 'platform-slack',
};

/**
 * Central logs and traces (Loki with Grafana Alloy, Tempo behind the OpenTelemetry Collector):
 * retention grows with the environment (a day or three of dev, a month of prod logs for incident
 * reviews); prod keeps its stores on the retained SSD class and samples a fifth of the root traces.
 */
const OBSERVABILITY = {
  dev: {
    logs: { retention: Duration.days(3), storage: { kind: 'volume', size: '5Gi' } },
    tracing: { retention: Duration.days(1), storageSize: '5Gi' },
  },
  staging: {
    logs: { retention: Duration.days(7), storage: { kind: 'volume', size: '20Gi' } },
    tracing: { retention: Duration.days(3), storageSize: '10Gi' },
  },
  prod: {
    logs: { retention: Duration.days(30), storage: { kind: 'volume', size: '100Gi' } },
    tracing: { retention: Duration.days(7), storageSize: '50Gi', sampleRatio: 0.2 },
  },
} as const satisfies Record<EnvironmentName, Pick<PlatformProps, 'logs' | 'tracing'>>;

/** The Ingress controllers every environment's cluster runs (ingress-nginx for four systems, Traefik for feature-models). */
const INGRESS_EDGE: EdgeProfile = { default: 'ingress-nginx', ingressNginx: DEFAULT_INGRESS_NGINX, traefik: DEFAULT_TRAEFIK };

/*
 * Kubernetes releases: dev and staging clusters are upgraded first and run the newest release,
 * prod stays on 1.27 until the upgrade is proven there. The synth checks each environment's
 * objects against its release's API, and the cluster suite applies each environment to a real
 * control plane of that release (scripts/k8s/versions.env builds exactly these two).
 */
const DEV_AND_STAGING_RELEASE = '1.37';
const PROD_RELEASE = '1.27';

/*
 * Storage: staging's `ssd` and prod's `ssd-retain` (volumes kept when their claim is deleted)
 * are the clusters' own block classes, made with the cluster by its provider's CSI driver, so
 * the profile declares them preinstalled (the gitops suite checks that they exist before the
 * first sync); a class the platform layer should create names its provisioner instead.
 * Shared (ReadWriteMany) volumes need a file class, the `sharedClass`: the provider's managed
 * file service in staging (`files`) and prod (`files-retain`), the dev clusters' in-cluster NFS
 * provisioner (`nfs`). Encryption at rest is what the clusters' operators state: the
 * provider encrypts block and file volumes with its managed keys; dev's NFS does not.
 */
const PROVIDER_ENCRYPTED = { encrypted: true, by: "the cloud provider's volume encryption, with its provider-managed keys" } as const;
const STORAGE: Record<EnvironmentName, PlatformProps['storage']> = {
  dev: { sharedClass: 'nfs', classes: { nfs: { preinstalled: true, encryptionAtRest: { encrypted: false } } } },
  staging: {
    defaultClass: 'ssd',
    sharedClass: 'files',
    classes: {
      ssd: { preinstalled: true, encryptionAtRest: PROVIDER_ENCRYPTED },
      files: { preinstalled: true, encryptionAtRest: PROVIDER_ENCRYPTED },
    },
  },
  prod: {
    defaultClass: 'ssd-retain',
    sharedClass: 'files-retain',
    classes: {
      'ssd-retain': { preinstalled: true, encryptionAtRest: PROVIDER_ENCRYPTED },
      'files-retain': { preinstalled: true, encryptionAtRest: PROVIDER_ENCRYPTED },
    },
  },
};

/**
 * Staging and prod run Istio in ambient mode (the platform layer installs it: base, istiod,
 * the CNI agent and ztunnel in istio-system); the systems that enrol get mutual TLS between their
 * pods and the NetworkPolicies' connections as authorization policies. dev has no mesh: one less
 * privileged DaemonSet pair on developers' clusters.
 */
const MESH = { mesh: { provider: 'istio-ambient' } } as const satisfies Pick<PlatformProps, 'mesh'>;

/**
 * Public DNS: external-dns writes every public host's record into the systems' Route 53 zones
 * (the seeds' `Route 53`), authenticated with an IAM role of the platform's AWS account (IRSA:
 * no access key anywhere). Staging writes only under each zone's `staging.` subdomain, prod
 * in the zones themselves; distinct TXT owner ids keep the two clusters from touching each
 * other's records in the shared zones. Both delete the records of hosts no longer served
 * (`sync`): a record left pointing at a released load balancer is a dangling name, and the TXT
 * ownership limits deletions to the cluster's own records. Prod's records are the PRIMARY half
 * of Route 53 failover pairs: a standby site publishes the SECONDARY ones with its own
 * identifier (ChatNomina's prod README: disaster recovery). dev has no public DNS: developers'
 * clusters come and go, their hosts are made by hand.
 */
const AWS_ACCOUNT = '704529381206';
const DNS_REGION = 'us-east-1';
const ZONES = ['capibara6.com', 'chatnomina.com', 'feature-models.com', 'loopi.com', 'techshop-cloud.com'];
const PUBLIC_DNS = {
  staging: {
    provider: 'route53',
    domainFilters: ZONES.map((z) => `staging.${z}`),
    txtOwnerId: `staging-${DNS_REGION}`,
    policy: 'sync',
    region: DNS_REGION,
    credentials: { kind: 'irsa', roleArn: `arn:aws:iam::${AWS_ACCOUNT}:role/external-dns-staging` },
  },
  prod: {
    provider: 'route53',
    domainFilters: ZONES,
    txtOwnerId: `prod-${DNS_REGION}`,
    policy: 'sync',
    region: DNS_REGION,
    credentials: { kind: 'irsa', roleArn: `arn:aws:iam::${AWS_ACCOUNT}:role/external-dns-prod` },
    failover: { role: 'primary', setIdentifier: `prod-${DNS_REGION}` },
  },
} as const satisfies Record<'staging' | 'prod', PlatformProps['publicDns']>;

const PLATFORMS: Record<EnvironmentName, PlatformProps> = {
  // dev: secrets generated in the cluster, images from the dev registry, the cluster's default storage class.
  dev: {
    gitops: GITOPS,
    secrets: { kind: 'generated' },
    registry: { host: 'registry.dev.stackworks.io' },
    storage: STORAGE.dev,
    edge: INGRESS_EDGE,
    ...MONITORING,
    ...OBSERVABILITY.dev,

    kubernetesVersion: DEV_AND_STAGING_RELEASE,
  },
  staging: {
    kubernetesVersion: DEV_AND_STAGING_RELEASE,
    gitops: GITOPS,
    secrets: VAULT,
    registry: { host: 'registry.stackworks.io' },
    storage: STORAGE.staging,
    edge: INGRESS_EDGE,
    ...MONITORING,
    ...OBSERVABILITY.staging,
    alerting: STAGING_ALERTING,
    ...MESH,
    publicDns: PUBLIC_DNS.staging,
  },
  prod: {
    kubernetesVersion: PROD_RELEASE,
    gitops: GITOPS,
    secrets: VAULT,
    registry: { host: 'registry.stackworks.io' },
    storage: STORAGE.prod,
    edge: INGRESS_EDGE,
    ...MONITORING,
    ...OBSERVABILITY.prod,
    alerting: PROD_ALERTING,
    ...MESH,
    publicDns: PUBLIC_DNS.prod,
  },
};

/**
 * Metrics every 15 s unless a workload says otherwise: the global interval of the Loopi and
 * TechShop seeds' Prometheus (their own jobs keep theirs: Loopi's API 5 s, TechShop's app 10 s).
 * Exporters and operator-made monitors follow it.
 */
const MONITORING_SETTINGS = { scrapeInterval: Duration.seconds(15) };

export const ENVIRONMENTS: Record<EnvironmentName, Environment> = environmentPresets({ platform: PLATFORMS, monitoring: MONITORING_SETTINGS });

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
