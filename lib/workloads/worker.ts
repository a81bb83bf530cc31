import { Construct } from 'constructs';
import { spreadAcrossZonesAndNodes } from './web-service';
import { declareCheckExceptions } from '../core/check-exceptions';
import { ReplicatedWorkload, ReplicatedWorkloadProps } from './replicated-workload';
import { checkProps } from '../core/prop-check';

export interface WorkerProps extends ReplicatedWorkloadProps {
  /** Seconds a worker has to finish its current task after SIGTERM. @default 60 */
  readonly shutdownSeconds?: number;
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
      terminationGracePeriodSeconds: (this.props as WorkerProps).shutdownSeconds ?? 60,
      ...spreadAcrossZonesAndNodes(this.selectorLabels, this.maxReplicas, true),
    };
  }
}
