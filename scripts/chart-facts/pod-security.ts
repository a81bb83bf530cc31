/**
 * The Pod Security Standards level a pod spec needs: the checks of the `baseline` and
 * `restricted` profiles (Kubernetes' Pod Security admission, the policies' latest version)
 * evaluated on a rendered pod template. Used by generate.ts on charts' pods; a pod that fails
 * a baseline check needs `privileged`, one that fails a restricted check needs `baseline`.
 */
import { BASELINE_CAPABILITIES as BASELINE_CAPABILITY_LIST } from '../../lib/workloads/security-exception';

export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

export const LEVEL_ORDER: readonly PodSecurityLevel[] = ['restricted', 'baseline', 'privileged'];

// Rendered manifests are untyped YAML.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** Capabilities a baseline container may add: the library's own list, the Pod Security Standards'. */
const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set(BASELINE_CAPABILITY_LIST);

const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

/** Volume types a restricted pod may use. */
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

export interface PodSecurityResult {
  readonly level: PodSecurityLevel;
  /** What decided the level: the baseline checks it fails when privileged, the restricted ones when baseline. */
  readonly reasons: readonly string[];
}

/** The level `spec` (a PodSpec) needs, and the checks that decided it. */
export function podSecurityLevel(spec: Obj): PodSecurityResult {
  const baseline: string[] = [];
  const restricted: string[] = [];
  const containers: Obj[] = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  const podSc: Obj = spec.securityContext ?? {};

  // baseline
  if (spec.hostNetwork) baseline.push('hostNetwork');
  if (spec.hostPID) baseline.push('hostPID');
  if (spec.hostIPC) baseline.push('hostIPC');
  for (const v of spec.volumes ?? []) if (v.hostPath) baseline.push(`hostPath volume ${v.name}`);
  if (podSc.seccompProfile?.type === 'Unconfined') baseline.push('pod seccompProfile Unconfined');
  if (podSc.appArmorProfile?.type === 'Unconfined') baseline.push('pod appArmorProfile Unconfined');
  if (podSc.seLinuxOptions?.type && !['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(podSc.seLinuxOptions.type))
    baseline.push(`pod seLinuxOptions.type ${podSc.seLinuxOptions.type}`);
  for (const s of podSc.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) baseline.push(`sysctl ${s.name}`);
  for (const c of containers) {
    const sc: Obj = c.securityContext ?? {};
    if (sc.privileged) baseline.push(`${c.name}: privileged`);
    for (const cap of sc.capabilities?.add ?? []) if (!BASELINE_CAPABILITIES.has(cap)) baseline.push(`${c.name}: adds capability ${cap}`);
    for (const p of c.ports ?? []) if (p.hostPort) baseline.push(`${c.name}: hostPort ${p.hostPort}`);
    if (sc.seccompProfile?.type === 'Unconfined') baseline.push(`${c.name}: seccompProfile Unconfined`);
    if (sc.appArmorProfile?.type === 'Unconfined') baseline.push(`${c.name}: appArmorProfile Unconfined`);
    if (sc.procMount && sc.procMount !== 'Default') baseline.push(`${c.name}: procMount ${sc.procMount}`);
  }

  // restricted
  for (const v of spec.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (type && !RESTRICTED_VOLUMES.has(type)) restricted.push(`volume ${v.name} of type ${type}`);
  }
  const podNonRoot = podSc.runAsNonRoot === true;
  const podSeccomp = ['RuntimeDefault', 'Localhost'].includes(podSc.seccompProfile?.type);
  if (podSc.runAsUser === 0) restricted.push('pod runAsUser 0');
  for (const c of containers) {
    const sc: Obj = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) restricted.push(`${c.name}: allowPrivilegeEscalation not false`);
    if (sc.runAsNonRoot === false || (!podNonRoot && sc.runAsNonRoot !== true)) restricted.push(`${c.name}: runAsNonRoot not true`);
    if (sc.runAsUser === 0) restricted.push(`${c.name}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type;
    if (!(['RuntimeDefault', 'Localhost'].includes(seccomp) || (seccomp === undefined && podSeccomp)))
      restricted.push(`${c.name}: seccompProfile not RuntimeDefault or Localhost`);
    const drop: string[] = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) restricted.push(`${c.name}: capabilities do not drop ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') restricted.push(`${c.name}: adds capability ${cap}`);
  }
  const level: PodSecurityLevel = baseline.length > 0 ? 'privileged' : restricted.length > 0 ? 'baseline' : 'restricted';
  return { level, reasons: [...new Set(level === 'privileged' ? baseline : restricted)] };
}

/** The higher of two levels. */
export function maxLevel(a: PodSecurityLevel, b: PodSecurityLevel): PodSecurityLevel {
  return LEVEL_ORDER.indexOf(a) >= LEVEL_ORDER.indexOf(b) ? a : b;
}

/** The pod template of a workload object, or undefined for other kinds. */
export function podSpecOf(obj: Obj): Obj | undefined {
  switch (obj.kind) {
    case 'Pod':
      return obj.spec;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
    case 'ReplicationController':
      return obj.spec?.template?.spec;
    case 'CronJob':
      return obj.spec?.jobTemplate?.spec?.template?.spec;
    default:
      return undefined;
  }
}
