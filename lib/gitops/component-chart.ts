import type { PlatformComponentName } from '../core/platform-requirements';

// Its own file so that the component files split from platform-components.ts
// (observability-components.ts) can name it without importing that file, which imports them.

/** A pinned Helm release of one component. */
export interface ComponentChart {
  /** What the component is, for READMEs. */
  readonly title: string;
  /** Helm repository URL (an AppProject source repository). */
  readonly repoURL: string;
  /** Chart name in that repository. */
  readonly chart: string;
  /** Chart version, pinned. */
  readonly chartVersion: string;
  /** The component's own release the chart installs (its appVersion); requirements' minVersion is compared with it. */
  readonly appVersion: string;
  /** Helm release name. */
  readonly releaseName: string;
  /** Other components the chart installs as well (their requirements are met by it). @default - none */
  readonly provides?: readonly PlatformComponentName[];
  /**
   * Fields of the chart's objects that the component itself changes after the install (a
   * webhook's CA bundle it injects): Argo CD ignores them in its diff and keeps them at sync
   * (`RespectIgnoreDifferences`), so self-heal does not undo them. @default - none
   */
  readonly ignoreDifferences?: readonly { readonly group: string; readonly kind: string; readonly jqPathExpressions: readonly string[] }[];
}
