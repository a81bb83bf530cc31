import { describe, Json, PolicyRule, podOf, SelectorIndex, selects } from '../rule';

export const multiReplicaHasPdb: PolicyRule = {
  id: 'multi-replica-pdb',
  description: 'Every workload that can run more than one pod has a PodDisruptionBudget selecting its pods.',
  fix: 'Keep the default disruption budget of replicated workloads and stores.',
  check({ objects }) {
    const pdbs = new SelectorIndex<Json>();
    for (const o of objects) if (o.object.kind === 'PodDisruptionBudget') pdbs.add(o.object.spec.selector, o.object.spec.selector);
    const hpas = new Map<string, Json>(
      objects
        .filter((o) => o.object.kind === 'HorizontalPodAutoscaler')
        .map((o) => [`${o.object.spec.scaleTargetRef.kind}/${o.object.spec.scaleTargetRef.name}`, o.object.spec]),
    );
    return objects
      .filter((o) => ['Deployment', 'Rollout', 'StatefulSet'].includes(o.object.kind))
      .filter((o) => {
        const hpa = hpas.get(`${o.object.kind}/${o.object.metadata.name}`);
        const max = hpa ? hpa.maxReplicas : (o.object.spec.replicas ?? 1);
        const labels = podOf(o.object)!.labels;
        return max > 1 && !pdbs.candidates(labels).some((s) => selects(s, labels));
      })
      .map((object) => ({ object, message: `${describe(object.object)} can run several pods but no PodDisruptionBudget selects them` }));
  },
};
