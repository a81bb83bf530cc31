/**
 * The cluster profile: every fact about the target cluster that the generated manifests
 * depend on, in one typed value per environment. Constructs read these facts from
 * `environment.platform` instead of assuming a particular installation (ingress-nginx in
 * `ingress-nginx`, Prometheus in `monitoring`, DNS at `kube-dns`).
 *
 * The generated platform layer (lib/gitops/) installs the components this profile names, with
 * Helm values derived from it and from what the systems use, so that profile, platform and
 * systems cannot disagree.
 */
import { AlertingProfile, ResolvedAlerting, resolveAlerting } from './alerting-profile';
import { LogsProfile, ResolvedLogs, ResolvedTracing, resolveLogs, resolveTracing, TracingProfile } from './observability-profile';

import { DEFAULT_KUBERNETES_VERSION, isKubernetesVersion, KubernetesVersion } from './kubernetes-version';
import type { PlatformComponentName } from './platform-requirements';
import type { SecretBackend } from './secret-backend';
import type { ComponentPods } from './component-pods';
import { MeshProfile, ResolvedMesh, resolveMesh } from './mesh-profile';
import { PublicDnsProfile, ResolvedPublicDns, resolvePublicDns } from './public-dns-profile';

export type { ComponentPods } from './component-pods';

/** Where Argo CD reads the synthesized manifests from. */
export interface GitOpsSource {
  /** Git repository URL Argo CD clones. */
  readonly repoURL: string;
  /** Branch, tag or commit Argo CD follows. */
  readonly targetRevision: string;
  /** Folder of the repository that holds `dist/`. @default 'dist' */
  readonly distPath?: string;
}

/** The Argo CD installation that syncs the environment. */
export interface ArgoCdProfile {
  /** Namespace Argo CD runs in (and where its Applications live). @default 'argocd' */
  readonly namespace?: string;
  /**
   * The API server the Applications deploy to, as Argo CD knows the cluster (a cluster Secret's
   * `server`), e.g. `https://kubernetes.default.svc` when Argo CD runs in the cluster it deploys to.
   * @default 'https://kubernetes.default.svc'
   */
  readonly destinationServer?: string;
}

/** The destination of an Argo CD running in the cluster it deploys to. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/** An ingress controller serving `networking.k8s.io/v1` Ingress objects. */
export interface IngressControllerProfile {
  /** Where its pods run, as NetworkPolicies select them. */
  readonly pods: ComponentPods;
  /** The IngressClass it serves. @default 'nginx' for ingress-nginx, 'traefik' for Traefik */
  readonly ingressClassName?: string;
  /**
   * ingress-nginx only: the response headers its ConfigMap's `global-allowed-response-headers`
   * lists, when a platform team fixes that list; an endpoint setting another header is a synth
   * error (the controller would answer 503).
   * @default - derived by the platform layer from the headers the endpoints set
   */
  readonly allowedResponseHeaders?: readonly string[];
}

/** A Gateway API implementation. */
export type GatewayImplementation = 'envoy-gateway' | 'traefik';

/** The Gateway API edge. */
export interface GatewayProfile {
  /** The controller implementing the Gateway API (decides which extension policies exist). */
  readonly implementation: GatewayImplementation;
  /** The data-plane pods (Envoy proxies, Traefik) that connect to the backends. */
  readonly dataPlane: ComponentPods;
  /** GatewayClass of a Gateway the library generates. @default 'eg' for Envoy Gateway, 'traefik' for Traefik */
  readonly gatewayClassName?: string;
  /**
   * A Gateway shared by the systems, managed by the platform team; routes attach to it.
   * @default - one Gateway per system, in the system's namespace
   */
  readonly sharedGateway?: { readonly name: string; readonly namespace: string };
}

/** What renders a PublicEndpoint that does not choose for itself. */
export type EdgeKind = 'ingress-nginx' | 'traefik' | 'gateway';

/**
 * How the client's address reaches the edge controllers, so that X-Real-IP, per-client rate
 * limits and logs see the client and not a node or the load balancer (README: what the
 * cluster's load balancer must do).
 */
