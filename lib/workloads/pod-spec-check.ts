import { Json } from '../core/json';
import { ValidationReport } from '../core/validation';
import { ContainerModel } from './container';

/**
 * What the API server refuses in a pod (or accepts and then silently resolves one way),
 * found at synth with the construct's field instead of at apply time:
 *
 * - two containers of a pod with one name (init containers included): refused;
 * - two mounts at one path in a container (`writablePaths: ['/tmp']` next to the library's own
 *   /tmp, a path listed twice, an extra mount over a writable path): refused;
 * - two volumes with one name: the pod spec would hold one of them, and the mounts of the
 *   other would read the wrong volume;
 * - one port name or one port number and protocol in two containers of a pod: a Service's
 *   named targetPort and the NetworkPolicies could not tell them apart.
 *
 * Duplicate environment variables are reported where they arise (`env`, `connect()`,
 * `config`, `useConfig`), in the workload's own checks.
 */
export interface PodModel {
  readonly main: ContainerModel;
  readonly initContainers: readonly ContainerModel[];
  readonly sidecars: readonly ContainerModel[];
  /** The `writablePaths` prop as given (checked here against the other mounts). */
  readonly writablePaths: unknown;
  /** Volumes added under a name already taken by a different volume: [name, the volume kept, the one added]. */
  readonly volumeClashes: ReadonlyArray<readonly [string, Json, Json]>;
}

/** Volumes of shared AppConfig files (`cfg-<configmap>`), whose clashes the AppConfig reports itself. */
const APP_CONFIG_VOLUME_PREFIX = 'cfg-';

/** The fixed mount every container gets: a writable emptyDir at /tmp (the root filesystem is read-only). */
const TMP = '/tmp';

export function checkPodModel(report: ValidationReport, pod: PodModel): void {
  const containers: Array<[string, ContainerModel]> = [
    ['', pod.main],
    ...pod.initContainers.map((c, i): [string, ContainerModel] => [`initContainers[${i}].`, c]),
    ...pod.sidecars.map((c, i): [string, ContainerModel] => [`sidecars[${i}].`, c]),
  ];
  checkContainerNames(report, containers);
  checkWritablePaths(report, pod.writablePaths);
  for (const [prefix, container] of containers) checkMounts(report, prefix, container, pod.writablePaths);
  checkPortsAcrossContainers(report, containers);
  for (const [name, kept, added] of pod.volumeClashes)
    report.error(
      'pod.volumes',
      'volumes',
      `'${name}' names two different volumes (${describeVolume(kept)} and ${describeVolume(added)}); volume names must be unique in a pod: give the second another name`,
    );
}

function checkContainerNames(report: ValidationReport, containers: ReadonlyArray<[string, ContainerModel]>): void {
  const seen = new Map<string, string>();
  for (const [prefix, container] of containers) {
    const first = seen.get(container.name);
    if (first !== undefined)
      report.error(
        'pod.name',
        `${prefix}name`,
        `'${container.name}' is also the name of ${first}; container names must be unique in a pod, init containers included (the API server refuses the pod)`,
      );
    else seen.set(container.name, prefix === '' ? 'the main container' : prefix.slice(0, -1));
  }
}

/** A path with one trailing slash less or more is the same mount point. */
const normal = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);

function checkWritablePaths(report: ValidationReport, writablePaths: unknown): void {
  if (!Array.isArray(writablePaths)) return;
  const seen = new Set<string>();
  for (const path of writablePaths) {
    if (typeof path !== 'string') continue;
    if (normal(path) === TMP)
      report.error(
        'pod.writable-paths.always-writable',
        'writablePaths',
        `'${path}' is always writable: every container gets an emptyDir at /tmp, and a second mount there is refused by the API server; remove it from writablePaths`,
      );
    else if (seen.has(normal(path)))
      report.error('pod.writable-paths.listed-twice', 'writablePaths', `'${path}' is listed twice; each path is one mount, list it once`);
    seen.add(normal(path));
  }
}

function checkMounts(report: ValidationReport, prefix: string, container: ContainerModel, writablePaths: unknown): void {
  const byPath = new Map<string, string>();
  const declared = new Set((Array.isArray(writablePaths) ? writablePaths : []).filter((p): p is string => typeof p === 'string').map(normal));
  for (const mount of container.mounts) {
    if (typeof mount?.mountPath !== 'string') continue;
    const path = normal(mount.mountPath);
    const first = byPath.get(path);
    byPath.set(path, first ?? mount.name);
    if (first === undefined) continue;
    // Reported on writablePaths already (the /tmp mount, or a path listed twice: the same volume twice).
    if (prefix === '' && declared.has(path) && (path === TMP || mount.name === first)) continue;
    // An AppConfig reports its own files mounted where something else is (files.<path>).
    if (mount.name.startsWith(APP_CONFIG_VOLUME_PREFIX) || first.startsWith(APP_CONFIG_VOLUME_PREFIX)) continue;
    report.error(
      'pod.volume-mounts',
      `${prefix}volumeMounts`,
      `'${mount.mountPath}' is mounted twice (volumes '${first}' and '${mount.name}'); mount paths must be unique in a container (the API server refuses the pod)`,
    );
  }
}

function checkPortsAcrossContainers(report: ValidationReport, containers: ReadonlyArray<[string, ContainerModel]>): void {
  const names = new Map<string, string>();
  const numbers = new Map<string, string>();
  for (const [prefix, container] of containers) {
    const owner = prefix === '' ? 'the main container' : prefix.slice(0, -1);
    // Within one container the container's own check reports it; here only clashes between containers.
    const ownNames = new Set<string>();
    const ownNumbers = new Set<string>();
    container.ports.forEach((port, i) => {
      if (typeof port !== 'object' || port === null) return;
      const key = `${port.port}/${port.protocol ?? 'TCP'}`;
      const otherName = names.get(port.name);
      if (otherName !== undefined && otherName !== owner)
        report.error(
          'pod.ports.name',
          `${prefix}ports[${i}].name`,
          `'${port.name}' is also a port of ${otherName}; port names must be unique in a pod (a Service's targetPort names one)`,
        );
      const otherNumber = numbers.get(key);
      if (otherNumber !== undefined && otherNumber !== owner)
        report.error(
          'pod.ports.port',
          `${prefix}ports[${i}].port`,
          `${key} is also a port of ${otherNumber}; two containers of a pod cannot listen on one port`,
        );
      ownNames.add(port.name);
      ownNumbers.add(key);
    });
    for (const n of ownNames) if (!names.has(n)) names.set(n, owner);
    for (const n of ownNumbers) if (!numbers.has(n)) numbers.set(n, owner);
  }
}

function describeVolume(volume: Json): string {
  const source = Object.keys(volume).find((k) => k !== 'name');
  return source ? `a ${source}` : 'a volume';
}
