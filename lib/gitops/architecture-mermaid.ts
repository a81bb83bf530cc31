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
  const rows = tierRows(nodes, edges, ports);
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
  // A store in an upper row of the Data tier reaches down to the Backups tier over the rows
  // below it: its backup edges span that many more ranks, so what they point to is laid
  // out below the lowest row, in the Backups tier, not beside the stores of the last row.
  const rowsBelow = new Map<string, number>();
  const data = rows.get('Data') ?? [];
  data.forEach((row, i) => row.forEach((n) => rowsBelow.set(n.id, data.length - 1 - i)));
  const backupKinds = TIERS.find(([title]) => title === 'Backups')![1];
  const sorted = [...edges]
    .filter((e) => byId.has(e.from) && byId.has(e.to))
    .sort((a, b) => `${a.from}>${a.to}>${a.kind}>${a.label}`.localeCompare(`${b.from}>${b.to}>${b.kind}>${b.label}`));
  for (const e of sorted) {
    const extra = backupKinds.includes(byId.get(e.to)!.kind) ? (rowsBelow.get(e.from) ?? 0) : 0;
    lines.push(`  ${mermaidId(e.from)} ${arrow(e, ports.has(e.to), extra)} ${mermaidId(e.to)}`);
  }
  lines.push(...tierAnchors(edges, rows));
  return lines.join('\n');
}

/**
 * A store label line longer than this many characters makes the store wide: past Mermaid's
 * default wrapping width (200 px, about 24 characters of the default font).
 */
const WIDE_LINE = 24;

/**
 * The rows of each tier, top to bottom. Every tier is one row, except that the Data tier
 * stacks its wide stores when they share clients: two wide stores side by side, reached by
 * at least two common clients, leave those clients' edges only shallow diagonals across the
 * row, through the label of the store next door (an edge from a workload on the left to a
 * store on the right enters it from the side, across its neighbour). So a wide store that
 * shares two or more clients with a wide store of a row goes one row further down (the
 * first row it shares fewer with); narrow stores stay in the first row. Each row hangs
 * below the one above it by an invisible link (`tierAnchors`).
 */
export function tierRows(
  nodes: readonly ArchitectureNode[],
  edges: readonly ArchitectureEdge[],
  ports: ReadonlyMap<string, string> = hoistedPorts(edges),
): Map<string, ArchitectureNode[][]> {
  const rows = new Map<string, ArchitectureNode[][]>();
  for (const [title, kinds] of TIERS) {
    const members = nodes.filter((n) => kinds.includes(n.kind)).sort(compareIds);
    if (members.length === 0) continue;
    if (title !== 'Data') {
      rows.set(title, [members]);
      continue;
    }
    const clients = (n: ArchitectureNode) => new Set(edges.filter((e) => e.kind === 'connect' && e.to === n.id).map((e) => e.from));
    const wide = (n: ArchitectureNode) => labelLines(n, ports.get(n.id)).some((l) => l.length > WIDE_LINE);
    const shared = (a: ArchitectureNode, b: ArchitectureNode) => [...clients(a)].filter((c) => clients(b).has(c)).length;
    const stacked: ArchitectureNode[][] = [[]];
    for (const n of members) {
      let i = 0;
      if (wide(n)) while (i < stacked.length && stacked[i].some((m) => wide(m) && shared(m, n) >= 2)) i++;
      (stacked[i] ??= []).push(n);
    }
    rows.set(title, stacked);
  }
  return rows;
}

/**
 * Invisible links that keep each tier below the one above it: a node nothing points to
 * (a migration, a setup Job) would otherwise be laid out in the top row, beside the
 * endpoints, above the workloads it runs before. It hangs from the first node of the
 * lowest row of the nearest tier above instead. A tier of several rows hangs each row
 * from the first node of the row above it.
 */
function tierAnchors(edges: readonly ArchitectureEdge[], rows: Map<string, ArchitectureNode[][]>): string[] {
  const targets = new Set(edges.map((e) => e.to));
  const anchors: string[] = [];
  let above: ArchitectureNode | undefined;
  for (const [title] of TIERS) {
    const tier = rows.get(title) ?? [];
    const members = tier.flat().sort(compareIds);
    if (above) for (const n of members.filter((m) => !targets.has(m.id))) anchors.push(`  ${mermaidId(above.id)} ~~~ ${mermaidId(n.id)}`);
    for (let i = 1; i < tier.length; i++) for (const n of tier[i]) anchors.push(`  ${mermaidId(tier[i - 1][0].id)} ~~~ ${mermaidId(n.id)}`);
    above = tier[tier.length - 1]?.[0] ?? above;
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

/** The link of an edge; `extra` ranks make it longer (Mermaid: one more dash, dot or equals sign per rank). */
function arrow(e: ArchitectureEdge, portOnTarget: boolean, extra = 0): string {
  const label = drawnEdgeLabel(e, portOnTarget);
  const withLabel = (link: string) => (label === undefined ? link : `${link}|"${text(label)}"|`);
  switch (e.kind) {
    case 'setup':
    case 'migrate':
    case 'restore':
      return withLabel(`-${'.'.repeat(1 + extra)}->`);
    case 'backup':
      return withLabel(`${'='.repeat(2 + extra)}>`);
    default:
      return withLabel(`${'-'.repeat(2 + extra)}>`);
  }
}

/** The lines of a node's label, as drawn. */
function labelLines(n: ArchitectureNode, port: string | undefined): string[] {
  const d = n.details ?? {};
  const lines = [d.replicas ? `${n.label} ${d.replicas}` : n.label];
  if (d.image) lines.push(shortImage(d.image));
  if (d.note) lines.push(d.note);
  if (port) lines.push(port);
  return lines;
}

function shape(n: ArchitectureNode, port: string | undefined): string {
  const label = labelLines(n, port).map(text).join('<br/>');
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
