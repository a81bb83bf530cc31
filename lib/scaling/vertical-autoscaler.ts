import { Construct } from 'constructs';
import {
  VerticalPodAutoscaler,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesControlledValues,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMaxAllowed as Amount,
  VerticalPodAutoscalerSpecUpdatePolicyUpdateMode,
} from '../../imports/verticalpodautoscalers-autoscaling.k8s.io';
import { ResourceAmounts } from '../core/environment';
import { parseQuantity } from '../core/quantity';
import { addCheck } from '../core/validation';
import { ScaleTarget } from './autoscaler';
import { arrayOrEmpty, checkProps } from '../core/prop-check';
import { requirePlatform } from '../core/platform-requirements';

export type VpaUpdateMode = 'Off' | 'Initial' | 'Recreate' | 'InPlaceOrRecreate';

export interface VerticalAutoscaleOptions {
  /** Whether the VPA only recommends (`Off`) or applies its recommendations. @default 'Off' */
  readonly mode?: VpaUpdateMode;
  /** Lowest requests it may set. @default - none */
  readonly min?: Partial<ResourceAmounts>;
  /** Highest requests it may set. @default - none */
  readonly max?: Partial<ResourceAmounts>;
  /** Resources it controls. @default ['cpu', 'memory'] */
  readonly controlledResources?: ReadonlyArray<'cpu' | 'memory'>;
}

const MODES: Record<VpaUpdateMode, VerticalPodAutoscalerSpecUpdatePolicyUpdateMode> = {
  Off: VerticalPodAutoscalerSpecUpdatePolicyUpdateMode.OFF,
  Initial: VerticalPodAutoscalerSpecUpdatePolicyUpdateMode.INITIAL,
  Recreate: VerticalPodAutoscalerSpecUpdatePolicyUpdateMode.RECREATE,
  InPlaceOrRecreate: VerticalPodAutoscalerSpecUpdatePolicyUpdateMode.IN_PLACE_OR_RECREATE,
};

/**
 * A VerticalPodAutoscaler (`autoscaling.k8s.io/v1`). Checked against the workload's HPA:
 * a VPA that updates pods must not control a resource the HPA scales on, or the two
 * fight (a VPA in Auto mode on the cpu/memory its HPA uses).
 */
export class VerticalAutoscaler extends Construct {
  constructor(
    scope: Construct,
    id: string,
    target: ScaleTarget,
    options: VerticalAutoscaleOptions,
    hpaResources: () => ReadonlyArray<'cpu' | 'memory'>,
  ) {
    super(scope, id);
    checkProps(this, 'VerticalAutoscaleOptions', options);
    const mode = options.mode ?? 'Off';
    const controlled = [...(options.controlledResources === undefined ? ['cpu', 'memory'] : arrayOrEmpty(options.controlledResources))] as Array<
      'cpu' | 'memory'
    >;
    requirePlatform(this, {
      component: 'vertical-pod-autoscaler',
      minVersion: '1.0.0',
      reason: `autoscaling.k8s.io/v1 VerticalPodAutoscaler with controlledValues (updateMode ${mode}: ${mode === 'Off' ? 'the recommender' : 'recommender, updater and admission controller'})`,
      settings: { components: mode === 'Off' ? ['recommender'] : ['recommender', 'updater', 'admission-controller'] },
    });
    new VerticalPodAutoscaler(this, 'resource', {
      metadata: { name: target.name },
      spec: {
        targetRef: { apiVersion: target.apiVersion ?? 'apps/v1', kind: target.kind, name: target.name },
        updatePolicy: { updateMode: MODES[mode] },
        resourcePolicy: {
          containerPolicies: [
            {
              containerName: '*',
              controlledResources: controlled,
              controlledValues: VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesControlledValues.REQUESTS_AND_LIMITS,
              minAllowed: options.min ? amounts(options.min) : undefined,
              maxAllowed: options.max ? amounts(options.max) : undefined,
            },
          ],
        },
      },
    });
    addCheck(this, (report) => {
      if (!(mode in MODES)) report.error('vertical-autoscaler.mode', 'mode', `'${mode}' must be one of ${Object.keys(MODES).join(', ')}`);
      const clash = controlled.filter((r) => hpaResources().includes(r));
      if (mode !== 'Off' && clash.length > 0) {
        report.error(
          'vertical-autoscaler.controlled-resources',
          'controlledResources',
          `the VPA in '${mode}' mode controls ${clash.join(' and ')}, which the HorizontalPodAutoscaler of ${target.path} scales on; the two would fight. Either restrict controlledResources to resources the HPA does not use${clash.length === 2 ? ' (none left here)' : ''}, or use mode 'Off' (recommendations only)`,
        );
      }
      for (const bound of ['min', 'max'] as const) {
        for (const [resource, value] of Object.entries(options[bound] ?? {})) {
          if (value !== undefined && parseQuantity(value) === undefined)
            report.error('vertical-autoscaler.value', `${bound}.${resource}`, `'${value}' is not a valid quantity`);
        }
      }
      for (const resource of ['cpu', 'memory'] as const) {
        const lo = options.min?.[resource];
        const hi = options.max?.[resource];
        if (lo && hi && (parseQuantity(lo) ?? 0) > (parseQuantity(hi) ?? Infinity))
          report.error('vertical-autoscaler.max', `max.${resource}`, `${hi} is below min ${lo}`);
      }
    });
  }
}

function amounts(a: Partial<ResourceAmounts>): Record<string, Amount> {
  const out: Record<string, Amount> = {};
  if (a.cpu) out.cpu = Amount.fromString(a.cpu);
  if (a.memory) out.memory = Amount.fromString(a.memory);
  return out;
}
