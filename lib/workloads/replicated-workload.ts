import { Construct } from 'constructs';
import { addFinalizer } from '../core/finalize';
import { requirePlatform } from '../core/platform-requirements';
import { declareCheckExceptions } from '../core/check-exceptions';
import { addCheck, ValidationReport } from '../core/validation';
import { AutoscaleOptions, Autoscaler } from '../scaling/autoscaler';
import { DisruptionBudget } from '../scaling/disruption-budget';
import { VerticalAutoscaleOptions, VerticalAutoscaler } from '../scaling/vertical-autoscaler';
import { ScaleTarget } from '../scaling/autoscaler';
import { Workload, WorkloadProps } from './workload';
import { checkRollout, ROLLOUT_GVK, rolloutNames, RolloutOptions, rolloutStrategy } from './rollout';

/** Why the linters find no pods behind a Rollout's Services, policies and autoscaler. */
const ROLLOUT_PODS_REASON = 'the pods are made by the Argo Rollouts controller from the Rollout template; the linters read only built-in workloads';

export interface ReplicatedWorkloadProps extends WorkloadProps {
  /** Pods, when not autoscaled. @default - the environment's default replica count */
  readonly replicas?: number;
}

/** The pod disruption budget of `disruptionBudget()`: one of the two. */
export interface DisruptionBudgetOptions {
  /** Pods that must stay available during voluntary disruptions (node drains). @default - unset: maxUnavailable applies */
  readonly minAvailable?: number;
  /** Pods that may be down at once. @default 1 (when minAvailable is not set) */
  readonly maxUnavailable?: number;
}

/**
 * A Deployment-backed workload with horizontal and vertical scaling and a disruption
 * budget. A PodDisruptionBudget (`maxUnavailable: 1`) is added by default whenever the
 * workload can run more than one pod.
 */
export abstract class ReplicatedWorkload extends Workload {
  private readonly declaredReplicas?: number;
  private readonly defaultReplicas: number;
  private autoscaler?: Autoscaler;
  private verticalAutoscaler?: VerticalAutoscaler;
  private budgetOptions?: DisruptionBudgetOptions | false;
  /** How new versions are released with Argo Rollouts; undefined for a Deployment's rolling update. */
  public readonly rollout?: RolloutOptions;

