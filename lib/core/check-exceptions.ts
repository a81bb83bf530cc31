import { ApiObject } from 'cdk8s';

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
}

const DECLARED = new WeakMap<ApiObject, CheckExceptions>();

/** Declares exceptions on an object; an exception declared twice keeps its first reason. */
export function declareCheckExceptions(object: ApiObject, exceptions: CheckExceptions): void {
  const declared: Record<string, string> = { ...DECLARED.get(object) };
  for (const [key, reason] of Object.entries(exceptions)) if (reason !== undefined && !(key in declared)) declared[key] = reason;
  DECLARED.set(object, declared);
}

/** The exceptions declared on an object. */
export function checkExceptionsOf(object: ApiObject): CheckExceptions {
  return DECLARED.get(object) ?? {};
}
