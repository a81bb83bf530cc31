/**
 * The Kubernetes releases a cluster profile may name (`platform.kubernetesVersion`): from 1.27,
 * the API the library's objects are built on (cdk8s-plus-27), to the newest release the project
 * builds and runs its cluster suite on (scripts/k8s/versions.env). The synth validates every
 * object against the named release's API (lib/policy/kubernetes-api.ts, with the schemas of
 * lib/policy/kubernetes-api.json), so this list and that file's releases must agree (a unit test
 * checks it).
 */
export const KUBERNETES_VERSIONS = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33', '1.34', '1.35', '1.36', '1.37'] as const;

/** A Kubernetes minor release, as `kubectl version` shows it: `1.30`. */
export type KubernetesVersion = (typeof KUBERNETES_VERSIONS)[number];

/**
 * The release a profile targets when it names none: the oldest one supported. Objects valid on
 * 1.27 are valid on every later release except where an API was removed (which the synth
 * refuses for the release a profile names), while a field a newer release added is refused on
 * an older cluster: the oldest release is the default that never lets such a field through
 * unnoticed. Name the clusters' release to use newer fields.
 */
export const DEFAULT_KUBERNETES_VERSION: KubernetesVersion = '1.27';

export function isKubernetesVersion(value: unknown): value is KubernetesVersion {
  return typeof value === 'string' && (KUBERNETES_VERSIONS as readonly string[]).includes(value);
}
