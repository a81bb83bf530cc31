import { ApiObject } from 'cdk8s';
import { addCheck } from './validation';

/**
 * Why a generic best-practice check does not apply to one object, declared by the construct
 * that made it: the construct knows its design, not which linter checks what. Each value is
 * the reason. The pipeline maps every declared exception to the community linters' own check
 * ids and waiver annotations (lib/policy/linter-waivers.ts), where the lint report lists them.
 */
export interface CheckExceptions {
  /** Every image is pinned, so the default pull policy (IfNotPresent) is intended. @default - not declared */
  readonly defaultPullPolicy?: string;
  /** Images are pinned by version tag rather than by digest. @default - not declared */
  readonly tagPinnedImages?: string;
  /** Settings are read from environment variables (secrets by reference only). @default - not declared */
  readonly settingsFromEnvironment?: string;
  /** A container runs as the low uid its image is built for. @default - not declared */
  readonly imageUid?: string;
  /** No readiness probe: the pods serve no traffic. @default - not declared */
  readonly noReadinessProbe?: string;
  /** One replica by design. @default - not declared */
  readonly singleReplica?: string;
  /** The autoscaler may scale down to one replica by design. @default - not declared */
  readonly scalesToOneReplica?: string;
  /** A NetworkPolicy selects pods that exist only for a while (made by a controller). @default - not declared */
  readonly selectsTransientPods?: string;
  /** A NetworkPolicy or Service selects pods an operator creates from a custom resource (never in the manifests). @default - not declared */
  readonly selectsOperatorPods?: string;
  /** An autoscaler scales a custom resource (an Argo Rollouts Rollout), not a built-in workload. @default - not declared */
  readonly scalesCustomResource?: string;
  /** A container adds capabilities (a declared security exception). @default - not declared */
  readonly addedCapabilities?: string;
  /** A container's root filesystem is writable (a declared security exception). @default - not declared */
  readonly writableRootFilesystem?: string;
  /** A container starts as root and drops privileges itself (a declared security exception). @default - not declared */
  readonly startsAsRoot?: string;
}

const DECLARED = new WeakMap<ApiObject, CheckExceptions>();

// Every exception, checked by the compiler against CheckExceptions (for declarations from untyped code).
const EXCEPTION_KEYS: { readonly [K in keyof Required<CheckExceptions>]: true } = {
  defaultPullPolicy: true,
  tagPinnedImages: true,
  settingsFromEnvironment: true,
  imageUid: true,
  noReadinessProbe: true,
  singleReplica: true,
  scalesToOneReplica: true,
  selectsTransientPods: true,
  selectsOperatorPods: true,
  scalesCustomResource: true,
  addedCapabilities: true,
  writableRootFilesystem: true,
  startsAsRoot: true,
};
const KNOWN = Object.keys(EXCEPTION_KEYS);

/**
 * Declares exceptions on an object; an exception declared twice keeps its first reason.
 * An unknown exception or a reason that is not one line of text without '=' (the waivers
 * are written as `CHECK=reason`) is a synth error on the object, and is not declared.
 */
export function declareCheckExceptions(object: ApiObject, exceptions: CheckExceptions): void {
  const declared: Record<string, string> = { ...DECLARED.get(object) };
  for (const [key, reason] of Object.entries(exceptions ?? {})) {
    if (reason === undefined || key in declared) continue;
    const problem = !KNOWN.includes(key)
      ? `is not a known exception (known: ${KNOWN.join(', ')})`
      : typeof reason !== 'string' || reason.trim() === '' || /[=\n]/.test(reason)
        ? `${JSON.stringify(reason)} must be a reason: one line of text without '='`
        : undefined;
    if (problem) addCheck(object, (report) => report.error('check-exceptions.exceptions', `exceptions.${key}`, problem));
    else declared[key] = reason;
  }
  DECLARED.set(object, declared);
}

/** The exceptions declared on an object. */
export function checkExceptionsOf(object: ApiObject): CheckExceptions {
  return DECLARED.get(object) ?? {};
}
