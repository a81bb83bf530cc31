import { Construct } from 'constructs';
import { ValidationReport } from '../core/validation';
import { spreadAcrossZonesAndNodes } from './web-service';
import { Workload, WorkloadProps } from './workload';

export interface WorkerProps extends WorkloadProps {
  /** Pods. @default - the environment's default replica count */
  readonly replicas?: number;
  /** Seconds a worker has to finish its current task after SIGTERM. @default 60 */
  readonly shutdownSeconds?: number;
}

/**
 * A background worker (queue consumer): the same pod model as a web service, without a
 * Service. Liveness, if any, is usually an exec command (e.g. `celery inspect ping`).
 */
export class Worker extends Workload {
  public readonly replicas: number;

  constructor(scope: Construct, id: string, props: WorkerProps) {
    super(scope, id, props, 'worker');
    this.replicas = props.replicas ?? this.chart.environment.defaultReplicas;
    this.lazyObject('deployment', 'apps/v1', 'Deployment', () => ({
      replicas: this.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: { ...this.selectorLabels } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: this.podTemplate(),
    }));
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    if (!Number.isInteger(this.replicas) || this.replicas < 1) report.error('replicas', `${this.replicas} must be a whole number of at least 1`);
  }

  protected podExtras(): Record<string, unknown> {
    return {
      terminationGracePeriodSeconds: (this.props as WorkerProps).shutdownSeconds ?? 60,
      ...spreadAcrossZonesAndNodes(this.selectorLabels, this.replicas, true),
    };
  }
}
