import { ApiObject, Chart } from 'cdk8s';
import { toYamlDocument } from '../core/yaml';
import { ValidationIssue } from '../core/validation';
import { applyOrderOf, knownKinds } from './apply-order';
import { decorate, LabelContext } from './decorate';
import { Placement, placementOf } from '../core/placement';

/** One synthesized object, resolved to plain JSON, with where it goes. */
export interface RenderedObject {
  readonly object: Record<string, any>;
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
    const object = construct.toJson();
    const order = applyOrderOf(object.kind);
    if (order === undefined) {
      issues.push({
        path: construct.node.path,
        message: `kind: ${object.kind} has no place in the apply order (lib/gitops/apply-order.ts); known kinds: ${knownKinds().join(', ')}`,
      });
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