export type ClientAddress =
  /**
   * The load balancer passes connections through (a network load balancer) and sends them only
   * to nodes running an edge pod: the controllers' Services have `externalTrafficPolicy: Local`,
   * so kube-proxy does not replace the source address.
   */
  | { readonly mode: 'local' }
  /**
   * The load balancer sends the PROXY protocol header with the client's address; the
   * controllers read it only from `trustedCidrs` (the load balancer's addresses).
   */
  | {
      readonly mode: 'proxy-protocol';
      /**
       * Annotations that make the cloud's load balancer send PROXY protocol, e.g.
       * `service.beta.kubernetes.io/aws-load-balancer-proxy-protocol: '*'`.
       */
      readonly loadBalancerAnnotations: Readonly<Record<string, string>>;
      /** Addresses of the load balancer, the only senders whose header is believed. */
      readonly trustedCidrs: readonly string[];
    }
  /**
   * An HTTP proxy in front of the cluster (an L7 load balancer, a CDN) sets X-Forwarded-For;
   * the controllers believe the header only from `trustedCidrs` (the proxy's addresses).
   */
  | { readonly mode: 'forwarded-for'; readonly trustedCidrs: readonly string[] };

/** The edge controllers running in the cluster. */
export interface EdgeProfile {
  /** How the client's address reaches the edge. @default { mode: 'local' } (externalTrafficPolicy Local) */
  readonly clientAddress?: ClientAddress;
  /**
   * Pods of each Ingress controller the platform layer installs (ingress-nginx, Traefik),
   * spread over zones and nodes, with a PodDisruptionBudget that keeps one running when
   * there are two or more: every public request of every system passes through them, so one
   * pod is one node's drain or failure away from an outage.
   * @default 2
   */
  readonly replicas?: number;
  /** The edge a PublicEndpoint uses unless it names another. */
  readonly default: EdgeKind;
  /** ingress-nginx, when the cluster runs it. @default - not running */
  readonly ingressNginx?: IngressControllerProfile;
  /** Traefik's Ingress provider, when the cluster runs it. @default - not running */
  readonly traefik?: IngressControllerProfile;
  /** A Gateway API implementation, when the cluster runs one. @default - not running */
  readonly gateway?: GatewayProfile;
}

/** The cluster DNS every pod must reach. */
export interface DnsProfile {
  /** The DNS server pods. @default kube-dns pods (`k8s-app: kube-dns`) in `kube-system` */
  readonly pods?: ComponentPods;
  /**
   * The node-local address of NodeLocal DNSCache (e.g. `169.254.20.10`), which pods reach on
   * their node instead of through a pod selector. @default - no NodeLocal DNSCache
   */
  readonly nodeLocalAddress?: string;
  /**
   * The cluster's DNS domain (the kubelet's `clusterDomain`). Resolvers that do not apply
   * the pods' search list (HAProxy's) need names ending in it. @default 'cluster.local'
   */
  readonly clusterDomain?: string;
}

/** The Prometheus that scrapes the systems and evaluates their rules (prometheus-operator). */
export interface PrometheusProfile {
  /** Where its pods run: they are allowed to reach the metrics ports. @default `app.kubernetes.io/name: prometheus` in `monitoring` */
  readonly pods?: ComponentPods;
  /** Labels its `serviceMonitorSelector` (and `podMonitorSelector`) match. @default { release: 'prometheus' } */
  readonly serviceMonitorLabels?: Readonly<Record<string, string>>;
  /** Labels its `ruleSelector` matches. @default { release: 'prometheus' } */
  readonly ruleLabels?: Readonly<Record<string, string>>;
}

/** Grafana's dashboard sidecar. */
export interface GrafanaProfile {
  /** Labels the sidecar watches ConfigMaps for. @default { grafana_dashboard: '1' } */
  readonly dashboardLabels?: Readonly<Record<string, string>>;
  /** Namespace Grafana runs in. @default 'monitoring' */
  readonly namespace?: string;
}

/**
 * Whether a class's volumes are encrypted at rest, as the cluster's operators state it: the
 * system READMEs report it for every class their claims use (a statement, not something the
 * synth can observe; for a class the platform layer creates with a provisioner whose
 * parameters say it, e.g. EBS's `encrypted`, the two must agree).
 */
export interface StorageEncryptionAtRest {
  /** Whether volumes of the class are encrypted at rest. */
  readonly encrypted: boolean;
  /**
   * Who encrypts them and holds the key, e.g. `EBS encryption with the KMS key alias/stackworks-prod`.
   * Required when `encrypted` is true. @default - none
   */
  readonly by?: string;
}

/** A StorageClass the cluster already has, managed outside this repository. */
export interface PreinstalledStorageClass {
  /** The class exists in the cluster before the first sync (the gitops suite checks it). */
  readonly preinstalled: true;
  /** Whether its volumes are encrypted at rest. @default - not stated: the READMEs say so */
  readonly encryptionAtRest?: StorageEncryptionAtRest;
}

