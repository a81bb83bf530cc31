import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * The construct tree of a finished model, walked once and shared by the synth's later
 * passes (rendering, READMEs, reports). At a thousand services the tree has tens of
 * thousands of constructs, and every `node.findAll()` walks all of them and allocates a list
 * of each node's children; the passes used to walk it once or more each.
 *
 * Built after `completeModel` (the passes before it add constructs); a construct added later
 * is not in it, so it is made per synth, never kept on the app.
 */
export class ModelIndex {
  /** Walks the tree once: every construct in `node.findAll()` order, filed under its chart (`Chart.of`). */
  public static build(app: App): ModelIndex {
    const byChart = new Map<Chart, IConstruct[]>();
    const all: IConstruct[] = [];
    // Depth first, children in order: the order of `node.findAll()` (pre-order).
    const visit = (construct: IConstruct, chart: Chart | undefined): void => {
      all.push(construct);
      const own = construct instanceof Chart ? construct : chart;
      if (own) {
        let list = byChart.get(own);
        if (!list) byChart.set(own, (list = []));
        list.push(construct);
      }
      for (const child of construct.node.children) visit(child, own);
    };
    visit(app, undefined);
    return new ModelIndex(all, byChart);
  }

  private readonly types = new Map<Chart, Map<unknown, IConstruct[]>>();

  private constructor(
    /** Every construct of the app, the app first, in `node.findAll()` order. */
    public readonly all: readonly IConstruct[],
    private readonly byChart: ReadonlyMap<Chart, readonly IConstruct[]>,
  ) {}

  /** The constructs whose chart (`Chart.of`) is `chart`, the chart first, in `node.findAll()` order. */
  public constructsOf(chart: Chart): readonly IConstruct[] {
    return this.byChart.get(chart) ?? [];
  }

  /** The constructs of `chart` (see constructsOf) that are instances of `type`, in the same order. */
  public ofType<T>(chart: Chart, type: { readonly prototype: T }): readonly T[] {
    let perChart = this.types.get(chart);
    if (!perChart) this.types.set(chart, (perChart = new Map()));
    let list = perChart.get(type);
    if (!list) perChart.set(type, (list = this.constructsOf(chart).filter((c) => c instanceof (type as unknown as new () => T))));
    return list as readonly unknown[] as readonly T[];
  }

  /** The ApiObjects of `chart` (not of nested charts), in construct-tree order: `apiObjectsOf(chart)`. */
  public apiObjectsOf(chart: Chart): readonly ApiObject[] {
    return this.ofType(chart, ApiObject);
  }
}
