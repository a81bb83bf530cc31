import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

/** What a node of the architecture diagram is. */
export type ArchitectureNodeKind = 'endpoint' | 'service' | 'worker' | 'job' | 'store' | 'backup';

export interface ArchitectureNode {
  readonly id: string;
  readonly kind: ArchitectureNodeKind;
  readonly label: string;
}

export interface ArchitectureEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
}

const GRAPHS = new WeakMap<Chart, Architecture>();

/**
 * The construct graph of one system as the generated README draws it: endpoints,
 * workloads, stores, backups and the relationships between them. Filled at synth by a
 * pass (lib/pipeline/architecture-graph.ts) from what the constructs' methods recorded
 * (`connect`, `gate`, endpoints, backups), so the diagram cannot drift from the manifests.
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
  public addNode(id: string, kind: ArchitectureNodeKind, label: string): void {
    this.nodes.set(id, { id, kind, label });
  }

  public addEdge(from: string, to: string, label: string): void {
    if (!this.edges.some((e) => e.from === from && e.to === to && e.label === label)) this.edges.push({ from, to, label });
  }

  public get allNodes(): ArchitectureNode[] {
    return [...this.nodes.values()];
  }

  public get allEdges(): ArchitectureEdge[] {
    return [...this.edges];
  }

  /** A Mermaid flowchart, grouped by layer, deterministic (sorted). */
  public toMermaid(): string {
    const layers: Array<[string, ArchitectureNodeKind[]]> = [
      ['Edge', ['endpoint']],
      ['Applications', ['service', 'worker', 'job']],
      ['Data', ['store']],
      ['Backups', ['backup']],
    ];
    const shape = (n: ArchitectureNode): string => {
      const label = n.label.replace(/"/g, "'");
      switch (n.kind) {
        case 'endpoint':
          return `${safe(n.id)}(["${label}"])`;
        case 'store':
          return `${safe(n.id)}[("${label}")]`;
        case 'job':
          return `${safe(n.id)}[/"${label}"/]`;
        case 'backup':
          return `${safe(n.id)}[["${label}"]]`;
        default:
          return `${safe(n.id)}["${label}"]`;
      }
    };
    const lines = ['flowchart LR'];
    for (const [title, kinds] of layers) {
      const members = this.allNodes.filter((n) => kinds.includes(n.kind)).sort((a, b) => (a.id < b.id ? -1 : 1));
      if (members.length === 0) continue;
      lines.push(`  subgraph ${title.toLowerCase()}["${title}"]`);
      for (const n of members) lines.push(`    ${shape(n)}`);
      lines.push('  end');
    }
    const edges = [...this.edges].sort((a, b) => `${a.from}>${a.to}>${a.label}`.localeCompare(`${b.from}>${b.to}>${b.label}`));
    for (const e of edges) lines.push(`  ${safe(e.from)} -->|"${e.label.replace(/"/g, "'")}"| ${safe(e.to)}`);
    return lines.join('\n');
  }
}

function safe(id: string): string {
  return `n_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
}
