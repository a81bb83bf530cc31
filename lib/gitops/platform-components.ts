/**
 * The cluster components the generated platform layer can install: one pinned Helm chart
 * per component, and the Helm values that make it agree with the cluster profile and with
 * what the systems emit. Which components an environment gets, and the values that depend
 * on the systems (ingress-nginx's allowed response headers), come from the requirements
 * the constructs declared (`requirePlatform`), never from a second list.
 */
import type { Json } from '../core/json';
import type { ErrorId } from '../core/validation';
import { DeclaredRequirement, compareVersions, PlatformComponentName } from '../core/platform-requirements';
import { DEFAULT_INGRESS_NGINX, DEFAULT_TRAEFIK, Platform } from '../core/platform';
import { releaseFacts, ReleaseFacts } from './chart-facts';
import type { ComponentChart } from './component-chart';
import { OBSERVABILITY_CHARTS, observabilityDatasources, observabilityValues } from './observability-components';
import { ADDED_CHARTS, addedComponentNamespace, addedComponentValues } from './added-components';

export type { ComponentChart } from './component-chart';

/**
 * The charts, pinned. What each creates (cluster-scoped kinds, namespaces, CRDs, the Pod
 * Security its pods need) is not written here: it is read from the chart itself into
 * chart-facts-table.json (scripts/chart-facts/README.md); re-pinning a version without refreshing
 * that table is a synth error. Versions are those of the CRDs in imports/crds (cert-manager v1.21.1,
 * external-secrets v2.9.0, prometheus-operator v0.93 (kube-prometheus-stack 88.5.3 ships
 * v0.93.1), Traefik v3.7, VPA 1.7.1) and each chart's newest release at the time of pinning.
 */
export const COMPONENT_CHARTS: Readonly<Partial<Record<PlatformComponentName, ComponentChart>>> = {
  'cert-manager': {
    title: 'cert-manager',
    repoURL: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    chartVersion: 'v1.21.1',
    appVersion: '1.21.1',
    releaseName: 'cert-manager',
  },
  'ingress-nginx': {
    title: 'ingress-nginx controller',
    repoURL: 'https://kubernetes.github.io/ingress-nginx',
    chart: 'ingress-nginx',
    chartVersion: '4.15.1',
    appVersion: '1.15.1',
    releaseName: 'ingress-nginx',
  },
  traefik: {
    title: 'Traefik',
    repoURL: 'https://traefik.github.io/charts',
    chart: 'traefik',
    chartVersion: '41.3.0',
    appVersion: '3.7.11',
    releaseName: 'traefik',
  },
  'external-secrets': {
    title: 'External Secrets Operator',
    repoURL: 'https://charts.external-secrets.io',
    chart: 'external-secrets',
    chartVersion: '2.9.0',
    appVersion: '2.9.0',
    releaseName: 'external-secrets',
  },
  'prometheus-operator': {
    title: 'Prometheus Operator with Prometheus and Alertmanager (kube-prometheus-stack)',
    repoURL: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-prometheus-stack',
    chartVersion: '88.5.3',
    appVersion: '0.93.1',
    releaseName: 'prometheus',
  },
  grafana: {
    title: 'Grafana with the dashboard sidecar',
    repoURL: 'https://grafana-community.github.io/helm-charts',
    chart: 'grafana',
    chartVersion: '12.11.1',
    appVersion: '13.2.0',
    releaseName: 'grafana',
  },
  'vertical-pod-autoscaler': {
    title: 'Vertical Pod Autoscaler',
    repoURL: 'https://charts.fairwinds.com/stable',
    chart: 'vpa',
    chartVersion: '5.0.0',
    appVersion: '1.7.1',
    releaseName: 'vpa',
  },
  'metrics-server': {
    title: 'metrics-server',
    repoURL: 'https://kubernetes-sigs.github.io/metrics-server/',
    chart: 'metrics-server',
    chartVersion: '3.13.1',
    appVersion: '0.8.1',
    releaseName: 'metrics-server',
  },
  // Published as an OCI chart (oci://docker.io/envoyproxy/gateway-helm; Argo CD's Helm OCI
  // repository URL has no scheme). Its default install applies the Gateway API CRDs (standard
  // channel) beside Envoy Gateway's own; the GatewayClass is the platform layer's.
  'envoy-gateway': {
    title: 'Envoy Gateway (with the Gateway API CRDs)',
    repoURL: 'docker.io/envoyproxy',
    chart: 'gateway-helm',
    chartVersion: 'v1.9.0',
    appVersion: '1.9.0',
    releaseName: 'eg',
    provides: ['gateway-api-crds'],
  },
  // MOCO's chart versions run ten minors behind the operator (chart 0.19.0 installs 0.29.0, per
  // the chart CHANGELOG in the v0.30.0 module); 0.20.0 is the release for 0.30.0, whose
  // sidecar security contexts the MySQLCluster uses. No Helm repository is reachable here to
  // confirm it: Argo CD reports a missing chart version at sync.
  moco: {
    title: 'MOCO (MySQL operator)',
    repoURL: 'https://cybozu-go.github.io/moco/',
    chart: 'moco',
    chartVersion: '0.20.0',
    appVersion: '0.30.0',
    releaseName: 'moco',
  },
  // Percona publishes the operator chart at the operator's own version.
  'percona-server-mongodb-operator': {
    title: 'Percona Operator for MongoDB',
    repoURL: 'https://percona.github.io/percona-helm-charts/',
    chart: 'psmdb-operator',
    chartVersion: '1.23.0',
    appVersion: '1.23.0',
    releaseName: 'psmdb-operator',
  },
  'cloudnative-pg': {
    title: 'CloudNativePG operator',
    repoURL: 'https://cloudnative-pg.github.io/charts',
    chart: 'cloudnative-pg',
    chartVersion: '0.29.0',
    appVersion: '1.30.0',
    releaseName: 'cnpg',
  },
  // The CNPG-I Barman Cloud plugin: the ObjectStore CRD and the plugin the Clusters archive WAL
  // through. It runs beside the operator and issues its TLS certificates with cert-manager.
  'barman-cloud-plugin': {
    title: 'Barman Cloud plugin for CloudNativePG',
    repoURL: 'https://cloudnative-pg.github.io/charts',
    chart: 'plugin-barman-cloud',
    chartVersion: '0.8.0',
    appVersion: '0.15.0',
    releaseName: 'plugin-barman-cloud',
  },
  // Loki, Alloy, Tempo and the OpenTelemetry Collector (observability-components.ts); Argo Rollouts (delivery-components.ts).
  ...OBSERVABILITY_CHARTS,
  ...ADDED_CHARTS, // Istio ambient and Argo Rollouts (lib/gitops/added-components.ts)
};

