import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addCheck } from '../core/validation';
import { checkProps } from '../core/prop-check';

export interface DisruptionBudgetProps {
  /** Name of the PodDisruptionBudget. */
  readonly name: string;
  /** Labels selecting the pods it protects. */
  readonly selector: Record<string, string>;
  /**
   * Pods that must stay available during voluntary disruptions (node drains). Exclusive with maxUnavailable.
   * @default - unset: maxUnavailable applies
   */
  readonly minAvailable?: number;
  /** Pods that may be down at once. @default 1 (when minAvailable is not set) */
  readonly maxUnavailable?: number;
  /** The smallest number of replicas the workload runs with (its HPA minimum, or its replicas). */
  readonly minReplicas: () => number;
  /** Construct path of the workload, for messages. */
  readonly workloadPath: string;
}

/**
 * A `policy/v1` PodDisruptionBudget. `unhealthyPodEvictionPolicy: AlwaysAllow` lets a
 * drain evict pods that are not ready anyway (a crash-looping pod must not block node
 * maintenance). At synth time it is checked to still allow at least one voluntary
 * disruption at the workload's minimum size: a budget that never allows one blocks
 * every node drain forever.
 */
export class DisruptionBudget extends Construct {
  constructor(scope: Construct, id: string, props: DisruptionBudgetProps) {
    super(scope, id);
    checkProps(this, 'DisruptionBudgetProps', props);
    const budget =
      props.minAvailable !== undefined
        ? { minAvailable: k8s.IntOrString.fromNumber(props.minAvailable) }
        : { maxUnavailable: k8s.IntOrString.fromNumber(props.maxUnavailable ?? 1) };
    new k8s.KubePodDisruptionBudget(this, 'resource', {
      metadata: { name: props.name },
      spec: { ...budget, selector: { matchLabels: { ...props.selector } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    });
    addCheck(this, (report) => {
      const min = props.minReplicas();
      if (props.minAvailable !== undefined && props.maxUnavailable !== undefined) {
        report.error('disruption-budget.min-available.set-minavailable', 'minAvailable', 'set minAvailable or maxUnavailable, not both');
      }
      if (props.minAvailable !== undefined && (!Number.isInteger(props.minAvailable) || props.minAvailable < 1)) {
        report.error('disruption-budget.min-available.whole-number', 'minAvailable', `${props.minAvailable} must be a whole number of at least 1`);
      } else if (props.minAvailable !== undefined && props.minAvailable >= min) {
        report.error(
          'disruption-budget.min-available.minimum-replica',
          'minAvailable',
          `${props.minAvailable} with ${props.workloadPath} at its minimum of ${min} replica(s) allows no voluntary disruption, so node drains would block forever; use at most ${min - 1}${min - 1 < 1 ? ' (raise the replicas first)' : ''} or maxUnavailable: 1`,
        );
      }
      if (props.maxUnavailable !== undefined && (!Number.isInteger(props.maxUnavailable) || props.maxUnavailable < 1)) {
        report.error(
          'disruption-budget.max-unavailable',
          'maxUnavailable',
          `${props.maxUnavailable} must be a whole number of at least 1 (0 blocks every node drain)`,
        );
      }
    });
  }
}
