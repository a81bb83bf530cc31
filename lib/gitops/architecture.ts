import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { architectureToMermaid } from './architecture-mermaid';

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

const GRAPHS = new WeakMap<Chart, Architecture>();

/**
 * The construct graph of one system as the generated README draws it: endpoints,
 * workloads, stores, backups and their destinations, and the relationships between them.
 * Constructs record themselves; relationships are recorded by the methods that create them
 * (`connect`, `gate`, endpoints, backups, setup Jobs), so the diagram cannot drift from the
 * manifests.
 */
export class Architecture {
  public static of(scope: IConstruct): Architecture {
    const chart = Chart.of(scope);
    let graph = GRAPHS.get(chart);
    if (!graph) {
      graph = new Architecture();
      GRAPHS.set(chart, graph);
    }
    return graph;
  }

  private readonly nodes = new Map<string, ArchitectureNode>();
  private readonly edges: ArchitectureEdge[] = [];
  // Details known only once the chart is complete (autoscale() may come after the constructor).
  private readonly lazyDetails = new Map<string, Array<() => ArchitectureNodeDetails>>();

  /** Adds (or replaces) a node; `id` is usually the construct's object name. */
  public addNode(id: string, kind: ArchitectureNodeKind, label: string, details?: ArchitectureNodeDetails): void {
    this.nodes.set(id, { id, kind, label, ...(details ? { details } : {}) });
  }

  /** Adds details to a node, produced when the diagram is drawn (later producers win per field). */
  public describe(id: string, produce: () => ArchitectureNodeDetails): void {
    this.lazyDetails.set(id, [...(this.lazyDetails.get(id) ?? []), produce]);
  }

  public addEdge(from: string, to: string, label: string, kind: ArchitectureEdgeKind = 'connect'): void {
    if (!this.edges.some((e) => e.from === from && e.to === to && e.label === label && e.kind === kind)) this.edges.push({ from, to, label, kind });
  }

  /** Every node, with its details resolved. */
  public get allNodes(): ArchitectureNode[] {
    return [...this.nodes.values()].map((n) => {
      const produced = (this.lazyDetails.get(n.id) ?? []).map((produce) => produce());
      if (produced.length === 0) return n;
      const details = Object.assign({}, n.details, ...produced.map(definedOnly)) as ArchitectureNodeDetails;
      return { ...n, details };
    });
  }

  public get allEdges(): ArchitectureEdge[] {
    return [...this.edges];
  }

  /** A top-to-bottom Mermaid flowchart with a one-line legend, deterministic (sorted). */
  public toMermaid(): string {
    return architectureToMermaid(this.allNodes, this.allEdges);
  }
}

function definedOnly(details: ArchitectureNodeDetails): ArchitectureNodeDetails {
  return Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined));
}

/**
 * A route as a reader understands it: `/api/... → /... (prefix stripped)` rather than the
 * regex and its back-reference. `host` is left out when the endpoint has one host only.
 */
export function routeLabel(route: { host?: string; path: string; match: string; literalPrefix: string; rewrite?: string }): string {
  const host = route.host ?? '';
  const prefix = route.literalPrefix.replace(/\/+$/, '');
  let from: string;
  if (route.match === 'Exact') from = `${route.path} (exact)`;
  else if (route.match === 'Regex' || route.rewrite !== undefined) from = `${prefix}/...`;
  else from = route.path;
  if (route.rewrite === undefined) return `${host}${from}`;
  return `${host}${from} → ${rewriteLabel(route.rewrite, route.match === 'Regex' ? route.path : undefined)}`;
}

function rewriteLabel(rewrite: string, regex: string | undefined): string {
  // A rewrite that keeps only the regex's trailing catch-all group strips the literal prefix.
  const onlyGroup = /^\/\$(\d+)$/.exec(rewrite);
  if (onlyGroup && (regex === undefined || /\(\.\*\)\$?$/.test(regex))) return '/... (prefix stripped)';
  if (regex === undefined) return rewrite === '/' ? '/... (prefix stripped)' : `${rewrite.replace(/\/$/, '')}/...`;
  return rewrite.replace(/\$\d+/g, '...');
}
