import type { ArchitectureEdge, ArchitectureNode, ArchitectureNodeKind } from './architecture-model';

/** The one-line legend, shown as the diagram's title so that it travels with the picture. */
export const ARCHITECTURE_LEGEND =
  'stadium: endpoint · box: service/worker · slanted: job · cylinder: store · double box: backup/restore job · ' +
  'folder: backup destination · dotted: setup, migration, restore · thick: backup';

// Top to bottom, in the direction requests and data flow: a tier only points down (or,
// for the restore path, back up to its own store), so edges need not cross the tiers.
const TIERS: ReadonlyArray<[string, readonly ArchitectureNodeKind[]]> = [
  ['Edge', ['endpoint']],
  ['Applications', ['service', 'worker', 'job']],
  ['Data', ['store']],
  ['Backups', ['backup', 'destination']],
];

/** Renders the architecture graph as a Mermaid flowchart. */
export function architectureToMermaid(nodes: readonly ArchitectureNode[], edges: readonly ArchitectureEdge[]): string {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const ports = hoistedPorts(edges);
  // Wider than the default 200 px before a label wraps: image tags stay on one line. More
  // room between tiers than the default 50 px: an edge to a far store then leaves its
  // workload steeply instead of running along (behind) the workloads next to it.
  const config = ['config:', '  flowchart:', '    wrappingWidth: 400', '    rankSpacing: 80'];
  const lines = ['---', `title: "${text(ARCHITECTURE_LEGEND)}"`, ...config, '---', 'flowchart TB'];
  for (const [title, kinds] of TIERS) {
    const members = nodes.filter((n) => kinds.includes(n.kind)).sort(compareIds);
    if (members.length === 0) continue;
    lines.push(`  subgraph ${title.toLowerCase()}["${title}"]`);
    for (const n of members) lines.push(`    ${shape(n, ports.get(n.id))}`);
    lines.push('  end');
  }
  const sorted = [...edges]
    .filter((e) => byId.has(e.from) && byId.has(e.to))
    .sort((a, b) => `${a.from}>${a.to}>${a.kind}>${a.label}`.localeCompare(`${b.from}>${b.to}>${b.kind}>${b.label}`));
  for (const e of sorted) lines.push(`  ${mermaidId(e.from)} ${arrow(e, ports.has(e.to))} ${mermaidId(e.to)}`);
  lines.push(...tierAnchors(nodes, edges));
  return lines.join('\n');
}

/**
 * Invisible links that keep each tier below the one above it: a node nothing points to
 * (a migration, a setup Job) would otherwise be laid out in the top row, beside the
 * endpoints, above the workloads it runs before. It hangs from the first node of the
 * nearest tier above instead.
 */
function tierAnchors(nodes: readonly ArchitectureNode[], edges: readonly ArchitectureEdge[]): string[] {
  const targets = new Set(edges.map((e) => e.to));
  const anchors: string[] = [];
  let above: ArchitectureNode | undefined;
  for (const [, kinds] of TIERS) {
    const members = nodes.filter((n) => kinds.includes(n.kind)).sort(compareIds);
    if (above) for (const n of members.filter((m) => !targets.has(m.id))) anchors.push(`  ${mermaidId(above.id)} ~~~ ${mermaidId(n.id)}`);
    above = members[0] ?? above;
  }
  return anchors;
}

/** The Mermaid id of a model node (also the stem of its SVG element ids). */
export function mermaidId(id: string): string {
  return `n_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** The label an edge carries in the drawing, or undefined when the drawing leaves it off. */
export function drawnEdgeLabel(edge: ArchitectureEdge, portOnTarget: boolean): string | undefined {
  switch (edge.kind) {
    case 'route':
    case 'setup':
      return edge.label || undefined;
    case 'connect':
      return portOnTarget ? undefined : edge.label || undefined;
    default:
      // Migration, backup and restore edges are told apart by their style; the job nodes say the rest.
      return undefined;
  }
}

/**
 * Stores whose clients all connect the same way carry that port on the node, once,
 * instead of one label per client edge.
 */
export function hoistedPorts(edges: readonly ArchitectureEdge[]): Map<string, string> {
  const labels = new Map<string, Set<string>>();
  for (const e of edges.filter((x) => x.kind === 'connect')) labels.set(e.to, (labels.get(e.to) ?? new Set()).add(e.label));
  return new Map([...labels].filter(([, set]) => set.size === 1).map(([id, set]) => [id, [...set][0]]));
}

function arrow(e: ArchitectureEdge, portOnTarget: boolean): string {
  const label = drawnEdgeLabel(e, portOnTarget);
  const withLabel = (link: string) => (label === undefined ? link : `${link}|"${text(label)}"|`);
  switch (e.kind) {
    case 'setup':
    case 'migrate':
    case 'restore':
      return withLabel('-.->');
    case 'backup':
      return withLabel('==>');
    default:
      return withLabel('-->');
  }
}

function shape(n: ArchitectureNode, port: string | undefined): string {
  const d = n.details ?? {};
  const lines = [d.replicas ? `${n.label} ${d.replicas}` : n.label];
  if (d.image) lines.push(shortImage(d.image));
  if (d.note) lines.push(d.note);
  if (port) lines.push(port);
  const label = lines.map(text).join('<br/>');
  const id = mermaidId(n.id);
  switch (n.kind) {
    case 'endpoint':
      return `${id}(["${label}"])`;
    case 'store':
      return `${id}[("${label}")]`;
    case 'job':
      return `${id}[/"${label}"/]`;
    case 'backup':
      return `${id}[["${label}"]]`;
    case 'destination':
      return `${id}@{ shape: folder, label: "${label}" }`;
    default:
      return `${id}["${label}"]`;
  }
}

/**
 * An image as the diagram shows it: without its registry host (`quay.io/minio/mc:...` is
 * `minio/mc:...`), without a digest when a tag is there, and with MinIO's long
 * `RELEASE.<date>T<time>Z` tags cut to the date, so labels do not wrap mid-tag.
 */
export function shortImage(image: string): string {
  const [nameAndTag, digest] = image.split('@', 2);
  const parts = nameAndTag.split('/');
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost')) parts.shift();
  if (parts.length > 1 && parts[0] === 'library') parts.shift();
  const last = parts.pop() as string;
  const [name, tag] = last.split(':', 2);
  const version = tag ? tag.replace(/^(RELEASE\.\d{4}-\d{2}-\d{2})T[\d-]+Z$/, '$1') : digest ? `@${digest.slice(0, 'sha256:'.length + 12)}` : '';
  return `${[...parts, name].join('/')}${tag ? `:${version}` : version}`;
}

function text(s: string): string {
  return s.replace(/"/g, "'");
}

function compareIds(a: ArchitectureNode, b: ArchitectureNode): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
