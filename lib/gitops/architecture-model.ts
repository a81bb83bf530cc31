// The nodes and edges of a system's architecture graph (gitops/architecture.ts), as the renderer reads them.

/** What a node of the architecture diagram is. */
export type ArchitectureNodeKind = 'endpoint' | 'service' | 'worker' | 'job' | 'store' | 'backup' | 'destination';

/**
 * What an edge of the architecture diagram means; the renderer draws each kind its own way
 * (routes labelled, connections plain with the port on the store, setup and migration
 * dotted, backup data thick).
 */
export type ArchitectureEdgeKind = 'route' | 'connect' | 'migrate' | 'setup' | 'backup' | 'restore';

/** What the diagram shows on a node besides its name. */
export interface ArchitectureNodeDetails {
  /** The image reference, shown without its registry. @default - none shown */
  readonly image?: string;
  /** How many pods, e.g. `x3` or `x3-10 (HPA)`. @default - none shown (one pod, or a Job) */
  readonly replicas?: string;
  /** One short line: a schedule with its time zone, a size, "replica set". @default - none */
  readonly note?: string;
}

export interface ArchitectureNode {
  readonly id: string;
  readonly kind: ArchitectureNodeKind;
  readonly label: string;
  /** @default - the name only */
  readonly details?: ArchitectureNodeDetails;
}

export interface ArchitectureEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly kind: ArchitectureEdgeKind;
}
