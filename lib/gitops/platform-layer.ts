import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Application } from '../../imports/applications-argoproj.io';
import { GatewayClass } from '../../imports/gatewayclasses-gateway.networking.k8s.io';
import { Environment } from '../core/environment';
import { SYNC_RETRY } from './sync-policy';
import { setApplyOrder } from './apply-order';
import { PlannedComponent, PlatformPlan } from './platform-components';
import { StackPriorityClasses } from './priority-classes';
import { higherLevel, PodSecurityLevelName } from './chart-facts';
import { POD_SECURITY_VERSION } from '../security/system-namespace';

export interface PlatformLayerProps {
  readonly environment: Environment;
  /** The components to install, derived from what the environment's systems declared (`planPlatform`). */
  readonly plan: PlatformPlan;
  /** Argo CD project of the component Applications. */
  readonly project: string;
}

const PLATFORM_CHART = Symbol.for('cdk8s-stacks.PlatformLayer');

/**
 * `dist/<env>/platform/`: what the systems of one environment need from the cluster. One
 * Argo CD Application per cluster component (a pinned Helm chart with values derived from
 * the profile and the systems), and the PriorityClasses every pod uses. Made by the synth
 * pipeline for every environment that has an `ArgoCdApplications` chart; its Application in
 * `dist/<env>/argocd/` syncs before those of the systems.
 */
export class PlatformLayer extends Chart {
  /** True when `x` is a PlatformLayer chart (`instanceof` does not work across copies of the library). */
  public static isPlatformLayer(x: unknown): x is PlatformLayer {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[PLATFORM_CHART] === true;
  }

  public readonly environment: Environment;
  public readonly plan: PlatformPlan;

  constructor(scope: Construct, props: PlatformLayerProps) {
    const env = props.environment;
    super(scope, `platform-${env.name}`, { namespace: env.platform.argocd.namespace, disableResourceNameHashes: true });
    Object.defineProperty(this, PLATFORM_CHART, { value: true });
    this.environment = env;
    this.plan = props.plan;
    new StackPriorityClasses(this, 'priority-classes');
    // The storage classes the profile declares for the platform layer to create (preinstalled ones are the cluster's).
    for (const [name, spec] of Object.entries(env.platform.storage.classes ?? {})) {
      if (!('provisioner' in spec)) continue;
      new ApiObject(this, `storage-class-${name}`, {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name },
        provisioner: spec.provisioner,
        reclaimPolicy: spec.reclaimPolicy ?? 'Delete',
        volumeBindingMode: spec.volumeBindingMode ?? 'WaitForFirstConsumer',
        allowVolumeExpansion: spec.allowVolumeExpansion ?? false,
        ...(spec.parameters ? { parameters: { ...spec.parameters } } : {}),
      });
    }
    const waves = componentWaves(props.plan.components);
    const namespaceLabels = podSecurityLabels(props.plan.components, env.platform.prometheus.pods.namespace);
    for (const c of props.plan.components) {
      const labels = namespaceLabels.get(c.namespace);
      // A chart that renders custom resources of another component's CRDs (the Barman Cloud
      // plugin's cert-manager Certificates) must not fail its dry run before those CRDs exist.
      const skipDryRun = (c.facts?.foreignKinds.length ?? 0) > 0 ? ['SkipDryRunOnMissingResource=true'] : [];
      const ignored = c.chart.ignoreDifferences ?? [];
      const app = new Application(this, c.component, {
        metadata: { name: `${c.component}-${env.name}`, labels: { 'app.kubernetes.io/name': c.component } },
        spec: {
          project: props.project,
          source: {
            repoUrl: c.chart.repoURL,
            chart: c.chart.chart,
            targetRevision: c.chart.chartVersion,
            helm: { releaseName: c.chart.releaseName, valuesObject: c.values },
          },
          destination: { server: env.platform.argocd.destinationServer, namespace: c.namespace },
          ...(ignored.length > 0
            ? { ignoreDifferences: ignored.map((d) => ({ group: d.group, kind: d.kind, jqPathExpressions: [...d.jqPathExpressions] })) }
            : {}),
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            // Server-side apply: the operators' CRDs exceed the size of the client-side apply annotation.
            syncOptions: [
              'CreateNamespace=true',
              'ServerSideApply=true',
              ...skipDryRun,
              ...(ignored.length > 0 ? ['RespectIgnoreDifferences=true'] : []),
            ],
            ...(labels ? { managedNamespaceMetadata: { labels } } : {}),
            retry: SYNC_RETRY,
          },
        },
      });
      setApplyOrder(app, waves.get(c.component)!);
    }
    if (props.plan.components.some((c) => c.component === 'envoy-gateway')) {
      // The class the systems' Gateways name; Envoy Gateway's chart does not create one.
      const gatewayClass = new GatewayClass(this, 'gateway-class', {
        // Its CRD comes with the chart: the render marks it SkipDryRunOnMissingResource.
        metadata: { name: env.platform.edge.gateway?.gatewayClassName ?? ENVOY_GATEWAY_CLASS },
        spec: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' },
      });
      // After the Application that installs its CRD.
      setApplyOrder(gatewayClass, waves.get('envoy-gateway')! + 1);
    }
  }
}

