import { isPinned } from '../../workloads/image';
import { containersOf, describe, PolicyRule, podOf, Violation } from '../rule';

export const resourcesRequired: PolicyRule = {
  id: 'resources-required',
  description: 'Every container and init container declares cpu and memory requests and limits.',
  fix: 'Set resources (requests and limits) on the construct, or rely on the environment profile.',
  coveredByFields: ['resources'],
  check({ objects }) {
    const out: Violation[] = [];
    for (const object of objects) {
      const pod = podOf(object.object);
      if (!pod) continue;
      for (const c of containersOf(pod.spec)) {
        const missing = ['requests', 'limits'].flatMap((kind) =>
          ['cpu', 'memory'].filter((r) => !c.resources?.[kind]?.[r]).map((r) => `${kind}.${r}`),
        );
        if (missing.length) out.push({ object, message: `${describe(object.object)}: container '${c.name}' has no ${missing.join(', ')}` });
      }
    }
    return out;
  },
};

export const readinessProbes: PolicyRule = {
  id: 'readiness-probe',
  description: 'Every long-running container that serves a port has a readiness probe.',
  fix: 'Add a readiness probe (Probe.http, Probe.tcp or Probe.exec).',
  coveredByFields: ['readiness'],
  check({ objects }) {
    const out: Violation[] = [];
    for (const object of objects) {
      if (!['Deployment', 'Rollout', 'StatefulSet', 'DaemonSet'].includes(object.object.kind)) continue;
      const pod = podOf(object.object);
      for (const c of pod?.spec.containers ?? []) {
        if ((c.ports ?? []).length > 0 && !c.readinessProbe)
          out.push({ object, message: `${describe(object.object)}: container '${c.name}' serves ports but has no readiness probe` });
      }
    }
    return out;
  },
};

export const pinnedImages: PolicyRule = {
  id: 'pinned-images',
  description: 'Images are pinned to a version tag or digest (never latest or untagged) where the environment requires it.',
  fix: 'Use an explicit version tag or a sha256 digest.',
  coveredByFields: ['image'],
  check({ objects, environment }) {
    if (environment && !environment.requirePinnedImages) return [];
    const out: Violation[] = [];
    for (const object of objects) {
      const pod = podOf(object.object);
      for (const c of pod ? containersOf(pod.spec) : []) {
        if (!isPinned(c.image)) out.push({ object, message: `${describe(object.object)}: container '${c.name}' image '${c.image}' is not pinned` });
      }
    }
    return out;
  },
};
