/**
 * Where each pinned chart's source is: its public Git repository, the tag (or commit) of the
 * released version and the chart's folder there, and the packaging steps its release process
 * performs on that folder before publishing (the published archive is what Argo CD renders;
 * the repository holds its source). Read by generate.ts; nothing here is used at synth time.
 *
 * To add a chart: add an entry keyed `<chart>@<version>` (the chart name and version as pinned
 * in lib/gitops/platform-components.ts), run generate.ts (see README.md) and commit the JSON.
 */

/** A chart folder in a Git repository at one ref. */
export interface ChartSource {
  /** GitHub `owner/name`. */
  readonly repo: string;
  /** Tag of the released version, or a commit when the repository has no tags for it. */
  readonly ref: string;
  /** The chart's folder in the repository. */
  readonly path: string;
}

/** A packaging step of the chart's release process, reproduced before rendering. */
export type PackagingStep =
  /** Chart.yaml carries a placeholder version: the release sets `version` and `appVersion`. */
  | { readonly kind: 'set-chart-version'; readonly version: string; readonly appVersion: string }
  /** `values.yaml` is generated from a template with `envsubst`. */
  | { readonly kind: 'envsubst-values'; readonly template: string; readonly env: Readonly<Record<string, string>> }
  /**
   * external-secrets' `hack/helm.generate.sh`: the CRD bundle is split into `templates/crds/`,
   * each CRD guarded by `installCRDs` (and `crds.create<Kind>` for Cluster* and PushSecret kinds).
   */
  | { readonly kind: 'external-secrets-crds'; readonly bundle: string };

export interface ChartSourceEntry {
  /** Where the chart is. */
  readonly source?: ChartSource;
  /**
   * Why no source of this version could be had, and the nearest version that could, whose
   * render stands in for it (marked unverified in the facts).
   */
  readonly unavailable?: { readonly reason: string; readonly nearest: ChartSource & { readonly version: string } };
  readonly packaging?: readonly PackagingStep[];
  /** Dependencies that are not in the chart's `charts/` folder, by name: where their source is. */
  readonly dependencies?: Readonly<Record<string, ChartSource>>;
}

const PROMETHEUS_COMMUNITY = 'prometheus-community/helm-charts';
const ISTIO_RELEASE = '1.30.3';

