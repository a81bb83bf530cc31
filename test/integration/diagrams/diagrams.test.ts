/**
 * Every architecture diagram of dist/ rendered to SVG with mermaid-cli and Debian's Chromium
 * (scripts/diagrams/test-diagrams.sh installs it): no parse error, every node and edge of
 * the construct graph drawn, and the layout rules the diagrams promise.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildRepositoryApp } from '../../../charts/app';
import { synthesize, SystemChart } from '../../../lib';
import { Architecture, ArchitectureEdge, ArchitectureNode } from '../../../lib/gitops/architecture';
import { drawnEdgeLabel, hoistedPorts, mermaidId } from '../../../lib/gitops/architecture-mermaid';
import { UNUSED_OUTDIR } from '../../support/synth';
import { center, clusterBoxes, contains, edgeRoutes, nodeLabelBoxes, segmentEntersBox } from './svg';

const repo = path.resolve(__dirname, '../../..');
const renderScript = path.join(repo, 'scripts/diagrams/render.mjs');

interface Diagram {
  readonly name: string;
  readonly nodes: ArchitectureNode[];
  readonly edges: ArchitectureEdge[];
  readonly mermaid: string;
}

function render(args: string[]): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [renderScript, ...args], { cwd: repo, encoding: 'utf8', timeout: 540000 });
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

/** The text a reader sees: tags dropped, entities decoded. */
function visibleText(svg: string): string {
  return svg
    .replace(/<br\s*\/?>/g, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&gt;/g, '>')
    .replace(/&lt;/g, '<')
    .replace(/&amp;/g, '&')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&quot;/g, '"');
}

function edgeLabelsOf(svg: string): string[] {
  const labels = [...svg.matchAll(/<span class="edgeLabel"[^>]*>([\s\S]*?)<\/span>/g)].map((m) => visibleText(m[1]).replace(/\s+/g, ' ').trim());
  return labels.filter((l) => l !== '');
}

const diagrams: Diagram[] = [];
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-stacks-diagrams-'));
let rendered: { status: number | null; output: string };

beforeAll(() => {
  const app = buildRepositoryApp({ outdir: UNUSED_OUTDIR });
  synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true });
  for (const chart of app.node.children.filter(SystemChart.isSystemChart)) {
    const graph = Architecture.of(chart);
    diagrams.push({ name: `${chart.environment.name}-${chart.system}`, nodes: graph.allNodes, edges: graph.allEdges, mermaid: graph.toMermaid() });
  }
  rendered = render(['--out', out]);
});

afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

test('every system in every environment has a diagram, and dist/ carries exactly the one the constructs draw', () => {
  expect(diagrams.map((d) => d.name).sort()).toHaveLength(15);
  for (const d of diagrams) {
    const [env, ...system] = d.name.split('-');
    const readme = fs.readFileSync(path.join(repo, 'dist', env, system.join('-'), 'README.md'), 'utf8');
    expect(readme).toContain(`\`\`\`mermaid\n${d.mermaid}\n\`\`\``);
  }
});