/** A StorageClass the platform layer creates (`dist/<env>/platform/`). */
export interface CreatedStorageClass {
  /** The provisioner (CSI driver) that makes its volumes, e.g. `ebs.csi.aws.com`, `pd.csi.storage.gke.io`. */
  readonly provisioner: string;
  /** What happens to a volume when its claim is deleted. @default 'Delete' */
  readonly reclaimPolicy?: 'Delete' | 'Retain';
  /** When a volume is provisioned: with the first pod that uses the claim, or at once. @default 'WaitForFirstConsumer' */
  readonly volumeBindingMode?: 'WaitForFirstConsumer' | 'Immediate';
  /** Whether claims may grow. @default false */
  readonly allowVolumeExpansion?: boolean;
  /** The provisioner's parameters (e.g. `type: gp3`). @default - none */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Whether its volumes are encrypted at rest. @default - not stated: the READMEs say so */
  readonly encryptionAtRest?: StorageEncryptionAtRest;
}

/** A storage class the profile names: created by the platform layer, or already in the cluster. */
export type StorageClassProfile = PreinstalledStorageClass | CreatedStorageClass;

/** Storage classes of the cluster. */
export interface StorageProfile {
  /**
   * Class of persistent volumes that do not name one; must be declared in `classes`.
   * @default - the cluster's default storage class
   */
  readonly defaultClass?: string;
  /**
   * Class of ReadWriteMany volumes (a file class: NFS, CephFS, EFS, Filestore, ...) that do not
   * name one; must be declared in `classes`. Block classes (the usual default) cannot attach a
   * volume to several nodes, so their ReadWriteMany claims stay Pending: a `PersistentVolume`
   * with `accessMode: 'ReadWriteMany'` and no `storageClassName` is an error without it.
   * @default - none
   */
  readonly sharedClass?: string;
  /**
   * Every storage class the profile names, by name: created by the platform layer (with a
   * provisioner) or declared preinstalled.
   * @default - none
   */
  readonly classes?: Readonly<Record<string, StorageClassProfile>>;
}

/** The registry application images come from. */
export interface RegistryProfile {
  /**
   * Host (and optional path) of your registry, e.g. `registry.acme-corp.io/apps`: `env.image(path)`
   * names an image in it, and the synth's error for an image without a registry host suggests it.
   * Images are never qualified with it silently. @default - none
   */
  readonly host?: string;
}

/** The database operators' controllers, as NetworkPolicies select them (they reach the instances they manage). */
export interface DatabaseOperatorsProfile {
  /** MOCO's controller. @default pods `app.kubernetes.io/component: moco-controller` in `moco-system` */
  readonly moco?: ComponentPods;
  /**
   * The Percona Operator for MongoDB (cluster-wide mode).
   * @default pods `app.kubernetes.io/name: percona-server-mongodb-operator` in `psmdb-operator`
   */
  readonly perconaMongodb?: ComponentPods;
}

/** The CloudNativePG operator (PostgreSQL stores with `PostgresEngine.cloudNativePg()`). */
export interface CloudNativePgProfile {
  /** The operator's pods: they reach the instances on 8000 (status) and 5432. @default `app.kubernetes.io/name: cloudnative-pg` in `cnpg-system` */
  readonly operatorPods?: ComponentPods;
}