/**
 * The Pod Security labels of the namespaces the component Applications create: each enforces
 * the highest level the charts' pods in it need (read from the charts: Alloy's hostPath makes
 * `logging` privileged), and audits and warns `restricted`, so a cluster whose default is
 * stricter admits them and one whose default is laxer still holds the rest to it. Every
 * Application of a namespace carries the same labels (Argo CD applies them with each). Not for
 * kube-system, which the cluster owns, nor the Prometheus namespace, which PlatformPrometheusChart's
 * Namespace object labels.
 */
export function podSecurityLabels(components: readonly PlannedComponent[], prometheusNamespace: string): Map<string, Record<string, string>> {
  const levels = new Map<string, PodSecurityLevelName>();
  for (const c of components) {
    if (c.namespace === 'kube-system' || c.namespace === prometheusNamespace) continue;
    levels.set(c.namespace, higherLevel(levels.get(c.namespace) ?? 'restricted', c.facts?.podSecurity[c.namespace]?.level ?? 'restricted'));
  }
  const out = new Map<string, Record<string, string>>();
  for (const [namespace, level] of levels) {
    const labels: Record<string, string> = {};
    for (const [mode, value] of [
      ['enforce', level],
      ['audit', 'restricted'],
      ['warn', 'restricted'],
    ]) {
      labels[`pod-security.kubernetes.io/${mode}`] = value;
      labels[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY_VERSION;
    }
    out.set(namespace, labels);
  }
  return out;
}

/** The wave of the first component Application; a component's wave is after those whose CRDs its chart uses. */
export const FIRST_COMPONENT_WAVE = 95;

/**
 * The sync wave of each component's Application: 95 for a chart that needs no other
 * component's CRDs, one more than the latest of its providers otherwise (read from the charts:
 * a custom resource kind one chart renders and another's CRDs define), so that with Argo CD's
 * Application health check a chart syncs once the CRDs it uses are installed.
 */
export function componentWaves(components: readonly PlannedComponent[]): Map<string, number> {
  const providers = new Map<string, string>();
  for (const c of components) for (const crd of c.facts?.crds ?? []) providers.set(crd, c.component);
  const waves = new Map<string, number>();
  const visit = (c: PlannedComponent, path: readonly string[]): number => {
    const known = waves.get(c.component);
    if (known !== undefined) return known;
    let wave = FIRST_COMPONENT_WAVE;
    for (const kind of c.facts?.foreignKinds ?? []) {
      const provider = components.find((p) => p.component === providers.get(kind));
      // A cycle cannot be ordered by waves: both sync in the same wave and retry.
      if (provider && provider !== c && !path.includes(provider.component)) wave = Math.max(wave, visit(provider, [...path, c.component]) + 1);
    }
    waves.set(c.component, wave);
    return wave;
  };
  for (const c of components) visit(c, []);
  return waves;
}

/** The GatewayClass Envoy Gateway's quickstart names, which the library's Gateways use by default. */
const ENVOY_GATEWAY_CLASS = 'eg';