test('every diagram renders to SVG without a parse error', () => {
  expect(rendered.output).toContain('15 of 15 rendered');
  expect(rendered.status).toBe(0);
  for (const d of diagrams) expect(fs.readFileSync(path.join(out, `${d.name}.svg`), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>$/);
});

const TIER_OF: Record<string, string> = {
  endpoint: 'edge',
  service: 'applications',
  worker: 'applications',
  job: 'applications',
  store: 'data',
  backup: 'backups',
  destination: 'backups',
};
const TIERS = ['edge', 'applications', 'data', 'backups'];

describe.each(['dev', 'staging', 'prod'])('%s', (env) => {
  const each = (check: (d: Diagram, svg: string) => void) => () => {
    const mine = diagrams.filter((d) => d.name.startsWith(`${env}-`));
    expect(mine).toHaveLength(5);
    for (const d of mine) check(d, fs.readFileSync(path.join(out, `${d.name}.svg`), 'utf8'));
  };

  test(
    'every node of the model is drawn, with its name',
    each((d, svg) => {
      const text = visibleText(svg);
      for (const n of d.nodes) {
        const drawn = new RegExp(`id="[^"]*flowchart-${mermaidId(n.id)}-\\d+"`).test(svg);
        expect({ diagram: d.name, node: n.id, drawn }).toEqual({ diagram: d.name, node: n.id, drawn: true });
        for (const line of n.label.split('<br/>')) expect(text).toContain(line);
      }
    }),
  );

  test(
    'every edge of the model is drawn between its two nodes, with the label the renderer gives it',
    each((d, svg) => {
      const labels = edgeLabelsOf(svg);
      const ports = hoistedPorts(d.edges);
      for (const e of d.edges) {
        const id = `L_${mermaidId(e.from)}_${mermaidId(e.to)}_`;
        const edge = `${e.from} -> ${e.to}`;
        expect({ diagram: d.name, edge, drawn: svg.includes(`id="${id}`) }).toEqual({ diagram: d.name, edge, drawn: true });
        const label = drawnEdgeLabel(e, ports.has(e.to));
        if (label !== undefined) expect(labels).toContain(label);
      }
      // Ports hoisted onto a node are drawn there once, not on each client edge.
      for (const port of new Set(ports.values())) expect(labels).not.toContain(port);
    }),
  );

  test(
    'no edge label appears twice in one diagram, and no regex back-reference or registry host is shown',
    each((d, svg) => {
      const labels = edgeLabelsOf(svg);
      expect({ diagram: d.name, duplicated: labels.filter((l, i) => labels.indexOf(l) !== i) }).toEqual({ diagram: d.name, duplicated: [] });
      const text = visibleText(svg);
      expect(text).not.toMatch(/\$\d/);
      expect(text).not.toMatch(/\b[a-z0-9-]+\.(io|com|org)\/[a-z0-9-]+\/[a-z0-9-]+:/);
    }),
  );

  test(
    'the tiers run top to bottom (edge, applications, data, backups) and every node sits in its own tier',
    each((d, svg) => {
      const clusters = clusterBoxes(svg);
      const present = TIERS.filter((t) => clusters.has(t));
      const tops = present.map((t) => clusters.get(t)!.y0);
      const byTop = [...present].sort((a, b) => clusters.get(a)!.y0 - clusters.get(b)!.y0);
      expect({ diagram: d.name, order: present }).toEqual({ diagram: d.name, order: byTop });
      for (let i = 1; i < present.length; i++) expect(tops[i]).toBeGreaterThanOrEqual(clusters.get(present[i - 1])!.y1);
      const boxes = nodeLabelBoxes(svg);
      expect(boxes.size).toBe(d.nodes.length);
      for (const n of d.nodes) {
        const inTier = contains(clusters.get(TIER_OF[n.kind])!, center(boxes.get(mermaidId(n.id))!));
        expect({ diagram: d.name, node: n.id, inTier }).toEqual({ diagram: d.name, node: n.id, inTier: true });
      }
    }),
  );

  test(
    'no edge runs through the label of a node it does not connect',
    each((d, svg) => {
      const boxes = nodeLabelBoxes(svg);
      const through: string[] = [];
      const routes = edgeRoutes(svg);
      for (const e of d.edges) {
        const points = routes.get(`L_${mermaidId(e.from)}_${mermaidId(e.to)}_0`) ?? [];
        expect(points.length).toBeGreaterThan(1);
        for (const n of d.nodes.filter((x) => x.id !== e.from && x.id !== e.to)) {
          const box = boxes.get(mermaidId(n.id))!;
          if (points.some((p, i) => i > 0 && segmentEntersBox(points[i - 1], p, box))) through.push(`${e.from} -> ${e.to} through ${n.id}`);
        }
      }
      expect({ diagram: d.name, through }).toEqual({ diagram: d.name, through: [] });
    }),
  );

  test(
    'every backup Job copies to a destination node that leads back to the store through a restore Job; every setup Job and migration is connected',
    each((d) => {
      const kindOf = new Map(d.nodes.map((n) => [n.id, n.kind]));
      for (const backupEdge of d.edges.filter((e) => e.kind === 'backup' && kindOf.get(e.from) === 'store')) {
        const store = backupEdge.from;
        const job = backupEdge.to;
        // An operator engine (CloudNativePG's WAL archive) writes to its destination itself, with no Job between.
        const destinations =
          kindOf.get(job) === 'destination'
            ? [job]
            : d.edges.filter((e) => e.kind === 'backup' && e.from === job && kindOf.get(e.to) === 'destination').map((e) => e.to);
        expect({ diagram: d.name, job, destinations: destinations.length }).toEqual({ diagram: d.name, job, destinations: 1 });
        const restorers = d.edges.filter((e) => e.kind === 'restore' && e.from === destinations[0]).map((e) => e.to);
        expect(restorers.some((r) => d.edges.some((e) => e.kind === 'restore' && e.from === r && e.to === store))).toBe(true);
      }
      for (const n of d.nodes) {
        const edges = d.edges.some((e) => e.from === n.id || e.to === n.id);
        expect({ diagram: d.name, node: n.id, edges }).toEqual({ diagram: d.name, node: n.id, edges: true });
      }
    }),
  );
});

test('a broken diagram fails the render, names the diagram and writes no SVG', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-stacks-broken-diagram-'));
  try {
    const good = path.join(dir, 'good.mmd');
    const broken = path.join(dir, 'broken.mmd');
    fs.writeFileSync(good, 'flowchart TB\n  a["api"] --> b[("db")]\n');
    fs.writeFileSync(broken, 'flowchart TB\n  a["api"] -->|"unclosed label| b[("db"\n');
    const run = render(['--out', dir, good, broken]);
    expect(run.status).toBe(1);
    expect(run.output).toContain('1 of 2 rendered');
    expect(run.output).toMatch(/- broken: .*(Parse error|Lexical error|Expecting)/);
    expect(fs.existsSync(path.join(dir, 'good.svg'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'broken.svg'))).toBe(false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