/** One component of an environment's platform layer: its chart, where it runs, its values and why it is there. */
export interface PlannedComponent {
  readonly component: PlatformComponentName;
  readonly chart: ComponentChart;
  readonly namespace: string;
  /** Highest minimum version any system needs. */
  readonly minVersion: string;
  /** Every requirement that led to it, with the declaring construct. */
  readonly requirements: readonly DeclaredRequirement[];
  /** Settings merged from the requirements: name -> sorted union of values. */
  readonly settings: Readonly<Record<string, readonly string[]>>;
  readonly values: Json;
  /**
   * What the chart creates with these values, from chart-facts-table.json.
   * @default - none when the table has no facts for the version (a plan issue)
   */
  readonly facts?: ReleaseFacts;
}

/** A problem of the plan, on a profile field or a requirement. */
export interface PlanIssue {
  /** Construct path to report on (the declaring construct). @default - the platform layer (an issue of the profile) */
  readonly path?: string;
  /** The stable id of the problem (see ErrorId). */
  readonly id: ErrorId;
  readonly field: string;
  readonly message: string;
}

export interface PlatformPlan {
  readonly components: readonly PlannedComponent[];
  /** Components the systems need that the platform layer has no chart for: listed as prerequisites, installed by hand. */
  readonly unmanaged: readonly PlatformComponentName[];
  /** Components the systems need that the profile says the cluster already runs (`preinstalled`). */
  readonly preinstalled: readonly PlatformComponentName[];
  readonly issues: readonly PlanIssue[];
}

/** Settings of several requirements merged: for each name the sorted union of the values. */
export function mergeSettings(requirements: readonly DeclaredRequirement[]): Record<string, string[]> {
  const merged: Record<string, Set<string>> = {};
  for (const r of requirements)
    for (const [name, values] of Object.entries(r.settings ?? {})) for (const v of values) (merged[name] ??= new Set()).add(v);
  return Object.fromEntries(
    Object.keys(merged)
      .sort()
      .map((name) => [name, [...merged[name]].sort()]),
  );
}

