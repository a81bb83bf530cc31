import { Construct } from 'constructs';
import { spreadAcrossZonesAndNodes } from './web-service';
import { declareCheckExceptions } from '../core/check-exceptions';
import { ReplicatedWorkload, ReplicatedWorkloadProps } from './replicated-workload';
import { checkProps } from '../core/prop-check';
import { checkDurationProp, Duration, secondsOr } from '../core/duration';
import { ValidationReport } from '../core/validation';

export interface WorkerProps extends ReplicatedWorkloadProps {
  /** How long a worker has to finish its current task after SIGTERM: whole seconds, at least 1. @default Duration.seconds(60) */
  readonly shutdownGrace?: Duration;
}

/**
 * A background worker (queue consumer): the same pod model as a web service, without a
 * Service. Liveness, if any, is usually an exec command (e.g. `celery inspect ping`).
 * @sealed subclassing is not supported; its protected members are not API
 */
export class Worker extends ReplicatedWorkload {
  constructor(scope: Construct, id: string, props: WorkerProps) {
    super(scope, id, props, 'worker');
    checkProps(this, 'WorkerProps', props);
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    checkDurationProp(report, 'worker.shutdown-grace', 'shutdownGrace', (this.props as WorkerProps).shutdownGrace, 1, 'Duration.seconds(60)');
  }

  protected declareCheckExceptions(): void {
    super.declareCheckExceptions();
    if (this.mainObject && this.ports.length === 0) {
      declareCheckExceptions(this.mainObject, {
        noReadinessProbe:
          'a queue consumer serves no traffic through a Service, so a readiness probe would gate nothing; liveness restarts a stuck worker',
      });
    }
  }

  protected podExtras(): Record<string, unknown> {
    return {
      terminationGracePeriodSeconds: secondsOr((this.props as WorkerProps).shutdownGrace, 60),
      ...spreadAcrossZonesAndNodes(this.selectorLabels, this.maxReplicas, 'pod-template-hash'),
    };
  }
}
