import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Environment } from '../core/environment';
import { checkProps, objectOrUndefined } from '../core/prop-check';
import { AlertmanagerServer, AlertmanagerServerProps } from '../observability/alertmanager-server';
import { PrometheusServer, PrometheusServerProps } from '../observability/prometheus-server';
import { SystemNamespace } from '../security/system-namespace';

export interface PlatformPrometheusChartProps {
  /** The environment whose cluster profile the Prometheus follows. */
  readonly environment: Environment;
  /** Settings of the Prometheus server (the environment is this chart's). @default - see PrometheusServerProps */
  readonly server?: Omit<PrometheusServerProps, 'environment'>;
  /**
   * What the pods platform charts install in the same namespace need, read from the charts
   * (kube-prometheus-stack's node-exporter: host network, PID namespace and paths): the
   * namespace enforces that level and still audits and warns `restricted`.
   * @default - none: `restricted` enforced
   */
  readonly chartPodsNeed?: { readonly level: 'baseline' | 'privileged'; readonly because: readonly string[] };
  /** Settings of the Alertmanager (the environment is this chart's). @default - see AlertmanagerServerProps */
  readonly alertmanager?: Omit<AlertmanagerServerProps, 'environment'>;
}

const PLATFORM_PROMETHEUS_CHART = Symbol.for('cdk8s-stacks.PlatformPrometheusChart');

/**
 * The platform's Prometheus for one environment, synthesized into
 * `dist/<env>/platform/prometheus/`: the namespace the profile names (Pod Security
 * `restricted`, which the operator-made pods satisfy, unless a platform chart's pods there
 * need more), the PrometheusServer and the AlertmanagerServer it sends alerts to (routes
 * and receivers from `platform.alerting`). The
 * prometheus-operator and its CRDs are installed by the platform layer before it.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class PlatformPrometheusChart extends Chart {
  /** True when `x` is a PlatformPrometheusChart (`instanceof` does not work for charts). */
  public static isPlatformPrometheusChart(x: unknown): x is PlatformPrometheusChart {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[PLATFORM_PROMETHEUS_CHART] === true;
  }

  public readonly environment: Environment;
  public readonly server: PrometheusServer;
  public readonly alertmanager: AlertmanagerServer;

  /** Takes `(scope, props)`: the id is derived (`platform-prometheus-<env>`, the dist folder), like SystemChart's. */
  constructor(scope: Construct, props: PlatformPrometheusChartProps) {
    const namespace = props?.environment?.platform?.prometheus?.pods?.namespace;
    super(scope, `platform-prometheus-${props?.environment?.name}`, { namespace, disableResourceNameHashes: true });
    checkProps(this, 'PlatformPrometheusChartProps', props);
    Object.defineProperty(this, PLATFORM_PROMETHEUS_CHART, { value: true });
    this.environment = props.environment;
    // Without a valid environment (reported by checkProps) the server renders with the default profile.
    this.server = new PrometheusServer(this, 'prometheus', { ...objectOrUndefined(props.server), environment: props.environment });
    this.alertmanager = new AlertmanagerServer(this, 'alertmanager', { ...objectOrUndefined(props.alertmanager), environment: props.environment });
    const need = props.chartPodsNeed;
    new SystemNamespace(this, 'namespace', {
      name: this.server.namespace,
      privilegedEnforcedBecause: need?.level === 'privileged' ? need.because : undefined,
      baselineEnforcedBecause: need?.level === 'baseline' ? need.because : undefined,
    });
  }
}
