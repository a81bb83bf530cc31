import { declareCheckExceptions } from '../core/check-exceptions';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkDurationProp, Duration, secondsOr } from '../core/duration';
import { ValidationReport } from '../core/validation';
import { ReplicatedWorkload, ReplicatedWorkloadProps } from './replicated-workload';
import { arrayOrEmpty, checkProps } from '../core/prop-check';
import type { PortSpec } from './container';
import { ROLLOUT_REVISION_LABEL, rolloutNames, RolloutOptions } from './rollout';

export interface WebServiceProps extends ReplicatedWorkloadProps {
  /**
   * How long the pod keeps serving after it is marked for termination, so endpoints and
   * load balancers stop sending new requests before the process gets SIGTERM: whole seconds.
   * Uses `sleep` from the image; `Duration.seconds(0)` for images without a shell.
   * @default Duration.seconds(5)
   */
  readonly drain?: Duration;
  /** How long the process has to finish in-flight requests after SIGTERM: whole seconds, at least 1. @default Duration.seconds(30) */
  readonly shutdownGrace?: Duration;
  /**
   * Release new versions blue-green or canary with Argo Rollouts (the platform layer installs
   * it) instead of a Deployment's rolling update: a Rollout with the same pod template replaces
   * the Deployment; the HPA and VPA scale it; a blue-green release adds the preview Service
   * `<name>-preview`. Argo Rollouts points the Services at a revision by adding
   * `rollouts-pod-template-hash` to their selectors; the system's Argo CD Application leaves
   * that key alone.
   * @default - none: a Deployment, rolled out 25 % at a time without losing capacity
   */
  readonly rollout?: RolloutOptions;
}

/**
 * An HTTP (or TCP) service: a Deployment (or, with `rollout`, an Argo Rollouts Rollout) and a
 * ClusterIP Service. Rolls out without losing capacity (`maxUnavailable: 0`), spreads across zones and nodes, drains
 * in-flight requests before stopping, and runs under Pod Security `restricted`.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class WebService extends ReplicatedWorkload {
  private readonly drainSeconds: number;
  private readonly shutdownSeconds: number;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id, props, 'web-service', props?.rollout);
    checkProps(this, 'WebServiceProps', props);
    this.drainSeconds = secondsOr(props.drain, 5);
    this.shutdownSeconds = secondsOr(props.shutdownGrace, 30);

    const service = (constructId: string, name: string) => {
      const svc = new k8s.KubeService(this, constructId, {
        metadata: { name },
        spec: {
          type: 'ClusterIP',
          selector: { ...this.selectorLabels },
          ports: arrayOrEmpty(props.ports).map((p) => ({
            name: p.name,
            port: p.servicePort ?? p.port,
            targetPort: k8s.IntOrString.fromString(p.name),
            protocol: p.protocol ?? 'TCP',
          })),
        },
      });
      const reason = this.operatorPodsReason;
      if (reason) declareCheckExceptions(svc, { selectsOperatorPods: reason });
    };
    service('service', this.name);
    // Where the new version of a blue-green release answers before it is promoted.
    if (this.rollout?.strategy === 'blueGreen') service('preview-service', rolloutNames(this.name).preview);
  }

  /** The Service that reaches the new version of a blue-green release before promotion; undefined without one. */
  public get previewServiceName(): string | undefined {
    return this.rollout?.strategy === 'blueGreen' ? rolloutNames(this.name).preview : undefined;
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    const p = this.props as WebServiceProps;
    if ((p.ports ?? []).length === 0) report.error('web-service.ports', 'ports', 'a web service must declare at least one port');
    // Equal container ports are reported by the container's own check; this catches servicePort clashes.
    const servicePorts = new Map<number, PortSpec>();
    arrayOrEmpty(p.ports).forEach((port, i) => {
      const number = port?.servicePort ?? port?.port;
      const other = servicePorts.get(number);
      if (other !== undefined && other.port !== port.port)
        report.error(
          'web-service.ports.service-port',
          `ports[${i}].servicePort`,
          `${number} is also the Service port of '${other.name}'; each port needs its own Service port`,
        );
      servicePorts.set(number, port);
    });
    if (!p.readiness)
      report.error('web-service.readiness', 'readiness', 'a web service must have a readiness probe, or it receives traffic before it can serve it');
    checkDurationProp(report, 'web-service.drain', 'drain', p.drain, 0, 'Duration.seconds(5)');
    checkDurationProp(report, 'web-service.shutdown-grace', 'shutdownGrace', p.shutdownGrace, 1, 'Duration.seconds(30)');
  }

  protected containerExtras(): Record<string, unknown> {
    return this.drainSeconds > 0 ? { lifecycle: { preStop: { exec: { command: ['sleep', String(this.drainSeconds)] } } } } : {};
  }

  protected podExtras(): Record<string, unknown> {
    return {
      terminationGracePeriodSeconds: this.drainSeconds + this.shutdownSeconds,
      ...spreadAcrossZonesAndNodes(this.selectorLabels, this.maxReplicas, this.rollout ? ROLLOUT_REVISION_LABEL : 'pod-template-hash'),
    };
  }
}

/**
 * Topology spread across zones and nodes (soft, so a small cluster still schedules), plus
 * a preferred anti-affinity on nodes. `matchLabelKeys: [<revision label>]` makes the spread
 * count only pods of the same revision during a rollout: `pod-template-hash` for a
 * Deployment's pods, `rollouts-pod-template-hash` for a Rollout's; none for a StatefulSet.
 */
export function spreadAcrossZonesAndNodes(selector: Record<string, string>, replicas: number, revisionLabel?: string): Record<string, unknown> {
  if (replicas < 2) return {};
  const labelSelector = { matchLabels: { ...selector } };
  const matchLabelKeys = revisionLabel ? [revisionLabel] : undefined;
  return {
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector, matchLabelKeys },
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector, matchLabelKeys },
    ],
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector } }],
      },
    },
  };
}
