import { describe, Json, LabelIndex, operatorPodOf, PodView, PolicyRule, podOf, selects, Violation } from '../rule';

/** Workloads, and the custom resources of operators that run pods. */
function workloads(objects: readonly { object: Json }[]) {
  return objects.filter(
    (o) => ['Deployment', 'Rollout', 'StatefulSet', 'DaemonSet'].includes(o.object.kind) || operatorPodOf(o.object) !== undefined,
  );
}

function podsOf(object: Json): PodView {
  return (podOf(object) ?? operatorPodOf(object))!;
}

function exposesPort(pod: Json, port: string | number): boolean {
  return (pod.containers ?? []).some((c: Json) => (c.ports ?? []).some((p: Json) => p.name === port || p.containerPort === port));
}

export const servicesSelectOneWorkload: PolicyRule = {
  id: 'service-selects-one-workload',
  description: 'Every Service selects the pods of exactly one workload and targets ports those pods expose.',
  fix: 'Make selectors unique per workload (the library selects by app.kubernetes.io/name and instance) and target declared port names.',
  check({ objects }) {
    const out: Violation[] = [];
    let index: LabelIndex<{ readonly object: Json }> | undefined;
    for (const object of objects.filter((o) => o.object.kind === 'Service')) {
      const spec = object.object.spec ?? {};
      if (!spec.selector) continue; // selector-less Services point at manual Endpoints
      const selector = { matchLabels: spec.selector };
      if (!index) {
        index = new LabelIndex();
        for (const w of workloads(objects)) index.add(podsOf(w.object).labels, w);
      }
      const matched = index.candidates(selector).filter((w) => selects(selector, podsOf(w.object).labels));
      if (matched.length !== 1) {
        out.push({
          object,
          message: `${describe(object.object)} selects ${matched.length} workloads${matched.length ? ` (${matched.map((m) => describe(m.object)).join(', ')})` : ''}; it must select exactly one`,
        });
        continue;
      }
      const pod = podsOf(matched[0].object).spec;
      for (const port of spec.ports ?? []) {
        const target = port.targetPort ?? port.port;
        if (!exposesPort(pod, target))
          out.push({
            object,
            message: `${describe(object.object)} port '${port.name ?? port.port}' targets ${target}, which ${describe(matched[0].object)} does not expose`,
          });
      }
    }
    return out;
  },
};

export const ingressBackendsExist: PolicyRule = {
  id: 'ingress-backend-exists',
  description: 'Every Ingress, HTTPRoute and GRPCRoute backend is a Service in the namespace with that port.',
  fix: 'Route to workloads (PublicEndpoint) instead of typing service names.',
  check({ objects }) {
    const services = new Map(objects.filter((o) => o.object.kind === 'Service').map((o) => [o.object.metadata.name, o.object.spec]));
    const out: Violation[] = [];
    for (const object of objects.filter((o) => o.object.kind === 'Ingress')) {
      const backends = [
        object.object.spec?.defaultBackend,
        ...(object.object.spec?.rules ?? []).flatMap((r: Json) => (r.http?.paths ?? []).map((p: Json) => p.backend)),
      ].filter(Boolean);
      for (const b of backends) {
        if (!b.service) continue;
        const svc = services.get(b.service.name);
        const port = b.service.port?.name ?? b.service.port?.number;
        if (!svc) out.push({ object, message: `${describe(object.object)} routes to Service '${b.service.name}', which does not exist here` });
        else if (!(svc.ports ?? []).some((p: Json) => p.name === port || p.port === port))
          out.push({ object, message: `${describe(object.object)} routes to port ${port} of Service '${b.service.name}', which has no such port` });
      }
    }
    // Gateway API routes: backendRefs to Services of the route's namespace, by port number.
    for (const object of objects.filter((o) => o.object.kind === 'HTTPRoute' || o.object.kind === 'GRPCRoute')) {
      const refs = (object.object.spec?.rules ?? []).flatMap((r: Json) => r.backendRefs ?? []);
      for (const ref of refs as Json[]) {
        if (
          (ref.kind ?? 'Service') !== 'Service' ||
          (ref.group ?? '') !== '' ||
          (ref.namespace ?? object.object.metadata?.namespace) !== object.object.metadata?.namespace
        )
          continue;
        const svc = services.get(ref.name);
        if (!svc) out.push({ object, message: `${describe(object.object)} routes to Service '${ref.name}', which does not exist here` });
        else if (!(svc.ports ?? []).some((p: Json) => p.port === ref.port))
          out.push({ object, message: `${describe(object.object)} routes to port ${ref.port} of Service '${ref.name}', which has no such port` });
      }
    }
    return out;
  },
};
