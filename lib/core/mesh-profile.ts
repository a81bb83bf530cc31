/**
 * The service mesh of an environment's cluster (`platform.mesh`): which mesh, at which release,
 * where its control plane runs. Its own file so that platform.ts stays one screen of fields.
 *
 * Only Istio's ambient mode is supported: no sidecars (nothing is injected into the systems'
 * pods, so their Pod Security stays `restricted`), a per-node proxy (ztunnel) that gives every
 * enrolled pod mutual TLS with a SPIFFE identity and enforces L4 authorization, and a waypoint
 * proxy per namespace only where L7 traffic policy (circuit breaking) is declared.
 */
import { describeValue } from './describe-value';
import { checkDnsLabel } from './naming';
import { isObject } from './profile-checker';
import type { ValidationReport } from './validation';

/** The Istio release the platform layer pins (lib/gitops/mesh-components.ts): the newest stable tag of istio/istio when pinned. */
export const ISTIO_VERSION = '1.30.3';

/** The service meshes the library can render for. */
export type MeshProvider = 'istio-ambient';

/** The environment's service mesh. */
export interface MeshProfile {
  /** The mesh: Istio in ambient mode. */
  readonly provider: MeshProvider;
  /**
   * The Istio release the cluster runs. The platform layer installs exactly the pinned release
   * (ISTIO_VERSION); another one is an error unless the mesh is preinstalled (`preinstalled`
   * lists `istiod`), where it is the release the systems' README names.
   * @default ISTIO_VERSION
   */
  readonly version?: string;
  /** Namespace of istiod, istio-cni and ztunnel. @default 'istio-system' */
  readonly namespace?: string;
}

/** A mesh profile with its defaults applied. */
export interface ResolvedMesh {
  readonly provider: MeshProvider;
  readonly version: string;
  readonly namespace: string;
  /**
   * The trust domain of the workloads' SPIFFE identities (`<trustDomain>/ns/<ns>/sa/<sa>`):
   * Istio's default, which the platform layer leaves as it is.
   */
  readonly trustDomain: string;
  /** istiod's pods (waypoint proxies fetch their configuration and certificates from it on 15012). */
  readonly istiodPods: { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };
}

const FIELDS = ['provider', 'version', 'namespace'];

/** The profile with defaults, or undefined when the environment has no mesh (malformed values are reported by checkMesh). */
export function resolveMesh(raw: unknown): ResolvedMesh | undefined {
  if (!isObject(raw)) return undefined;
  const namespace = typeof raw.namespace === 'string' ? raw.namespace : 'istio-system';
  return {
    provider: 'istio-ambient',
    version: typeof raw.version === 'string' ? raw.version : ISTIO_VERSION,
    namespace,
    trustDomain: 'cluster.local',
    // The istiod chart's pod labels (manifests/charts/istio-control/istio-discovery/templates/deployment.yaml: app: istiod).
    istiodPods: { namespace, podLabels: { app: 'istiod' } },
  };
}

/** Checks `platform.mesh`; `prefix` names it (e.g. `environment.platform.mesh`). */
export function checkMesh(raw: unknown, meshPreinstalled: boolean, report: ValidationReport, prefix: string): void {
  if (raw === undefined) return;
  if (!isObject(raw)) return report.error('mesh-profile.value.object', prefix, `must be a MeshProfile object (is ${describeValue(raw)})`);
  for (const key of Object.keys(raw))
    if (!FIELDS.includes(key))
      report.error('mesh-profile.value.field', `${prefix}.${key}`, `is not a mesh profile field (fields: ${FIELDS.join(', ')})`);
  if (raw.provider !== 'istio-ambient')
    report.error(
      'mesh-profile.provider',
      `${prefix}.provider`,
      `must be 'istio-ambient', the one mesh the library renders for (is ${describeValue(raw.provider)})`,
    );
  if (raw.version !== undefined) {
    if (typeof raw.version !== 'string' || !/^\d+\.\d+\.\d+$/.test(raw.version))
      report.error(
        'mesh-profile.version.format',
        `${prefix}.version`,
        `must be an Istio release such as '${ISTIO_VERSION}' (is ${describeValue(raw.version)})`,
      );
    else if (raw.version !== ISTIO_VERSION && !meshPreinstalled)
      report.error(
        'mesh-profile.version.pinned',
        `${prefix}.version`,
        `'${raw.version}' is not the release the platform layer installs (${ISTIO_VERSION}); name ${ISTIO_VERSION}, or list istio-base, istiod, istio-cni and ztunnel in preinstalled`,
      );
  }
  if (raw.namespace !== undefined) {
    const problem = typeof raw.namespace === 'string' ? checkDnsLabel(raw.namespace) : 'must be a string';
    if (problem) report.error('mesh-profile.namespace', `${prefix}.namespace`, `${describeValue(raw.namespace)} ${problem}`);
  }
}
