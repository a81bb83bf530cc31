/** Geometry read back from a mermaid-cli flowchart SVG (one root group: one coordinate space). */

export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** The text box of each node, by Mermaid id: where its label is drawn, inside its shape. */
export function nodeLabelBoxes(svg: string): Map<string, Box> {
  const boxes = new Map<string, Box>();
  const head = /<g class="node[^"]*" id="[^"]*flowchart-(n_[A-Za-z0-9_]+?)-\d+"[^>]*transform="translate\(([-\d.]+), ([-\d.]+)\)">/.source;
  const node = new RegExp(`${head}([\\s\\S]*?)<\\/foreignObject>`, 'g');
  for (const m of svg.matchAll(node)) {
    const size = /<foreignObject width="([\d.]+)" height="([\d.]+)"/.exec(m[4]);
    if (!size) continue;
    const [cx, cy, w, h] = [Number(m[2]), Number(m[3]), Number(size[1]), Number(size[2])];
    boxes.set(m[1], { x0: cx - w / 2, x1: cx + w / 2, y0: cy - h / 2, y1: cy + h / 2 });
  }
  return boxes;
}

/** The rectangle of each subgraph, by its id (`edge`, `applications`, ...). */
export function clusterBoxes(svg: string): Map<string, Box> {
  const boxes = new Map<string, Box>();
  const cluster = /<g class="cluster[^"]*" id="my-svg-([a-z]+)"[^>]*><rect [^>]*x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)"/g;
  for (const m of svg.matchAll(cluster)) {
    const [x, y, w, h] = [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])];
    boxes.set(m[1], { x0: x, y0: y, x1: x + w, y1: y + h });
  }
  return boxes;
}

/** The route of each edge (the layout's points), by its SVG id `L_<from>_<to>_<n>`. */
export function edgeRoutes(svg: string): Map<string, Point[]> {
  const routes = new Map<string, Point[]>();
  for (const m of svg.matchAll(/<path [^>]*data-id="(L_[A-Za-z0-9_]+)"[^>]*data-points="([^"]+)"/g)) {
    routes.set(m[1], JSON.parse(Buffer.from(m[2], 'base64').toString('utf8')) as Point[]);
  }
  return routes;
}

/** Whether the segment a-b enters the box (Liang-Barsky clipping). */
export function segmentEntersBox(a: Point, b: Point, box: Box): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const sides: Array<[number, number]> = [
    [-dx, a.x - box.x0],
    [dx, box.x1 - a.x],
    [-dy, a.y - box.y0],
    [dy, box.y1 - a.y],
  ];
  for (const [p, q] of sides) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) {
      if (t > t1) return false;
      t0 = Math.max(t0, t);
    } else {
      if (t < t0) return false;
      t1 = Math.min(t1, t);
    }
  }
  return true;
}

export function center(box: Box): Point {
  return { x: (box.x0 + box.x1) / 2, y: (box.y0 + box.y1) / 2 };
}

export function contains(box: Box, p: Point): boolean {
  return p.x >= box.x0 && p.x <= box.x1 && p.y >= box.y0 && p.y <= box.y1;
}