/** The namespace a component runs in: from the profile where it names one, else the chart's usual namespace. */
export function componentNamespace(component: PlatformComponentName, platform: Platform): string {
  switch (component) {
    case 'ingress-nginx':
      return (platform.edge.ingressNginx ?? DEFAULT_INGRESS_NGINX).pods.namespace;
    case 'traefik':
      return (platform.edge.traefik ?? DEFAULT_TRAEFIK).pods.namespace;
    case 'prometheus-operator':
      return platform.prometheus.pods.namespace;
    case 'grafana':
      return platform.grafana.namespace;
    case 'metrics-server':
      return 'kube-system';
    case 'vertical-pod-autoscaler':
      return 'vpa';
    case 'cloudnative-pg':
    case 'barman-cloud-plugin':
      // The plugin runs in the operator's namespace, where the operator discovers it.
      return platform.cloudNativePg.operatorPods.namespace;
    case 'moco':
      return platform.databaseOperators.moco.namespace;
    case 'percona-server-mongodb-operator':
      return platform.databaseOperators.perconaMongodb.namespace;
    case 'loki':
    case 'alloy':
      return platform.logs.namespace;
    case 'tempo':
    case 'opentelemetry-collector':
      return platform.tracing.namespace;
    case 'envoy-gateway':
      // The controller runs its proxies in its own namespace: where the profile says the data plane is.
      return platform.edge.gateway?.dataPlane.namespace ?? 'envoy-gateway-system';
    default:
      return addedComponentNamespace(component, platform);
  }
}

/**
 * The platform layer of one environment: one component per component the requirements
 * name, at the pinned chart, with values derived from the profile and the merged settings.
 * `environment` is the name the log collector labels every stream with.
 */
export function planPlatform(platform: Platform, requirements: readonly DeclaredRequirement[], environment = 'dev'): PlatformPlan {
  const byComponent = new Map<PlatformComponentName, DeclaredRequirement[]>();
  for (const r of requirements) {
    const list = byComponent.get(r.component) ?? [];
    list.push(r);
    byComponent.set(r.component, list);
  }
  const components: PlannedComponent[] = [];
  const unmanaged: PlatformComponentName[] = [];
  const preinstalled: PlatformComponentName[] = [];
  const issues: PlanIssue[] = [];
  for (const component of [...byComponent.keys()].sort()) {
    const reqs = byComponent.get(component)!;
    const minVersion = reqs.map((r) => r.minVersion).reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
    const chart = COMPONENT_CHARTS[component];
    if (platform.preinstalled.includes(component)) {
      preinstalled.push(component);
      continue;
    }
    if (!chart) {
      const provider = Object.entries(COMPONENT_CHARTS).find(
        ([name, c]) => byComponent.has(name as PlatformComponentName) && c?.provides?.includes(component),
      );
      if (!provider) unmanaged.push(component);
      continue;
    }
    const highest = reqs.find((r) => r.minVersion === minVersion)!;
    if (compareVersions(chart.appVersion, minVersion) < 0) {
      issues.push({
        id: 'platform.component-too-old',
        path: highest.path,
        field: 'platform',
        message: `needs ${component} >= ${minVersion} (${highest.reason}); the platform layer pins ${chart.chart} ${chart.chartVersion} (${component} ${chart.appVersion}) in lib/gitops/platform-components.ts`,
      });
    }
    const settings = mergeSettings(reqs);
    const namespace = componentNamespace(component, platform);
    const values = valuesFor(component, platform, settings, { environment, has: (c) => byComponent.has(c) }, issues);
    const facts = releaseFacts(chart.chart, chart.chartVersion, chart.releaseName, namespace, values);
    if (!facts) {
      issues.push({
        id: 'platform.chart-facts-missing',
        path: highest.path,
        field: 'platform',
        message: `${chart.chart} ${chart.chartVersion} has no facts in lib/gitops/chart-facts-table.json (what it creates, read from the chart); run scripts/chart-facts/generate.ts (scripts/chart-facts/README.md) after pinning a chart`,
      });
    }
    components.push({ component, chart, namespace, minVersion, requirements: reqs, settings, values, facts });
  }
  // The plugin's chart issues its certificates with cert-manager.
  if (
    byComponent.has('barman-cloud-plugin') &&
    !preinstalled.includes('barman-cloud-plugin') &&
    !byComponent.has('cert-manager') &&
    !platform.preinstalled.includes('cert-manager')
  ) {
    const r = byComponent.get('barman-cloud-plugin')![0];
    issues.push({
      id: 'platform.barman-plugin-needs-cert-manager',
      path: r.path,
      field: 'platform',
      message:
        "the Barman Cloud plugin needs cert-manager (its chart issues the plugin's TLS certificates): list cert-manager in preinstalled, or let a system require it",
    });
  }
  return { components, unmanaged, preinstalled, issues };
}

