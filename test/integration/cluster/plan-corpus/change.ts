import { App, ApiObject, JsonPatch } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ChangeRiskId, SystemChart } from '../../../../lib';
import { DistTree } from '../../../../lib/plan/baseline';
import { currentFolders } from '../../../../lib/plan/cli';
import { CurrentFolder } from '../../../../lib/plan/model';
import { computePlan, Plan } from '../../../../lib/plan/plan';
import { testEnv, UNUSED_OUTDIR } from '../../../support/synth';

/**
 * One change of the plan corpus: the same system built twice with the library's constructs,
 * before and after. The unit tests (test/plan/corpus.test.ts) check what the plan reports;
 * the cluster suite (plan.test.ts) applies `before` to a real API server and dry-runs `after`.
 */
export interface PlanChange {
  /** Unique; also the system's name (its namespace is `<id>-<environment>`). */
  readonly id: string;
  readonly title: string;
  /** @default 'dev' */
  readonly environment?: 'dev' | 'staging' | 'prod';
  /** The risk ids the plan must report, exactly (per Kubernetes minor where releases differ). */
  readonly risks: readonly ChangeRiskId[] | ((minor: number) => readonly ChangeRiskId[]);
  /** What the API server does with the change (documentation; the cluster suite checks it). */
  readonly server: 'accepts' | 'refuses' | ((minor: number) => 'accepts' | 'refuses');
  /** Claims in these classes are bound to volumes before the change (the cluster suite makes the classes and volumes). */
  readonly boundClaims?: boolean;
  build(chart: SystemChart, side: 'before' | 'after'): void;
}

export const RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } } as const;
export const NO_BACKUP = { reason: 'plan corpus: a throwaway store' } as const;

/** The one rendered ApiObject of `kind` under `scope` (the escape hatch a chart author uses for fields the constructs do not set). */
export function apiObject(scope: IConstruct, kind: string, name?: string): ApiObject {
  const found = scope.node
    .findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject && c.kind === kind && (name === undefined || c.name === name));
  if (found.length !== 1) throw new Error(`${scope.node.path}: expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0];
}

export function patch(scope: IConstruct, kind: string, ...ops: JsonPatch[]): void {
  apiObject(scope, kind).addJsonPatch(...ops);
}

/**
 * The repository's environment, with the classes the corpus moves and resizes claims in
 * ('standard', 'fast', 'expandable', 'fixed') declared as the cluster's own, as the cluster
 * suite makes them.
 */
function corpusEnv(name: 'dev' | 'staging' | 'prod'): ReturnType<typeof testEnv> {
  const storage = testEnv(name).platform.props.storage;
  if (storage?.classes === undefined) return testEnv(name);
  const own = { preinstalled: true as const };
  const classes = { ...storage.classes, standard: own, fast: own, expandable: own, fixed: own };
  return testEnv(name, { platform: { storage: { ...storage, classes } } });
}

/** The app of one side of a change. */
export function buildSide(change: PlanChange, side: 'before' | 'after'): App {
  const app = new App({ outdir: UNUSED_OUTDIR });
  const chart = new SystemChart(app, { system: change.id, environment: corpusEnv(change.environment ?? 'dev') });
  change.build(chart, side);
  return app;
}

/** Rendered folders of one side, through the whole pipeline (validation and policy rules). */
export function renderSide(change: PlanChange, side: 'before' | 'after'): { app: App; folders: CurrentFolder[] } {
  const app = buildSide(change, side);
  return { app, folders: currentFolders(app) };
}

export function asTree(folders: readonly CurrentFolder[]): DistTree {
  return new Map(folders.map((f) => [f.folder, new Map(f.objects.map((o) => [o.file, o.text]))]));
}

/** The plan of a change, as `npm run plan` would compute it with `before` committed. */
export function planOf(change: PlanChange, minor: number): Plan {
  const before = renderSide(change, 'before');
  const after = renderSide(change, 'after');
  return computePlan(after.folders, asTree(before.folders), { kubernetesMinor: minor });
}

export function expectedRisks(change: PlanChange, minor: number): readonly ChangeRiskId[] {
  return typeof change.risks === 'function' ? change.risks(minor) : change.risks;
}

export function expectedServer(change: PlanChange, minor: number): 'accepts' | 'refuses' {
  return typeof change.server === 'function' ? change.server(minor) : change.server;
}