  protected constructor(scope: Construct, id: string, props: ReplicatedWorkloadProps, role: string, rollout?: RolloutOptions) {
    super(scope, id, props, role);
    this.declaredReplicas = props.replicas;
    this.defaultReplicas = props.replicas ?? this.chart.environment.defaultReplicas;
    this.rollout = rollout;
    const common = () => ({
      // Under an HPA, spec.replicas is left out: otherwise every GitOps sync resets the
      // scale the HPA chose.
      replicas: this.autoscaler ? undefined : this.defaultReplicas,
      revisionHistoryLimit: 5,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: { ...this.selectorLabels } },
    });
    if (rollout === undefined) {
      this.lazyObject('deployment', 'apps/v1', 'Deployment', () => ({
        ...common(),
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        template: this.podTemplate(),
      }));
    } else {
      // The Rollout replaces the Deployment, with its own pod template (lib/workloads/rollout.ts).
      requirePlatform(this, {
        component: 'argo-rollouts',
        minVersion: '1.9.0',
        reason: `argoproj.io/v1alpha1 Rollout (${rollout?.strategy ?? 'strategy'}) and AnalysisTemplate`,
      });
      this.lazyObject('rollout', ROLLOUT_GVK.apiVersion, ROLLOUT_GVK.kind, () => ({
        ...common(),
        template: this.podTemplate(),
        strategy: rolloutStrategy(rollout, rolloutNames(this.name)),
      }));
      // The error ratio is read from the main container's own HTTP metrics, not an exporter's.
      const ownMetrics = () => this.metricsEndpoints.some((m) => this.container.ports.some((p) => p.name === m.port));
      addCheck(this, (report) => checkRollout(report, rollout, ownMetrics()));
    }
    // The PDB depends on autoscale()/disruptionBudget() calls that may come later.
    addFinalizer(this, () => this.addDisruptionBudget());
  }

  /** The fewest pods the workload runs with: the HPA minimum, or the replica count. */
  public get minReplicas(): number {
    return this.autoscaler?.options.min ?? this.defaultReplicas;
  }

  /** The most pods the workload runs with: the HPA maximum, or the replica count. */
  public get maxReplicas(): number {
    return this.autoscaler?.options.max ?? this.defaultReplicas;
  }

  /**
   * At maximum scale a rolling update (and a canary) adds 25 % (rounded up) on top of the HPA
   * maximum; a blue-green release runs the whole new version beside the old one.
   */
  protected maxPods(): number {
    if (this.rollout?.strategy === 'blueGreen') return this.maxReplicas * 2;
    return this.maxReplicas + Math.ceil(this.maxReplicas * 0.25);
  }

  /** What the HPA and VPA scale: the Deployment, or the Rollout that replaces it. */
  private get scaleTarget(): ScaleTarget {
    return this.rollout
      ? { kind: 'Rollout', apiVersion: ROLLOUT_GVK.apiVersion, name: this.name, path: this.node.path }
      : { kind: 'Deployment', name: this.name, path: this.node.path };
  }

  /** Scales horizontally with an HPA; the Deployment then leaves `spec.replicas` to it. */
  public autoscale(options: AutoscaleOptions): Autoscaler {
    if (this.autoscaler) {
      this.repeatedCalls.push('autoscale');
      return this.autoscaler;
    }
    this.autoscaler = new Autoscaler(this, 'autoscaler', this.scaleTarget, options);
    return this.autoscaler;
  }

  /** Adds a VPA; it may not update a resource the HPA scales on (checked at synth). */
  public autoscaleVertically(options: VerticalAutoscaleOptions = {}): VerticalAutoscaler {
    if (this.verticalAutoscaler) {
      this.repeatedCalls.push('autoscaleVertically');
      return this.verticalAutoscaler;
    }
    this.verticalAutoscaler = new VerticalAutoscaler(this, 'vertical-autoscaler', this.scaleTarget, options, () => this.autoscaler?.resources ?? []);
    return this.verticalAutoscaler;
  }

  /** Sets the disruption budget, or `false` for none. @default maxUnavailable 1 when more than one pod */
  public disruptionBudget(options: DisruptionBudgetOptions | false): void {
    this.budgetOptions = options;
  }

  /** A Rollout's pods are made by the Argo Rollouts controller: the linters find no workload with them. */
  public get operatorPodsReason(): string | undefined {
    return this.rollout ? ROLLOUT_PODS_REASON : super.operatorPodsReason;
  }

  protected declareCheckExceptions(): void {
    super.declareCheckExceptions();
    const env = this.chart.environment;
    // kube-score resolves an HPA's target among built-in workloads only, never a Rollout.
    if (this.rollout && this.autoscaler) declareCheckExceptions(this.autoscaler.resource, { scalesCustomResource: ROLLOUT_PODS_REASON });
    if (this.maxReplicas < 2 && !env.isProduction && this.mainObject) {
      declareCheckExceptions(this.mainObject, {
        singleReplica: `${env.name} runs a single replica of this workload by design; staging and prod run more`,
      });
    }
    if (this.autoscaler && this.autoscaler.options.min < 2 && !env.isProduction) {
      declareCheckExceptions(this.autoscaler.resource, {
        scalesToOneReplica: `${env.name} may scale this workload down to one replica by design; staging and prod keep at least two`,
      });
    }
  }

  private addDisruptionBudget(): void {
    const options = this.budgetOptions;
    if (options === false || (options === undefined && this.maxReplicas < 2)) return;
    new DisruptionBudget(this, 'disruption-budget', {
      name: this.name,
      selector: this.selectorLabels,
      minAvailable: options?.minAvailable,
      maxUnavailable: options?.minAvailable === undefined ? (options?.maxUnavailable ?? 1) : undefined,
      minReplicas: () => this.minReplicas,
      workloadPath: this.node.path,
    });
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    if (!Number.isInteger(this.defaultReplicas) || this.defaultReplicas < 1)
      report.error('replicated-workload.replicas.whole-number', 'replicas', `${this.defaultReplicas} must be a whole number of at least 1`);
    else if (this.chart.environment.isProduction && this.maxReplicas === 1) {
      report.warn(
        'replicated-workload.value',
        this.autoscaler ? 'autoscale().max' : 'replicas',
        'runs a single pod in prod: every rollout, node drain or crash is an outage; use at least 2',
      );
    }
    if (this.autoscaler && this.declaredReplicas !== undefined && this.declaredReplicas !== this.autoscaler.options.min) {
      report.error(
        'replicated-workload.replicas.differs-autoscaler',
        'replicas',
        `${this.declaredReplicas} differs from the autoscaler's min ${this.autoscaler.options.min}; under an HPA the minimum is the initial size, so drop replicas or make them equal`,
      );
    }
    if (this.autoscaler) {
      for (const resource of this.autoscaler.resources) {
        const containers = [this.container, ...this.initContainers];
        for (const c of containers) {
          if (!c.resources?.requests?.[resource])
            report.error(
              'replicated-workload.resources.requests',
              `resources.requests.${resource}`,
              `container '${c.name}' has no ${resource} request, which the HPA needs to compute utilisation`,
            );
        }
      }
    }
  }
}
