import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { checkQuantity, formatBytes, formatCpu, parseQuantity } from '../core/quantity';
import { addCheck } from '../core/validation';
import { checkProps } from '../core/prop-check';
import type { NamespaceBudgetProps, QuotaAmounts } from '../core/budget';

/** What one pod of a workload asks for, and how many of its pods can exist at once. */
export interface PodBudget {
  /** Pods at once at maximum scale: HPA max plus rolling-update surge, members, or 1 for jobs. */
  readonly maxPods: number;
  /** Effective per-pod amounts in base units (cores, bytes), init containers included as Kubernetes computes them. */
  readonly requests: ResourceTotals;
  readonly limits: ResourceTotals;
  /** Largest single-container limits, for the LimitRange maximum. */
  readonly largestContainer: ResourceTotals;
  /** Smallest single-container requests, for the LimitRange minimum. @default - no bound from this workload */
  readonly smallestContainer?: ResourceTotals;
  /** Persistent storage claimed per pod (bytes) and number of claims per pod. */
  readonly storageBytes: number;
  readonly claims: number;
}

export interface ResourceTotals {
  readonly cpu: number;
  readonly memory: number;
  readonly ephemeralStorage: number;
}

/** Anything that runs pods in the namespace. Workloads implement it. */
export interface IBudgeted extends IConstruct {
  podBudget(): PodBudget;
}

export function isBudgeted(x: unknown): x is IBudgeted {
  return typeof (x as IBudgeted)?.podBudget === 'function';
}

/** Claims whose owner reports a bad size itself (typed volumes): the budget counts them without repeating the error. */
const SIZE_CHECKED_BY_OWNER = new WeakSet<IConstruct>();

/** Marks a claim whose owning construct validates its size (and reports it with its own field). @internal */
export function claimSizeCheckedByOwner(claim: IConstruct): void {
  SIZE_CHECKED_BY_OWNER.add(claim);
}

// Declared on the SystemChart (core); re-exported beside the construct that applies them.
export type { NamespaceBudgetProps, QuotaAmounts };

const KEYS = [
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'persistentvolumeclaims',
  'requests.storage',
] as const;

/**
 * The namespace's ResourceQuota and LimitRange, sized from the stack itself: the sum of
 * requests and limits of every workload at its maximum scale (HPA max and rolling-update
 * surge, every store member, one run of each Job and CronJob, restore Jobs included)
 * plus headroom. An explicit quota that cannot admit the stack at maximum scale is a
 * synth error that prints the shortfall per resource.
 */
export class NamespaceBudget extends Construct {
  constructor(
    scope: Construct,
    id: string,
    private readonly props: NamespaceBudgetProps = {},
  ) {
    super(scope, id);
    checkProps(this, 'NamespaceBudgetProps', props);
    const hard = Lazy.any({ produce: () => quantities(this.quota()) });
    new k8s.KubeResourceQuota(this, 'quota', { metadata: { name: 'stack' }, spec: { hard } });
    new k8s.KubeLimitRange(this, 'limits', { metadata: { name: 'containers' }, spec: Lazy.any({ produce: () => this.limitRange() }) });
    addCheck(this, (report) => {
      const headroom = props.headroomPercent ?? 20;
      if (!Number.isFinite(headroom) || headroom < 0 || headroom > 500)
        report.error('namespace-budget.headroom-percent', 'headroomPercent', `${headroom} must be from 0 to 500`);
      for (const claim of this.standaloneClaims()) {
        if (claim.bytes === undefined && !claim.checkedByOwner)
          report.error(
            'namespace-budget.persistentvolumeclaims',
            'persistentvolumeclaims',
            `${claim.path}: spec.resources.requests.storage ${claim.problem}; the quota counts every claim by its requested size, ` +
              "so give it a quantity such as '10Gi'",
          );
      }
      if (!props.quota) return;
      const needed = this.needed();
      const shortfalls: string[] = [];
      for (const key of KEYS) {
        const given = props.quota[key];
        if (given === undefined) continue;
        const have = parseQuantity(given);
        const problem = checkQuantity(given, key.endsWith('cpu') ? 'cpu' : 'bytes');
        if (problem || have === undefined) {
          report.error('namespace-budget.quota.invalid', `quota.${key}`, problem ?? `'${given}' is not a valid quantity`);
          continue;
        }
        if (have < needed[key])
          shortfalls.push(`${key}: ${given} < ${format(key, needed[key])} needed (short by ${format(key, needed[key] - have)})`);
      }
      if (shortfalls.length) {
        report.error(
          'namespace-budget.quota.cannot-admit',
          'quota',
          `cannot admit the stack at maximum scale (every workload at its HPA max with rolling-update surge, every Job once): ${shortfalls.join('; ')}`,
        );
      }
    });
  }

  /** What the stack needs at maximum scale, without headroom, in base units. */
  public needed(): Record<(typeof KEYS)[number], number> {
    const totals = Object.fromEntries(KEYS.map((k) => [k, 0])) as Record<(typeof KEYS)[number], number>;
    for (const b of this.budgets()) {
      totals['requests.cpu'] += b.requests.cpu * b.maxPods;
      totals['requests.memory'] += b.requests.memory * b.maxPods;
      totals['requests.ephemeral-storage'] += b.requests.ephemeralStorage * b.maxPods;
      totals['limits.cpu'] += b.limits.cpu * b.maxPods;
      totals['limits.memory'] += b.limits.memory * b.maxPods;
      totals['limits.ephemeral-storage'] += b.limits.ephemeralStorage * b.maxPods;
      totals.pods += b.maxPods;
      totals.persistentvolumeclaims += b.claims * b.maxPods;
      totals['requests.storage'] += b.storageBytes * b.maxPods;
    }
    for (const claim of this.standaloneClaims()) {
      totals.persistentvolumeclaims += 1;
      totals['requests.storage'] += claim.bytes ?? 0;
    }
    return totals;
  }

