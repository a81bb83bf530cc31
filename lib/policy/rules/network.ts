import { describe, Json, PolicyRule, podOf, SelectorIndex, selects } from '../rule';

export const podsHaveNetworkPolicy: PolicyRule = {
  id: 'network-policy-coverage',
  description: 'Every pod is selected by a NetworkPolicy restricting both ingress and egress.',
  fix: 'Keep the namespace default-deny policy; allow flows with connections.allowTo / connect().',
  check({ objects }) {
    const policies = new SelectorIndex<Json>();
    for (const o of objects) if (o.object.kind === 'NetworkPolicy') policies.add(o.object.spec.podSelector, o.object.spec);
    return objects
      .filter((o) => podOf(o.object))
      .filter((o) => {
        const labels = podOf(o.object)!.labels;
        const covering = policies.candidates(labels).filter((p) => selects(p.podSelector, labels));
        const types = new Set(covering.flatMap((p) => p.policyTypes ?? ['Ingress']));
        return !(types.has('Ingress') && types.has('Egress'));
      })
      .map((object) => ({ object, message: `${describe(object.object)}: its pods are not covered by NetworkPolicies for both ingress and egress` }));
  },
};
