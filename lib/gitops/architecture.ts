import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { architectureToMermaid } from './architecture-mermaid';
import type { ArchitectureEdge, ArchitectureEdgeKind, ArchitectureNode, ArchitectureNodeDetails, ArchitectureNodeKind } from './architecture-model';

// Declared in their own file so that the renderer reads them without importing the graph (no import cycle).
export type { ArchitectureEdge, ArchitectureEdgeKind, ArchitectureNode, ArchitectureNodeDetails, ArchitectureNodeKind };

const GRAPHS = new WeakMap<Chart, Architecture>();

/**
 * The construct graph of one system as the generated README draws it: endpoints,
 * workloads, stores, backups and their destinations, and the relationships between them.
 * Filled at synth by a pass (lib/pipeline/architecture-graph.ts) from what the constructs
 * expose (connections, gated workloads, routes, backups, setup Jobs), so the diagram cannot
 * drift from the manifests.
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

  /** Adds (or replaces) a node; `id` is usually the construct's object name. */
  public addNode(id: string, kind: ArchitectureNodeKind, label: string, details?: ArchitectureNodeDetails): void {
    this.nodes.set(id, { id, kind, label, ...(details ? { details } : {}) });
  }

  public addEdge(from: string, to: string, label: string, kind: ArchitectureEdgeKind = 'connect'): void {
    if (!this.edges.some((e) => e.from === from && e.to === to && e.label === label && e.kind === kind)) this.edges.push({ from, to, label, kind });
  }

  public get allNodes(): ArchitectureNode[] {
    return [...this.nodes.values()];
  }

  public get allEdges(): ArchitectureEdge[] {
    return [...this.edges];
  }

  /** A top-to-bottom Mermaid flowchart with a one-line legend, deterministic (sorted). */
  public toMermaid(): string {
    return architectureToMermaid(this.allNodes, this.allEdges);
  }
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
