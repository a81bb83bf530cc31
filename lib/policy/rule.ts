import { Environment } from '../core/environment';
import type { Json } from '../core/json';
import { RenderedObject } from '../gitops/render';
import { MOCO, mocoPodLabels } from '../data/moco-cluster';
import { PSMDB, psmdbPodLabels } from '../data/psmdb-cluster';

/** One finding of a rule on one object. */
export interface Violation {
  readonly object: RenderedObject;
  readonly message: string;
}

/** What a rule sees: every object of one dist folder (one namespace), and its environment. */
export interface PolicyContext {
  readonly objects: readonly RenderedObject[];
  readonly namespace: string;
  readonly environment?: Environment;
}

/** A named invariant over the synthesized objects. */
export interface PolicyRule {
  /** Stable id, used in waivers: `cdk8s-stacks.io/waive.<id>`. */
  readonly id: string;
  /** What the rule guarantees. */
  readonly description: string;
  /** How to fix a violation. */
  readonly fix: string;
  /**
   * Prop fields whose construct errors already say what this rule finds (e.g. `image`);
   * a violation on an object of such a construct is then not reported a second time.
   * @default - none
   */
  readonly coveredByFields?: readonly string[];
  check(context: PolicyContext): Violation[];
}

// Declared on objects by the constructs (a lower layer); re-exported for the rules and the public API.
export { WAIVER_PREFIX, waive } from '../core/policy-waiver';

/** Helpers to read objects. */
export type { Json };

export interface PodView {
  readonly spec: Json;
  readonly labels: Record<string, string>;
}

