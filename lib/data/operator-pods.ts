import { declareCheckExceptions } from '../core/check-exceptions';
import { Construct } from 'constructs';
import { IBudgeted, PodBudget } from '../scaling/namespace-budget';
import { Connections, INetworkPeer, workloadNetworkPolicy } from '../security/network';

/**
 * Pods an operator creates on a store's behalf (MOCO's backup Jobs, the Percona
 * operator's backup agents) or a store's own run-once Jobs: a network peer with its own
 * NetworkPolicy (`<name>`), so that every flow they need is an explicit allowance like a
 * workload's.
 */
export class OperatorPods extends Construct implements INetworkPeer, IBudgeted {
  public readonly connections: Connections;

  constructor(
    scope: Construct,
    id: string,
    /** Name of the NetworkPolicy. */
    public readonly name: string,
    /** Labels the pods carry (and only they). */
    public readonly selectorLabels: Record<string, string>,
    /** Their namespace. */
    public readonly namespaceName: string,
    /** What they take from the namespace's quota at most (they count in its budget). */
    private readonly budget: () => PodBudget,
    /** Whether an operator makes the pods (no manifest holds them) rather than a Job of the chart. @default true */
    madeByOperator = true,
  ) {
    super(scope, id);
    this.connections = new Connections(this);
    const policy = workloadNetworkPolicy(this, name, this.connections);
    if (madeByOperator)
      declareCheckExceptions(policy, {
        selectsOperatorPods: 'selects pods the database operator creates (its Jobs and instances), never in the manifests',
      });
  }

  public podBudget(): PodBudget {
    return this.budget();
  }
}