export const CHART_SOURCES: Readonly<Record<string, ChartSourceEntry>> = {
  'cert-manager@v1.21.1': {
    source: { repo: 'cert-manager/cert-manager', ref: 'v1.21.1', path: 'deploy/charts/cert-manager' },
    packaging: [{ kind: 'set-chart-version', version: 'v1.21.1', appVersion: 'v1.21.1' }],
  },
  'ingress-nginx@4.15.1': { source: { repo: 'kubernetes/ingress-nginx', ref: 'helm-chart-4.15.1', path: 'charts/ingress-nginx' } },
  'traefik@41.3.0': { source: { repo: 'traefik/traefik-helm-chart', ref: 'v41.3.0', path: 'traefik' } },
  'external-secrets@2.9.0': {
    source: { repo: 'external-secrets/external-secrets', ref: 'helm-chart-2.9.0', path: 'deploy/charts/external-secrets' },
    packaging: [{ kind: 'external-secrets-crds', bundle: 'deploy/crds/bundle.yaml' }],
  },
  'kube-prometheus-stack@88.5.3': {
    source: { repo: PROMETHEUS_COMMUNITY, ref: 'kube-prometheus-stack-88.5.3', path: 'charts/kube-prometheus-stack' },
    dependencies: {
      'kube-state-metrics': { repo: PROMETHEUS_COMMUNITY, ref: 'kube-state-metrics-8.4.0', path: 'charts/kube-state-metrics' },
      'prometheus-node-exporter': { repo: PROMETHEUS_COMMUNITY, ref: 'prometheus-node-exporter-4.56.1', path: 'charts/prometheus-node-exporter' },
    },
  },
  'grafana@12.11.1': { source: { repo: 'grafana-community/helm-charts', ref: 'grafana-12.11.1', path: 'charts/grafana' } },
  // FairwindsOps/charts has no tags: the commit that set stable/vpa/Chart.yaml to 5.0.0.
  'vpa@5.0.0': { source: { repo: 'FairwindsOps/charts', ref: '5f478fce', path: 'stable/vpa' } },
  'external-dns@1.21.1': {
    source: { repo: 'kubernetes-sigs/external-dns', ref: 'external-dns-helm-chart-1.21.1', path: 'charts/external-dns' },
  },
  'metrics-server@3.13.1': {
    source: { repo: 'kubernetes-sigs/metrics-server', ref: 'metrics-server-helm-chart-3.13.1', path: 'charts/metrics-server' },
  },
  'gateway-helm@v1.9.0': {
    source: { repo: 'envoyproxy/gateway', ref: 'v1.9.0', path: 'charts/gateway-helm' },
    packaging: [
      // tools/make/helm.mk: the release sets the chart version and generates values.yaml.
      { kind: 'set-chart-version', version: 'v1.9.0', appVersion: 'v1.9.0' },
      {
        kind: 'envsubst-values',
        template: 'values.tmpl.yaml',
        env: { GatewayImage: 'docker.io/envoyproxy/gateway:v1.9.0', GatewayImagePullPolicy: 'IfNotPresent' },
      },
    ],
  },
  'moco@0.20.0': { source: { repo: 'cybozu-go/moco', ref: 'chart-v0.20.0', path: 'charts/moco' } },
  'psmdb-operator@1.23.0': {
    unavailable: {
      reason:
        'percona/percona-helm-charts as stored has no psmdb-operator 1.23.0 (no tag psmdb-operator-1.23.0; Chart.yaml is 1.22.0 at the newest stored commit)',
      nearest: { repo: 'percona/percona-helm-charts', ref: 'psmdb-operator-1.22.0', path: 'charts/psmdb-operator', version: '1.22.0' },
    },
  },
  'cloudnative-pg@0.29.0': { source: { repo: 'cloudnative-pg/charts', ref: 'cloudnative-pg-v0.29.0', path: 'charts/cloudnative-pg' } },
  'plugin-barman-cloud@0.8.0': {
    unavailable: {
      reason:
        'cloudnative-pg/charts as stored ends at plugin-barman-cloud 0.7.0 (plugin v0.13.0; no tag plugin-barman-cloud-v0.8.0), and cloudnative-pg/plugin-barman-cloud at v0.9.0',
      nearest: { repo: 'cloudnative-pg/charts', ref: 'plugin-barman-cloud-v0.7.0', path: 'charts/plugin-barman-cloud', version: '0.7.0' },
    },
  },
  // Logs and traces (lib/gitops/observability-components.ts). Loki's minio and rollout-operator
  // subcharts and Alloy's CRD subchart are disabled by their conditions with the layer's values.
  'loki@18.11.0': { source: { repo: 'grafana-community/helm-charts', ref: 'loki-18.11.0', path: 'charts/loki' } },
  'tempo@2.2.4': { source: { repo: 'grafana-community/helm-charts', ref: 'tempo-2.2.4', path: 'charts/tempo' } },
  'alloy@1.11.1': { source: { repo: 'grafana/alloy', ref: 'helm-chart/1.11.1', path: 'operations/helm/charts/alloy' } },
  'opentelemetry-collector@0.170.0': {
    source: { repo: 'open-telemetry/opentelemetry-helm-charts', ref: 'opentelemetry-collector-0.170.0', path: 'charts/opentelemetry-collector' },
  },
  // Istio ambient (lib/gitops/mesh-components.ts): every chart in istio/istio's manifests/charts at
  // the release tag; Chart.yaml says 1.0.0 there and istio/release-builder sets the release's version.
  ...Object.fromEntries(
    [
      ['base', 'manifests/charts/base'],
      ['istiod', 'manifests/charts/istio-control/istio-discovery'],
      ['cni', 'manifests/charts/istio-cni'],
      ['ztunnel', 'manifests/charts/ztunnel'],
    ].map(([chart, path]): [string, ChartSourceEntry] => [
      `${chart}@${ISTIO_RELEASE}`,
      {
        source: { repo: 'istio/istio', ref: ISTIO_RELEASE, path },
        packaging: [{ kind: 'set-chart-version', version: ISTIO_RELEASE, appVersion: ISTIO_RELEASE }],
      },
    ]),
  ),
  // Argo Rollouts (lib/gitops/delivery-components.ts).
  'argo-rollouts@2.41.0': { source: { repo: 'argoproj/argo-helm', ref: 'argo-rollouts-2.41.0', path: 'charts/argo-rollouts' } },
};