  /**
   * PersistentVolumeClaim objects of the chart (typed volumes and raw escape-hatch objects alike),
   * except those inside a construct whose pod budget already claims storage (it counts its own).
   */
  private standaloneClaims(): Array<{ readonly path: string; readonly bytes?: number; readonly problem?: string; readonly checkedByOwner: boolean }> {
    const chart = this.node.scope!;
    return chart.node
      .findAll()
      .filter((c): c is ApiObject => ApiObject.isApiObject(c) && c.kind === 'PersistentVolumeClaim')
      .filter((claim) => !claim.node.scopes.some((s) => s !== claim && isBudgeted(s) && s.podBudget().claims > 0))
      .map((claim) => {
        const given: unknown = (claim.toJson() as { spec?: { resources?: { requests?: { storage?: unknown } } } }).spec?.resources?.requests?.storage;
        const problem =
          typeof given !== 'string'
            ? `is ${given === undefined ? 'missing' : `not a quantity (${JSON.stringify(given)})`}`
            : checkQuantity(given, 'bytes');
        const bytes = problem === undefined ? parseQuantity(given as string) : undefined;
        return {
          path: claim.node.path,
          checkedByOwner: SIZE_CHECKED_BY_OWNER.has(claim),
          bytes,
          problem: problem ?? (bytes === undefined ? `'${given}' is not a valid quantity` : undefined),
        };
      });
  }

  private budgets(): PodBudget[] {
    const chart = this.node.scope!;
    return chart.node
      .findAll()
      .filter(isBudgeted)
      .map((b) => b.podBudget());
  }

  private quota(): Record<string, string> {
    if (this.props.quota) return { ...this.props.quota };
    const factor = 1 + (this.props.headroomPercent ?? 20) / 100;
    const needed = this.needed();
    const out: Record<string, string> = {};
    for (const key of KEYS) {
      const value = key === 'pods' || key === 'persistentvolumeclaims' ? Math.ceil(needed[key] * factor) + 1 : needed[key] * factor;
      out[key] = format(key, value);
    }
    return out;
  }

  private limitRange(): k8s.LimitRangeSpec {
    const budgets = this.budgets();
    const largest = (f: (b: PodBudget) => number, step: number) => roundUp(Math.max(0, ...budgets.map(f)), step);
    const max = {
      cpu: largest((b) => b.largestContainer.cpu, 0.1),
      memory: largest((b) => b.largestContainer.memory, 2 ** 26),
      ephemeralStorage: largest((b) => b.largestContainer.ephemeralStorage, 2 ** 26),
    };
    // Defaults only apply to containers that declare nothing (every library container
    // declares both); they are capped at the maximum, which the API server requires.
    const defaults = {
      cpu: Math.min(0.5, max.cpu),
      memory: Math.min(2 ** 29, max.memory),
      ephemeralStorage: Math.min(2 ** 30, max.ephemeralStorage),
    };
    const requests = {
      cpu: Math.min(0.1, defaults.cpu),
      memory: Math.min(2 ** 27, defaults.memory),
      ephemeralStorage: Math.min(2 ** 26, defaults.ephemeralStorage),
    };
    const render = (a: ResourceTotals) =>
      quantities({ cpu: formatCpu(a.cpu), memory: formatBytes(a.memory), 'ephemeral-storage': formatBytes(a.ephemeralStorage) });
    // The minimum admits every container of the stack and one that takes the default request;
    // it refuses a container added outside the constructs that asks for (next to) nothing.
    const smallest = (f: (a: ResourceTotals) => number, step: number, fallback: number) =>
      Math.floor(Math.min(fallback, ...budgets.map((b) => (b.smallestContainer ? f(b.smallestContainer) : fallback))) / step + 1e-9) * step;
    const min = {
      cpu: smallest((a) => a.cpu, 0.001, requests.cpu),
      memory: smallest((a) => a.memory, 2 ** 20, requests.memory),
      ephemeralStorage: smallest((a) => a.ephemeralStorage, 2 ** 20, requests.ephemeralStorage),
    };
    const minimum = quantities(
      Object.fromEntries(
        [
          ['cpu', min.cpu > 0 ? formatCpu(min.cpu) : ''],
          ['memory', min.memory > 0 ? formatBytes(min.memory) : ''],
          ['ephemeral-storage', min.ephemeralStorage > 0 ? formatBytes(min.ephemeralStorage) : ''],
        ].filter(([, v]) => v !== ''),
      ),
    );
    return {
      limits: [
        {
          type: 'Container',
          defaultRequest: render(requests),
          default: render(defaults),
          max: render(max),
          min: Object.keys(minimum).length > 0 ? minimum : undefined,
        },
      ],
    };
  }
}

function roundUp(value: number, step: number): number {
  return Math.max(step, Math.ceil(value / step - 1e-9) * step);
}

function format(key: string, value: number): string {
  if (key === 'pods' || key === 'persistentvolumeclaims') return String(Math.ceil(value));
  if (key.endsWith('.cpu')) return formatCpu(Math.ceil(Math.round(value * 1e6) / 1e3) / 1000);
  return formatBytes(roundUp(value, 2 ** 20));
}

/** The generated k8s classes take quantities as k8s.Quantity (plain strings would be dropped when they render). */
function quantities(values: Readonly<Record<string, string>>): Record<string, k8s.Quantity> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, k8s.Quantity.fromString(value)]));
}