/** The annotations that make the load balancer send PROXY protocol, on the edge controller's Service. */
/** Pods of each Ingress controller (see EdgeProfile.replicas). */
function edgeReplicas(platform: Platform): number {
  return platform.edge.replicas ?? 2;
}

/**
 * The controller's pods spread over zones and nodes, as the library spreads a WebService's:
 * preferred (ScheduleAnyway), so a one-node development cluster still runs them. Selected by
 * the profile's pod labels, which the values give the pods.
 */
function edgeSpread(podLabels: Readonly<Record<string, string>>): Json[] {
  const labelSelector = { matchLabels: { ...podLabels } };
  return ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector,
  }));
}

function loadBalancerAnnotations(platform: Platform): Json {
  const client = platform.edge.clientAddress;
  return client?.mode === 'proxy-protocol' ? { annotations: { ...client.loadBalancerAnnotations } } : {};
}

/**
 * Traefik's entry points read the PROXY header (`proxyProtocol`) or X-Forwarded-For
 * (`forwardedHeaders`) only from the trusted addresses (chart 41.3.0: `ports.<name>.<setting>.trustedIPs`).
 */
function traefikClientAddress(platform: Platform): Json {
  const client = platform.edge.clientAddress;
  if (!client || client.mode === 'local') return {};
  const setting = client.mode === 'proxy-protocol' ? 'proxyProtocol' : 'forwardedHeaders';
  const trusted = { [setting]: { trustedIPs: [...client.trustedCidrs] } };
  return { ports: { web: trusted, websecure: trusted } };
}

