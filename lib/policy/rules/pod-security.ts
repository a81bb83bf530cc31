import { containersOf, describe, PolicyRule, podOf, Violation } from '../rule';

const ALLOWED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** The fields Pod Security `restricted` checks, evaluated here so a violation fails synth, not the rollout. */
export const podSecurityRestricted: PolicyRule = {
  id: 'pod-security-restricted',
  description:
    'Every pod meets Pod Security "restricted": non-root, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp, restricted volume types.',
  fix: 'Use the library workloads (they set these fields); for custom pods set runAsNonRoot, allowPrivilegeEscalation: false, capabilities.drop [ALL] and seccompProfile RuntimeDefault.',
  check({ objects }) {
    const out: Violation[] = [];
    for (const object of objects) {
      const pod = podOf(object.object);
      if (!pod) continue;
      const spec = pod.spec;
      const podCtx = spec.securityContext ?? {};
      const say = (message: string) => out.push({ object, message: `${describe(object.object)}: ${message}` });
      for (const volume of spec.volumes ?? []) {
        const type = Object.keys(volume).find((k) => k !== 'name');
        if (type && !ALLOWED_VOLUMES.includes(type)) say(`volume '${volume.name}' of type ${type} is not allowed`);
      }
      if (podCtx.runAsUser === 0) say('pod runAsUser is 0 (root)');
      for (const c of containersOf(spec)) {
        const ctx = c.securityContext ?? {};
        const name = `container '${c.name}'`;
        if (ctx.runAsNonRoot !== true && podCtx.runAsNonRoot !== true) say(`${name} does not set runAsNonRoot: true`);
        if (ctx.runAsUser === 0) say(`${name} runs as uid 0`);
        if (ctx.allowPrivilegeEscalation !== false) say(`${name} does not set allowPrivilegeEscalation: false`);
        if (!(ctx.capabilities?.drop ?? []).includes('ALL')) say(`${name} does not drop ALL capabilities`);
        const added = (ctx.capabilities?.add ?? []).filter((cap: string) => cap !== 'NET_BIND_SERVICE');
        if (added.length) say(`${name} adds capabilities ${added.join(', ')}`);
        const seccomp = ctx.seccompProfile?.type ?? podCtx.seccompProfile?.type;
        if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') say(`${name} has no RuntimeDefault or Localhost seccomp profile`);
        if (ctx.readOnlyRootFilesystem !== true)
          say(`${name} has a writable root filesystem (set readOnlyRootFilesystem and mount emptyDirs where it writes)`);
      }
    }
    return out;
  },
};

/** Nothing that reaches into the node. */
export const noHostAccess: PolicyRule = {
  id: 'no-host-access',
  description: 'No hostPath volumes, hostNetwork, hostPID, hostIPC, host ports or privileged containers.',
  fix: 'Remove the host access; use a Service, emptyDir or PersistentVolumeClaim instead.',
  check({ objects }) {
    const out: Violation[] = [];
    for (const object of objects) {
      const pod = podOf(object.object);
      if (!pod) continue;
      const say = (message: string) => out.push({ object, message: `${describe(object.object)}: ${message}` });
      for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (pod.spec[field]) say(`${field} is true`);
      for (const volume of pod.spec.volumes ?? []) if (volume.hostPath) say(`volume '${volume.name}' is a hostPath`);
      for (const c of containersOf(pod.spec)) {
        if (c.securityContext?.privileged) say(`container '${c.name}' is privileged`);
        for (const port of c.ports ?? []) if (port.hostPort) say(`container '${c.name}' binds host port ${port.hostPort}`);
      }
    }
    return out;
  },
};