/** The pod template of a workload object, if it has one. */
export function podOf(object: Json): PodView | undefined {
  const template =
    object.kind === 'CronJob'
      ? object.spec?.jobTemplate?.spec?.template
      : ['Deployment', 'Rollout', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(object.kind)
        ? object.spec?.template
        : object.kind === 'Pod'
          ? object
          : undefined;
  if (!template?.spec) return undefined;
  return { spec: template.spec, labels: template.metadata?.labels ?? {} };
}

/**
 * The pods an operator creates from a custom resource (MOCO's MySQLCluster, the Percona
 * operator's PerconaServerMongoDB), as far as Services need them: their labels and the
 * named ports of their containers. Undefined for any other kind.
 */
export function operatorPodOf(object: Json): PodView | undefined {
  const name = object.metadata?.name;
  if (object.kind === 'MySQLCluster') {
    const p = MOCO.ports;
    const containers: Json[] = [
      { name: 'mysqld', ports: [port('mysql', p.mysql), port('mysqlx', p.mysqlx), port('mysql-admin', p.admin)] },
      { name: 'agent', ports: [port('agent', p.agent), port('agent-metrics', p.agentMetrics)] },
    ];
    if ((object.spec?.collectors ?? []).length > 0) containers.push({ name: 'mysqld-exporter', ports: [port('mysqld-metrics', p.exporter)] });
    return { labels: { ...(object.spec?.podTemplate?.metadata?.labels ?? {}), ...mocoPodLabels(name) }, spec: { containers } };
  }
  if (object.kind === 'PerconaServerMongoDB') {
    const replset = object.spec?.replsets?.[0];
    const sidecars: Json[] = (replset?.sidecars ?? []).map((c: Json) => ({ name: c.name, ports: c.ports ?? [] }));
    const labels = { ...(replset?.labels ?? {}), ...psmdbPodLabels(name, replset?.name ?? 'rs0') };
    return { labels, spec: { containers: [{ name: 'mongod', ports: [port('mongodb', PSMDB.port)] }, ...sidecars] } };
  }
  return undefined;
}

function port(name: string, containerPort: number): Json {
  return { name, containerPort, protocol: 'TCP' };
}

export function containersOf(pod: Json): Json[] {
  return [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
}

export function describe(object: Json): string {
  return `${object.kind} ${object.metadata?.name}`;
}

/** Whether a label selector (`matchLabels` only, or `{}` for all) selects these labels. */
export function selects(selector: Json | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const matchLabels: Record<string, string> = selector.matchLabels ?? {};
  const expressions: Json[] = selector.matchExpressions ?? [];
  const labelsMatch = Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
  const expressionsMatch = expressions.every((e) => {
    const value = labels[e.key];
    switch (e.operator) {
      case 'In':
        return value !== undefined && e.values.includes(value);
      case 'NotIn':
        return value === undefined || !e.values.includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
  return labelsMatch && expressionsMatch;
}

/**
 * Finds the selectors that may select a set of labels without testing every selector.
 * A selector with `matchLabels` only selects labels that carry all of its pairs, so it is
 * filed under one of them: the one fewest other selectors use (for the library's
 * selectors, the workload's `app.kubernetes.io/name` rather than the `instance` every
 * workload of the namespace shares). Selectors without string `matchLabels` (empty, or
 * expressions only) are always candidates. `candidates` returns a superset of the
 * matches, in insertion order; the caller still checks each with `selects`. This keeps
 * the rules linear in the objects of a folder instead of quadratic (every pod against
 * every NetworkPolicy and PodDisruptionBudget).
 */
export class SelectorIndex<T> {
  private readonly entries: Array<{ readonly order: number; readonly pairs: string[]; readonly item: T }> = [];
  private index?: {
    readonly byPair: Map<string, Array<{ readonly order: number; readonly item: T }>>;
    readonly always: Array<{ readonly order: number; readonly item: T }>;
  };

  public add(selector: Json | undefined, item: T): void {
    const pairs = Object.entries<unknown>(selector?.matchLabels ?? {})
      .filter((pair): pair is [string, string] => typeof pair[1] === 'string')
      .map(([k, v]) => pairKey(k, v));
    this.entries.push({ order: this.entries.length, pairs, item });
    this.index = undefined;
  }

  /** The items whose selectors may select `labels`, in the order they were added. */
  public candidates(labels: Record<string, string>): T[] {
    const { byPair, always } = (this.index ??= this.build());
    const found = [...always];
    for (const key of Object.keys(labels)) {
      const value = labels[key];
      if (typeof value !== 'string') continue;
      const list = byPair.get(pairKey(key, value));
      if (list) found.push(...list);
    }
    if (found.length > 1 && found.length !== always.length) found.sort((a, b) => a.order - b.order);
    return found.map((e) => e.item);
  }

  private build() {
    const uses = new Map<string, number>();
    for (const e of this.entries) for (const pair of e.pairs) uses.set(pair, (uses.get(pair) ?? 0) + 1);
    const byPair = new Map<string, Array<{ readonly order: number; readonly item: T }>>();
    const always: Array<{ readonly order: number; readonly item: T }> = [];
    for (const e of this.entries) {
      if (e.pairs.length === 0) {
        always.push(e);
        continue;
      }
      let best = e.pairs[0];
      for (const pair of e.pairs) if (uses.get(pair)! < uses.get(best)!) best = pair;
      const list = byPair.get(best);
      if (list) list.push(e);
      else byPair.set(best, [e]);
    }
    return { byPair, always };
  }
}

function pairKey(key: string, value: string): string {
  return `${key.length}:${key}=${value}`;
}

/**
 * The reverse of SelectorIndex: items filed by every label pair they carry, so that the
 * items a selector may select are those filed under the least used of its `matchLabels`
 * pairs. `candidates` returns a superset of the matches, in insertion order; check each
 * with `selects`. (Every Service against every workload was quadratic.)
 */
export class LabelIndex<T> {
  private readonly byPair = new Map<string, T[]>();
  private readonly all: T[] = [];

  public add(labels: Record<string, string>, item: T): void {
    this.all.push(item);
    for (const key of Object.keys(labels)) {
      const value = labels[key];
      if (typeof value !== 'string') continue;
      const list = this.byPair.get(pairKey(key, value));
      if (list) list.push(item);
      else this.byPair.set(pairKey(key, value), [item]);
    }
  }

  /** The items `selector` may select, in the order they were added. */
  public candidates(selector: Json | undefined): readonly T[] {
    let best: readonly T[] = this.all;
    for (const [key, value] of Object.entries<unknown>(selector?.matchLabels ?? {})) {
      if (typeof value !== 'string') continue;
      const list = this.byPair.get(pairKey(key, value)) ?? [];
      if (list.length < best.length) best = list;
    }
    return best;
  }
}