export interface PlatformProps {
  /** Where Argo CD finds this environment's manifests. */
  readonly gitops: GitOpsSource;
  /** The Argo CD installation. @default - namespace `argocd` */
  readonly argocd?: ArgoCdProfile;
  /** Where secrets come from. */
  readonly secrets: SecretBackend;
  /** The edge controllers. @default - ingress-nginx in `ingress-nginx` (class `nginx`, the default) and Traefik in `traefik` (class `traefik`) */
  readonly edge?: EdgeProfile;
  /** The cluster DNS. @default - kube-dns in kube-system */
  readonly dns?: DnsProfile;
  /** Prometheus (prometheus-operator). @default - see PrometheusProfile */
  readonly prometheus?: PrometheusProfile;
  /** Grafana's dashboard sidecar. @default - see GrafanaProfile */
  readonly grafana?: GrafanaProfile;
  /** Storage classes. @default - the cluster's default class */
  readonly storage?: StorageProfile;
  /** The application image registry. @default - none */
  readonly registry?: RegistryProfile;
  /**
   * Marks a demonstration profile whose values are placeholders (see `demoPlatform()`):
   * accepted in dev only. @default false
   */
  readonly demo?: boolean;
  /**
   * Components the cluster already runs, managed outside this repository: the generated
   * platform layer does not install them (the system READMEs still list the minimum versions
   * and settings the systems need from them). @default - none: the platform layer installs every component the systems need
   */
  readonly preinstalled?: readonly PlatformComponentName[];
  /** The database operators' controllers. @default - see DatabaseOperatorsProfile */
  readonly databaseOperators?: DatabaseOperatorsProfile;
  /** The CloudNativePG operator. @default - see CloudNativePgProfile */
  readonly cloudNativePg?: CloudNativePgProfile;
  /**
   * Where alerts go: receivers and routes of the platform Alertmanager. Required in staging and prod.
   * @default - in dev, no receivers: alerts stay in Alertmanager and are delivered nowhere
   */
  readonly alerting?: AlertingProfile;
  /**
   * Central logs: Loki and Grafana Alloy in the platform layer (every pod's logs, labelled with
   * system, workload and environment), retention and storage of this environment.
   * @default - collected, kept 7 days on a 10Gi volume in namespace `logging`
   */
  readonly logs?: LogsProfile;
  /**
   * Traces of the workloads that call `tracing()`: the OpenTelemetry Collector and Tempo in the
   * platform layer. @default - kept 3 days on a 10Gi volume in namespace `tracing`, every trace sampled
   */
  readonly tracing?: TracingProfile;
  /**
   * The Kubernetes release the environment's clusters run, `1.27` to `1.37`. The synth validates
   * every built-in object against that release's API: an API version it no longer (or not yet)
   * serves and a field it does not have are errors naming the construct. Name the oldest release
   * among the environment's clusters (during an upgrade, the one not yet upgraded).
   * @default '1.27' - the oldest supported release (DEFAULT_KUBERNETES_VERSION)
   */
  readonly kubernetesVersion?: KubernetesVersion;
  /**
   * The service mesh (Istio ambient), installed by the platform layer. Systems enrol in it
   * (`enrolInMesh`); a system asking for it in an environment without one is a synth error.
   * @default - no mesh
   */
  readonly mesh?: MeshProfile;
  /**
   * Public DNS: external-dns, installed by the platform layer, writes the records of every
   * system's public hosts (Ingress and Gateway API routes) into Route 53, optionally as
   * failover records of this site (lib/core/public-dns-profile.ts).
   * @default - no DNS management: the records of the public hosts are made by hand
   */
  readonly publicDns?: PublicDnsProfile;
}

export const DEFAULT_INGRESS_NGINX: Required<Omit<IngressControllerProfile, 'allowedResponseHeaders'>> = {
  pods: { namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
  ingressClassName: 'nginx',
};

export const DEFAULT_TRAEFIK: Required<Omit<IngressControllerProfile, 'allowedResponseHeaders'>> = {
  pods: { namespace: 'traefik', podLabels: { 'app.kubernetes.io/name': 'traefik' } },
  ingressClassName: 'traefik',
};

/**
 * Envoy Gateway's data plane as its Helm chart deploys it: the Envoy proxies of every
 * Gateway run in `envoy-gateway-system`, labelled as Envoy proxies (a PublicEndpoint narrows
 * the peer further to the proxies of its own Gateway by the owning-gateway labels).
 */
export const DEFAULT_ENVOY_GATEWAY_DATA_PLANE: ComponentPods = {
  namespace: 'envoy-gateway-system',
  podLabels: { 'app.kubernetes.io/name': 'envoy', 'app.kubernetes.io/component': 'proxy' },
};

export const DEFAULT_DNS_PODS: ComponentPods = { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } };

export const DEFAULT_PROMETHEUS_PROFILE: Required<PrometheusProfile> = {
  pods: { namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } },
  serviceMonitorLabels: { release: 'prometheus' },
  ruleLabels: { release: 'prometheus' },
};

export const DEFAULT_CLOUDNATIVE_PG_PROFILE: Required<CloudNativePgProfile> = {
  operatorPods: { namespace: 'cnpg-system', podLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } },
};

export const DEFAULT_GRAFANA_PROFILE: Required<GrafanaProfile> = {
  dashboardLabels: { grafana_dashboard: '1' },
  namespace: 'monitoring',
};

export const DEFAULT_DATABASE_OPERATORS: Required<DatabaseOperatorsProfile> = {
  moco: { namespace: 'moco-system', podLabels: { 'app.kubernetes.io/component': 'moco-controller' } },
  perconaMongodb: { namespace: 'psmdb-operator', podLabels: { 'app.kubernetes.io/name': 'percona-server-mongodb-operator' } },
};

