import { gitRevisionProblem } from './git-revision';
import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Environment } from './environment';
import { checkDnsLabel } from './naming';
import { addCheck, freeId } from './validation';
import { ENVIRONMENT_PRESETS } from './environment-presets';
import { demoPlatform } from './platform';
import type { NamespaceBudgetProps } from './budget';
import { checkProps } from './prop-check';

export interface SystemChartProps {
  /** Short DNS-1123 name of the system, e.g. `shop`. Used in the namespace and the `part-of` label. */
  readonly system: string;
  /** The environment this instance of the system is synthesized for. */
  readonly environment: Environment;
  /** Version of the system as a whole. @default '1.0.0' */
  readonly version?: string;
  /** One-line description, shown in the generated README. @default - none */
  readonly description?: string;
  /**
   * Namespace ResourceQuota and LimitRange: sized from the stack, or an explicit quota that is checked against it.
   * @default - sized from the stack with 20 % headroom
   */
  readonly budget?: NamespaceBudgetProps;
  /**
   * The branch, tag or commit of the GitOps repository that Argo CD deploys this system from
   * in this environment (its Application's `targetRevision`), e.g. `env.pick({ dev: 'develop',
   * default: 'main' })` for a system whose integration branch runs in dev. The environment's
   * own Applications (root, platform) keep the profile's revision.
   * @default - the cluster profile's `platform.gitops.targetRevision`
   */
  readonly targetRevision?: string;
}

const SYSTEM_CHART = Symbol.for('cdk8s-stacks.SystemChart');

/** Used only while a chart without a valid environment is built; such a chart never synthesizes. */
const STAND_IN_ENVIRONMENT = new Environment({ ...ENVIRONMENT_PRESETS.dev, platform: demoPlatform() });

/**
 * One system in one environment: its own namespace (`<system>-<env>`), the recommended
 * labels on every object, and the place every construct of the system lives under.
 * The chart is the model only; what every system gets from it (the Namespace, default-deny
 * NetworkPolicies, the stack-sized quota) is added by the synth pipeline
 * (lib/pipeline/system-foundation.ts), which the lower layers cannot import.
 *
 * Extension point: a system is a subclass (`class ShopSystem extends SystemChart`) whose
 * constructor calls `super(scope, { system, environment })` and adds its constructs. It takes
 * `(scope, props)`, not `(scope, id, props)`: its id is derived (`<system>-<env>`, the
 * namespace and the dist folder), so a second id could only contradict it.
 */
export class SystemChart extends Chart {
  /**
   * True when `x` is a SystemChart. (cdk8s defines `Symbol.hasInstance` on Chart, so
   * `instanceof SystemChart` is true for every chart and cannot be used.)
   */
  public static isSystemChart(x: unknown): x is SystemChart {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[SYSTEM_CHART] === true;
  }

  /** The SystemChart that `scope` belongs to. */
  public static of(scope: IConstruct): SystemChart {
    let chart: Chart | undefined;
    try {
      chart = Chart.of(scope);
    } catch {
      chart = undefined;
    }
    if (!SystemChart.isSystemChart(chart)) {
      throw new Error(`${scope.node.path} must be defined inside a SystemChart`);
    }
    return chart;
  }

  public readonly system: string;
  public readonly environment: Environment;
  public readonly version: string;
  public readonly description?: string;
  /** The namespace every namespaced object of the system lives in. */
  public readonly namespaceName: string;
  /** The namespace budget asked for. @default - sized from the stack with 20 % headroom */
  public readonly budget?: NamespaceBudgetProps;
  /** The revision Argo CD deploys the system from (the prop, else the cluster profile's). */
  public readonly targetRevision: string;

  constructor(scope: Construct, props: SystemChartProps) {
    const namespaceName = `${typeof props.system === 'string' ? props.system : 'invalid'}-${props.environment?.name}`;
    // The same system twice in one environment is a collected error (checkUniqueId), not the constructs exception.
    super(scope, freeId(scope, namespaceName), {
      namespace: namespaceName,
      // Names come from construct ids (see naming.ts); labels are added to every object
      // and pod template in one place when the chart is rendered (gitops/decorate.ts).
      disableResourceNameHashes: true,
    });
    checkProps(this, 'SystemChartProps', props);
    Object.defineProperty(this, SYSTEM_CHART, { value: true });
    this.system = props.system;
    // Without an Environment nothing can be derived; a stand-in lets construction go on and
    // the check below reports the prop.
    this.environment = props.environment instanceof Environment ? props.environment : STAND_IN_ENVIRONMENT;
    this.version = props.version ?? '1.0.0';
    this.description = props.description;
    this.namespaceName = namespaceName;
    if (this.node.id !== namespaceName) {
      addCheck(this, (report) =>
        report.error(
          'system-chart.system.defined-twice',
          'system',
          `'${props.system}' is defined twice in environment '${props.environment?.name}'; a system may appear once per environment`,
        ),
      );
    }
    this.budget = props.budget;
    this.targetRevision = props.targetRevision ?? this.environment.platform.gitops.targetRevision;
    addCheck(this, (report) => {
      if (typeof props.system !== 'string')
        report.error(
          'system-chart.system.dns-label',
          'system',
          `must be a DNS-1123 label string (is ${props.system === null ? 'null' : typeof props.system})`,
        );
      else {
        const reason = checkDnsLabel(namespaceName);
        if (reason) report.error('system-chart.system.namespace', 'system', `namespace '${namespaceName}' ${reason}`);
      }
      if (!(props.environment instanceof Environment))
        report.error('system-chart.environment', 'environment', 'must be an Environment (new Environment({...}))');
      else props.environment.validate(report, 'environment.');
      if (props.version !== undefined && typeof props.version !== 'string')
        report.error('system-chart.version', 'version', `must be a string (is ${typeof props.version})`);
      if (props.description !== undefined && typeof props.description !== 'string')
        report.error('system-chart.description', 'description', `must be a string (is ${typeof props.description})`);
      const revisionProblem = props.targetRevision === undefined ? undefined : gitRevisionProblem(props.targetRevision);
      if (revisionProblem) report.error('system-chart.target-revision', 'targetRevision', revisionProblem);
    });
  }
}