function valuesFor(
  component: PlatformComponentName,
  platform: Platform,
  settings: Readonly<Record<string, readonly string[]>>,
  context: { readonly environment: string; readonly has: (c: PlatformComponentName) => boolean },
  issues: PlanIssue[],
): Json {
  const withPrometheus = context.has('prometheus-operator');
  switch (component) {
    case 'loki':
    case 'alloy':
    case 'tempo':
    case 'opentelemetry-collector':
      return observabilityValues(component, platform, context.environment, withPrometheus, settings);
    case 'cert-manager':
      // The CRDs are part of the release and survive its removal (certificates are not lost with it).
      // Gateway API support (Certificates for listeners, the gatewayHTTPRoute solver) is switched on in the controller's configuration.
      return {
        crds: { enabled: true, keep: true },
        ...(settings['config.enableGatewayAPI']?.includes('true')
          ? { config: { apiVersion: 'controller.config.cert-manager.io/v1alpha1', kind: 'ControllerConfiguration', enableGatewayAPI: true } }
          : {}),
      };
    case 'ingress-nginx': {
      const profile = platform.edge.ingressNginx ?? DEFAULT_INGRESS_NGINX;
      const className = profile.ingressClassName ?? DEFAULT_INGRESS_NGINX.ingressClassName;
      // Every controller setting a system relies on, as the controller's ConfigMap expects lists: comma-separated.
      const config: Record<string, string> = Object.fromEntries(Object.entries(settings).map(([name, values]) => [name, values.join(',')]));
      // A PROXY header or X-Forwarded-For believed only from the load balancer's addresses (realip module).
      const client = platform.edge.clientAddress;
      if (client?.mode === 'proxy-protocol') config['use-proxy-protocol'] = 'true';
      if (client?.mode === 'forwarded-for') config['use-forwarded-headers'] = 'true';
      if (client && client.mode !== 'local') config['proxy-real-ip-cidr'] = client.trustedCidrs.join(',');
      return {
        controller: {
          ingressClass: className,
          ingressClassResource: {
            name: className,
            enabled: true,
            default: false,
            controllerValue: `k8s.io/${className === 'nginx' ? 'ingress-nginx' : className}`,
          },
          podLabels: { ...profile.pods.podLabels },
          // Chart 4.15.1 renders a PodDisruptionBudget (minAvailable 1) itself when replicaCount > 1.
          replicaCount: edgeReplicas(platform),
          topologySpreadConstraints: edgeSpread(profile.pods.podLabels),
          config,
          // The client's address reaches the controller (X-Real-IP, per-client rate limits): the
          // load balancer sends only to nodes running a controller pod, which kube-proxy does not SNAT.
          // Chart 4.15.1 renders this on its external Service.
          service: { externalTrafficPolicy: 'Local', ...loadBalancerAnnotations(platform) },
        },
      };
    }
    case 'traefik': {
      const profile = platform.edge.traefik ?? DEFAULT_TRAEFIK;
      return {
        ingressClass: { enabled: true, isDefaultClass: false, name: profile.ingressClassName ?? DEFAULT_TRAEFIK.ingressClassName },
        providers: { kubernetesCRD: { enabled: true, allowCrossNamespace: false }, kubernetesIngress: { enabled: true } },
        deployment: { podLabels: { ...profile.pods.podLabels }, replicas: edgeReplicas(platform) },
        topologySpreadConstraints: edgeSpread(profile.pods.podLabels),
        // Chart 41.3.0 renders its PodDisruptionBudget only when asked to.
        ...(edgeReplicas(platform) > 1 ? { podDisruptionBudget: { enabled: true, minAvailable: 1 } } : {}),
        // As for ingress-nginx: keep the client's address. Chart 41.3.0 adds `service.spec` to its Service's spec.
        // (Envoy Gateway v1.9.0 already gives its proxies' Services externalTrafficPolicy Local by default.)
        service: { spec: { externalTrafficPolicy: 'Local' }, ...loadBalancerAnnotations(platform) },
        ...traefikClientAddress(platform),
      };
    }
    case 'external-secrets':
      return { installCRDs: true };
    case 'prometheus-operator': {
      const p = platform.prometheus;
      const common = { ...p.serviceMonitorLabels };
      for (const [k, v] of Object.entries(p.ruleLabels)) {
        if (common[k] !== undefined && common[k] !== v) {
          issues.push({
            id: 'platform.prometheus.rule-labels-contradict',
            field: 'platform.prometheus.ruleLabels',
            message: `'${k}: ${v}' contradicts serviceMonitorLabels '${k}: ${common[k]}'; the chart's own monitors and rules carry one set of labels`,
          });
        }
        common[k] = v;
      }
      return {
        // The chart's own ServiceMonitors and rules carry the labels the selectors below match.
        commonLabels: common,
        grafana: { enabled: false },
        // The Prometheus is the platform layer's own object (PrometheusServer in
        // dist/<env>/platform/prometheus, selecting by the profile's labels), the one the cluster
        // suite runs this operator against; the chart's would be a second one scraping everything.
        prometheus: { enabled: false },
        // Likewise the Alertmanager (dist/<env>/platform/prometheus, routed by the systems'
        // AlertmanagerConfigs): the chart's own would be a second one behind the same
        // alertmanager-operated Service, receiving every alert and routing it to no one.
        alertmanager: { enabled: false },
      };
    }
    case 'grafana': {
      const labels = Object.entries(platform.grafana.dashboardLabels);
      if (labels.length !== 1) {
        issues.push({
          id: 'platform.grafana.dashboard-labels-not-one',
          field: 'platform.grafana.dashboardLabels',
          message: `has ${labels.length} labels; Grafana's dashboard sidecar watches exactly one label (key and value)`,
        });
      }
      const [label, labelValue] = labels[0] ?? ['grafana_dashboard', '1'];
      const values: Json = { sidecar: { dashboards: { enabled: true, label, labelValue, searchNamespace: 'ALL' } } };
      const logsAndTraces = observabilityDatasources(platform, context.has);
      if (withPrometheus || logsAndTraces.length > 0) {
        values.datasources = {
          'datasources.yaml': {
            apiVersion: 1,
            datasources: [
              ...(withPrometheus
                ? [
                    {
                      name: 'Prometheus',
                      type: 'prometheus',
                      uid: 'prometheus',
                      access: 'proxy',
                      isDefault: true,
                      // The Service prometheus-operator creates for every Prometheus.
                      url: `http://prometheus-operated.${platform.prometheus.pods.namespace}.svc:9090`,
                    },
                  ]
                : []),
              ...logsAndTraces,
            ],
          },
        };
      }
      return values;
    }
    case 'vertical-pod-autoscaler': {
      const parts = new Set(settings.components ?? ['recommender']);
      return {
        recommender: { enabled: true },
        updater: { enabled: parts.has('updater') },
        admissionController: { enabled: parts.has('admission-controller') },
      };
    }
    case 'metrics-server':
      return {};
    case 'cloudnative-pg':
    case 'barman-cloud-plugin':
      return { crds: { create: true } };
    case 'percona-server-mongodb-operator':
      // One operator for every system namespace (the PerconaServerMongoDB objects live there).
      return { watchAllNamespaces: true };
    default:
      return addedComponentValues(component);
  }
}
