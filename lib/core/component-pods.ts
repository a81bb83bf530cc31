/**
 * Its own file so that the profile's parts (observability-profile.ts) can name it without
 * importing platform.ts, which imports them.
 */

/** Pods of a cluster component, as a NetworkPolicy peer selects them. */
export interface ComponentPods {
  /** Namespace the component runs in. */
  readonly namespace: string;
  /** Labels on its pods. */
  readonly podLabels: Readonly<Record<string, string>>;
}
