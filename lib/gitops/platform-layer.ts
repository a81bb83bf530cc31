import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Application } from '../../imports/applications-argoproj.io';
import { GatewayClass } from '../../imports/gatewayclasses-gateway.networking.k8s.io';
import { Environment } from '../core/environment';
import { PlatformPlan } from './platform-components';
import { StackPriorityClasses } from './priority-classes';

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
    for (const c of props.plan.components) {
      new Application(this, c.component, {
        metadata: { name: `${c.component}-${env.name}`, labels: { 'app.kubernetes.io/name': c.component } },
        spec: {
          project: props.project,
          source: {
            repoUrl: c.chart.repoURL,
            chart: c.chart.chart,
            targetRevision: c.chart.chartVersion,
            helm: { releaseName: c.chart.releaseName, valuesObject: c.values },
          },
          destination: { server: 'https://kubernetes.default.svc', namespace: c.namespace },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            // Server-side apply: the operators' CRDs exceed the size of the client-side apply annotation.
            syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
            retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
          },
        },
      });
    }
    if (props.plan.components.some((c) => c.component === 'envoy-gateway')) {
      // The class the systems' Gateways name; Envoy Gateway's chart does not create one. Its CRD
      // comes with the chart, so the first sync skips the dry run and the Application retries.
      new GatewayClass(this, 'gateway-class', {
        metadata: {
          name: env.platform.edge.gateway?.gatewayClassName ?? ENVOY_GATEWAY_CLASS,
          annotations: { 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' },
        },
        spec: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' },
      });
    }
  }
}

/** The GatewayClass Envoy Gateway's quickstart names, which the library's Gateways use by default. */
const ENVOY_GATEWAY_CLASS = 'eg';