/**
 * A cluster profile with its defaults applied. Validation (placeholders in staging and
 * prod, malformed fields) is reported through the environment, by each SystemChart.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class Platform {
  public readonly gitops: Required<GitOpsSource>;
  public readonly argocd: Required<ArgoCdProfile>;
  public readonly secrets: SecretBackend;
  public readonly edge: EdgeProfile;
  public readonly dns: { readonly pods: ComponentPods; readonly nodeLocalAddress?: string; readonly clusterDomain: string };
  public readonly prometheus: Required<PrometheusProfile>;
  public readonly grafana: Required<GrafanaProfile>;
  public readonly storage: StorageProfile;
  public readonly registry: RegistryProfile;
  /** True for a demonstration profile (dev only). */
  public readonly demo: boolean;
  public readonly preinstalled: readonly PlatformComponentName[];
  public readonly databaseOperators: Required<DatabaseOperatorsProfile>;
  public readonly cloudNativePg: Required<CloudNativePgProfile>;
  /** Receivers and routes of the platform Alertmanager, with defaults. */
  public readonly alerting: ResolvedAlerting;
  /** Central logs, with defaults. */
  public readonly logs: ResolvedLogs;
  /** The trace pipeline, with defaults. */
  public readonly tracing: ResolvedTracing;

  /** The Kubernetes release the synth validates the environment's objects against. */
  public readonly kubernetesVersion: KubernetesVersion;
  /** The service mesh, with defaults; undefined when the environment has none. */
  public readonly mesh: ResolvedMesh | undefined;
  /** Public DNS, with defaults; undefined when the environment's records are not managed here. */
  public readonly publicDns: ResolvedPublicDns | undefined;

  constructor(public readonly props: PlatformProps) {
    const p = (typeof props === 'object' && props !== null ? props : {}) as Partial<PlatformProps>;
    this.gitops = { distPath: 'dist', ...defined(p.gitops) } as Required<GitOpsSource>;
    this.argocd = { namespace: 'argocd', destinationServer: IN_CLUSTER_SERVER, ...defined(p.argocd) };
    // A missing or malformed backend is reported by checkPlatform; construction goes on with generated secrets.
    this.secrets = typeof p.secrets === 'object' && p.secrets !== null ? p.secrets : { kind: 'generated' };
    // Without a profile, both Ingress controllers the library always rendered for are assumed at their defaults.
    this.edge = p.edge ?? { default: 'ingress-nginx', ingressNginx: DEFAULT_INGRESS_NGINX, traefik: DEFAULT_TRAEFIK };
    this.dns = { pods: DEFAULT_DNS_PODS, clusterDomain: 'cluster.local', ...defined(p.dns) };
    this.prometheus = { ...DEFAULT_PROMETHEUS_PROFILE, ...defined(p.prometheus) };
    this.grafana = { ...DEFAULT_GRAFANA_PROFILE, ...defined(p.grafana) };
    this.storage = { ...defined(p.storage) };
    this.registry = { ...defined(p.registry) };
    this.demo = p.demo === true;
    this.preinstalled = Array.isArray(p.preinstalled) ? [...p.preinstalled] : [];
    this.databaseOperators = { ...DEFAULT_DATABASE_OPERATORS, ...defined(p.databaseOperators) };
    this.cloudNativePg = { ...DEFAULT_CLOUDNATIVE_PG_PROFILE, ...defined(p.cloudNativePg) };
    this.alerting = resolveAlerting(p.alerting);
    this.logs = resolveLogs(p.logs);
    this.tracing = resolveTracing(p.tracing);

    // A malformed version is reported by checkPlatform; validation then uses the default.
    this.kubernetesVersion = isKubernetesVersion(p.kubernetesVersion) ? p.kubernetesVersion : DEFAULT_KUBERNETES_VERSION;
    this.mesh = resolveMesh(p.mesh);
    this.publicDns = resolvePublicDns(p.publicDns);
  }
}

/** The fields of an object that are not undefined (so that they do not hide defaults when spread). */
function defined<T extends object>(value: T | undefined): Partial<T> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * A demonstration profile: a placeholder Git repository, secrets generated in the cluster and
 * every other fact at its default (ingress-nginx, kube-dns, a kube-prometheus-stack release
 * named `prometheus` in `monitoring`). Accepted in dev only; staging and prod need the real
 * cluster's profile, and a synth with this one there is an error.
 */
export function demoPlatform(): PlatformProps {
  return {
    demo: true,
    gitops: { repoURL: 'https://git.example.com/demo/cdk8s-stacks.git', targetRevision: 'main' },
    secrets: { kind: 'generated' },
  };
}
