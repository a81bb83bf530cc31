import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addCheck } from '../core/validation';
import { checkProps } from '../core/prop-check';
import { checkDurationProp, Duration, secondsOr } from '../core/duration';
import { requirePlatform } from '../core/platform-requirements';

export interface ScalingBehavior {
  /** How far back recommendations are considered before scaling down: whole seconds, at most 1h. @default Duration.minutes(5) */
  readonly scaleDownStabilization?: Duration;
  /** Percent of current pods removed at most per minute. @default 20 */
  readonly scaleDownPercentPerMinute?: number;
  /** How far back recommendations are considered before scaling up: whole seconds, at most 1h. @default Duration.seconds(0) (react at once) */
  readonly scaleUpStabilization?: Duration;
  /** Percent of current pods added at most per 30 s (or 4 pods, whichever is more). @default 100 */
  readonly scaleUpPercent?: number;
}

export interface AutoscaleOptions extends ScalingBehavior {
  /** Fewest replicas; also the size the workload starts with. */
  readonly min: number;
  /** Most replicas. */
  readonly max: number;
  /** Target average CPU use as a percent of requests. @default 70 when no memory target is set */
  readonly cpuPercent?: number;
  /** Target average memory use as a percent of requests. @default - none */
  readonly memoryPercent?: number;
}

/** What the HorizontalPodAutoscaler scales. */
export interface ScaleTarget {
  /** A Rollout (Argo Rollouts) has a scale subresource as the built-in kinds do. */
  readonly kind: 'Deployment' | 'StatefulSet' | 'Rollout';
  /** @default 'apps/v1' */
  readonly apiVersion?: string;
  readonly name: string;
  readonly path: string;
}

/**
 * An `autoscaling/v2` HorizontalPodAutoscaler with safe behaviour by default: scale up
 * fast (no stabilisation, double per 30 s), scale down slowly (5 minutes of stable
 * recommendations, at most 20 % of pods per minute), gradual scaling with
 * stabilisation.
 */
export class Autoscaler extends Construct {
  public readonly options: AutoscaleOptions;
  /** The HorizontalPodAutoscaler object. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, target: ScaleTarget, options: AutoscaleOptions) {
    super(scope, id);
    checkProps(this, 'AutoscaleOptions', options);
    // Props arrive unchecked from JavaScript; a missing object is reported by the check below.
    options = typeof options === 'object' && options !== null ? options : ({} as AutoscaleOptions);
    this.options = options;
    const cpu = options.cpuPercent ?? (options.memoryPercent === undefined ? 70 : undefined);
    const metrics = [
      ...(cpu !== undefined ? [utilization('cpu', cpu)] : []),
      ...(options.memoryPercent !== undefined ? [utilization('memory', options.memoryPercent)] : []),
    ];
    if (metrics.length > 0) {
      requirePlatform(this, {
        component: 'metrics-server',
        minVersion: '0.6.0',
        reason: 'metrics.k8s.io/v1beta1 resource metrics (cpu, memory) for an autoscaling/v2 HorizontalPodAutoscaler',
      });
    }
    this.resource = new k8s.KubeHorizontalPodAutoscalerV2(this, 'resource', {
      metadata: { name: target.name },
      spec: {
        scaleTargetRef: { apiVersion: target.apiVersion ?? 'apps/v1', kind: target.kind, name: target.name },
        minReplicas: options.min,
        maxReplicas: options.max,
        metrics,
        behavior: {
          scaleUp: {
            stabilizationWindowSeconds: secondsOr(options.scaleUpStabilization, 0),
            selectPolicy: 'Max',
            policies: [
              { type: 'Percent', value: options.scaleUpPercent ?? 100, periodSeconds: 30 },
              { type: 'Pods', value: 4, periodSeconds: 30 },
            ],
          },
          scaleDown: {
            stabilizationWindowSeconds: secondsOr(options.scaleDownStabilization, 300),
            selectPolicy: 'Min',
            policies: [{ type: 'Percent', value: options.scaleDownPercentPerMinute ?? 20, periodSeconds: 60 }],
          },
        },
      },
    });
    addCheck(this, (report) => {
      if (!Number.isInteger(options.min) || options.min < 1)
        report.error('autoscaler.min', 'min', `${options.min} must be a whole number of at least 1`);
      if (!Number.isInteger(options.max) || options.max < options.min)
        report.error('autoscaler.max', 'max', `${options.max} must be a whole number of at least min (${options.min})`);
      for (const [field, value] of [
        ['cpuPercent', options.cpuPercent],
        ['memoryPercent', options.memoryPercent],
        ['scaleUpPercent', options.scaleUpPercent],
        ['scaleDownPercentPerMinute', options.scaleDownPercentPerMinute],
      ] as const) {
        if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 1000))
          report.error('autoscaler.value', field, `${value} must be a whole percent from 1 to 1000`);
      }
      // The HPA's own limit: a window of at most one hour.
      checkDurationProp(
        report,
        'autoscaler.scale-up-stabilization',
        'scaleUpStabilization',
        options.scaleUpStabilization,
        0,
        'Duration.minutes(1)',
        3600,
      );
      checkDurationProp(
        report,
        'autoscaler.scale-down-stabilization',
        'scaleDownStabilization',
        options.scaleDownStabilization,
        0,
        'Duration.minutes(5)',
        3600,
      );
      if (Number.isInteger(options.cpuPercent) && (options.cpuPercent as number) > 100) {
        report.warn(
          'autoscaler.cpu-percent',
          'cpuPercent',
          `${options.cpuPercent} % of the cpu request: pods scale out only once they use more than they requested, which the limit may never allow`,
        );
      }
    });
  }

  /** The resources the HPA scales on. */
  public get resources(): Array<'cpu' | 'memory'> {
    const out: Array<'cpu' | 'memory'> = [];
    if (this.options.cpuPercent !== undefined || this.options.memoryPercent === undefined) out.push('cpu');
    if (this.options.memoryPercent !== undefined) out.push('memory');
    return out;
  }
}

function utilization(name: 'cpu' | 'memory', percent: number): k8s.MetricSpecV2 {
  return { type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization: percent } } };
}
