import { ApiObject, Chart } from 'cdk8s';
import { toYamlDocument } from '../core/yaml';
import { ValidationIssue } from '../core/validation';
import { checkDnsLabel, checkDnsSubdomain } from '../core/naming';
import { applyOrderOfObject, knownKinds } from './apply-order';
import { decorate, LabelContext } from './decorate';
import { Placement, placementOf } from '../core/placement';
import type { Json } from '../core/json';

/** One synthesized object, resolved to plain JSON, with where it goes. */
export interface RenderedObject {
  readonly object: Json;
  readonly construct: ApiObject;
  /** File name relative to the unit folder, e.g. `60-deployment-api.yaml` or `restore/job-restore-db.yaml`. */
  readonly file: string;
  readonly placement: Placement;
  readonly applyOrder: number;
}

/** A folder of dist: one system in one environment, or one environment's Argo CD apps. */
export interface RenderedUnit {
  readonly objects: RenderedObject[];
  readonly issues: ValidationIssue[];
}

/** Every ApiObject of the chart (not of nested charts), in construct-tree order. */
export function apiObjectsOf(chart: Chart): ApiObject[] {
  return chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === chart);
}

/**
 * Resolves the chart's objects, decorates them and assigns file names. Objects are
 * sorted by apply order, then kind, then name, so the result does not depend on the
 * order constructs were declared in.
 */
export function renderChart(chart: Chart, context: LabelContext): RenderedUnit {
  const issues: ValidationIssue[] = [];
  const objects: RenderedObject[] = [];
  for (const construct of apiObjectsOf(chart)) {
    const object = renderObject(construct, issues);
    if (object === undefined) continue;
    const order = applyOrderOfObject(construct, object.kind);
    if (order === undefined) {
      issues.push({
        path: construct.node.path,
        message: `kind: ${object.kind} has no place in the apply order (lib/gitops/apply-order.ts); known kinds: ${knownKinds().join(', ')}`,
      });
      continue;
    }
    const nameProblem = checkObjectName(object.kind, object.metadata?.name);
    if (nameProblem) {
      // Every generated name, whoever chose it: it becomes the object's name and a dist file name.
      issues.push({ path: construct.node.path, message: `metadata.name: ${object.kind} name '${object.metadata?.name}' ${nameProblem}` });
      continue;
    }
    decorate(object, construct, context, order);
    const placement = placementOf(construct);
    const base = `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
    const file = placement === 'applied' ? `${String(order).padStart(2, '0')}-${base}` : `${placement}/${base}`;
    objects.push({ object, construct, file, placement, applyOrder: order });
  }
  objects.sort((a, b) => a.applyOrder - b.applyOrder || compare(a.file, b.file));

  const seen = new Map<string, RenderedObject>();
  for (const rendered of objects) {
    const other = seen.get(rendered.file);
    if (other) {
      issues.push({
        path: rendered.construct.node.path,
        message: `metadata.name: ${rendered.object.kind} '${rendered.object.metadata.name}' is also produced by ${other.construct.node.path}; names must be unique per kind`,
      });
    }
    seen.set(rendered.file, rendered);
  }
  return { objects, issues };
}

/**
 * The object resolved by cdk8s (its App's resolvers, then sanitizing). A value cdk8s cannot
 * render (a class instance, or a resolver that throws) becomes an issue on the object, so
 * it is reported with the others instead of stopping the synth at the first one.
 */
function renderObject(construct: ApiObject, issues: ValidationIssue[]): RenderedObject['object'] | undefined {
  try {
    return construct.toJson();
  } catch (e) {
    // cdk8s prefixes the cause with the path and name, which the issue already shows.
    const cause = String(e instanceof Error ? e.message : e).replace(
      /^Failed serializing construct at path '[^']*' with name '[^']*': (Error: )?/,
      '',
    );
    issues.push({
      path: construct.node.path,
      message: `cannot be rendered (${cause}); values must be plain objects, arrays, strings, numbers, booleans, Lazy values or resolvable tokens`,
    });
    return undefined;
  }
}

/** The files of a unit: one YAML document per object, plus the kustomization. */
export function unitFiles(unit: RenderedUnit): Map<string, string> {
  const files = new Map<string, string>();
  for (const rendered of unit.objects) files.set(rendered.file, toYamlDocument(rendered.object));
  files.set('kustomization.yaml', kustomization(unit.objects.filter((o) => o.placement === 'applied').map((o) => o.file)));
  return files;
}

/** Lists exactly the applied files, in apply order, so `kubectl apply -k` and Argo CD see the same set. */
export function kustomization(files: string[]): string {
  return toYamlDocument({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: files,
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Kinds whose names must be DNS-1123 labels (they become DNS names), and CronJobs (their Jobs append 11 characters). */
const LABEL_NAMED: Readonly<Record<string, number>> = { Service: 63, Namespace: 63, CronJob: 52 };

/** Why `name` is not valid for an object of `kind`, or undefined. */
export function checkObjectName(kind: string, name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  const max = LABEL_NAMED[kind];
  return max === undefined ? checkDnsSubdomain(name) : checkDnsLabel(name, max);
}
