import { ApiObject, Chart } from 'cdk8s';
import { toYamlDocument } from '../core/yaml';
import { issue, ValidationIssue } from '../core/validation';
import { checkDnsLabel, checkDnsSubdomain } from '../core/naming';
import { applyOrderOfObject, knownKinds } from './apply-order';
import { decorate, LabelContext, podTemplates, SYNC_WAVE_ANNOTATION } from './decorate';
import { Placement, placementOf } from '../core/placement';
import { Json, sortedByKey } from '../core/json';

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
 * @param constructs the chart's ApiObjects, when the caller has them already @default apiObjectsOf(chart)
 */
export function renderChart(chart: Chart, context: LabelContext, constructs: readonly ApiObject[] = apiObjectsOf(chart)): RenderedUnit {
  const issues: ValidationIssue[] = [];
  const objects: RenderedObject[] = [];
  for (const construct of constructs) {
    const object = renderObject(construct, issues);
    if (object === undefined) continue;
    const order = applyOrderOfObject(construct, object.kind);
    if (order === undefined) {
      issues.push(
        issue(
          'render.kind-without-apply-order',
          construct.node.path,
          `kind: ${object.kind} has no place in the apply order (lib/gitops/apply-order.ts); known kinds: ${knownKinds().join(', ')}`,
        ),
      );
      continue;
    }
    const nameProblem = checkObjectName(object.kind, object.metadata?.name);
    if (nameProblem) {
      // Every generated name, whoever chose it: it becomes the object's name and a dist file name.
      issues.push(issue('render.name-invalid', construct.node.path, `metadata.name: ${object.kind} name '${object.metadata?.name}' ${nameProblem}`));
      continue;
    }
    decorate(object, construct, context, order);
    const placement = placementOf(construct);
    const base = `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
    const file = placement === 'applied' ? `${String(order).padStart(2, '0')}-${base}` : `${placement}/${base}`;
    objects.push({ object, construct, file, placement, applyOrder: order });
  }
  claimsWithTheirFirstConsumer(objects);
  objects.sort((a, b) => a.applyOrder - b.applyOrder || compare(a.file, b.file));
  skipDryRunOfForeignCustomResources(objects.map((o) => o.object));

  const seen = new Map<string, RenderedObject>();
  for (const rendered of objects) {
    const other = seen.get(rendered.file);
    if (other) {
      issues.push(
        issue(
          'render.name-not-unique',
          rendered.construct.node.path,
          `metadata.name: ${rendered.object.kind} '${rendered.object.metadata.name}' is also produced by ${other.construct.node.path}; names must be unique per kind`,
        ),
      );
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
    issues.push(
      issue(
        'render.value-not-renderable',
        construct.node.path,
        `cannot be rendered (${cause}); values must be plain objects, arrays, strings, numbers, booleans, Lazy values or resolvable tokens`,
      ),
    );
    return undefined;
  }
}

/** Set on every claim the library emits: Argo CD's health rule (ARGOCD_HEALTH_CUSTOMIZATIONS) lets it pass while it waits for its first pod. */
export const FIRST_CONSUMER_ANNOTATION = 'cdk8s-stacks.io/binds-with-first-consumer';

/**
 * Moves each PersistentVolumeClaim into the wave (and file prefix) of its first consumer: the
 * lowest apply order of the applied workloads whose pods mount it. On a WaitForFirstConsumer
 * storage class (kind, EKS, GKE and AKS's defaults) a claim stays Pending until a pod that uses
 * it is scheduled, and Argo CD rates a Pending claim Progressing: in a wave before its consumer
 * it would hold that wave for ever. A claim no applied workload mounts yet (a backup claim of a
 * CronJob, a restore Job's) keeps its place; the annotation lets Argo CD's health rule pass it.
 */
function claimsWithTheirFirstConsumer(objects: RenderedObject[]): void {
  for (const [i, claim] of objects.entries()) {
    if (claim.object.kind !== 'PersistentVolumeClaim' || claim.placement !== 'applied') continue;
    claim.object.metadata.annotations = sortedByKey({ ...claim.object.metadata.annotations, [FIRST_CONSUMER_ANNOTATION]: 'true' });
    const name = claim.object.metadata.name;
    const consumers = objects.filter(
      (o) =>
        o.placement === 'applied' &&
        podTemplates(o.object).some((t) => (t.spec?.volumes ?? []).some((v: Json) => v.persistentVolumeClaim?.claimName === name)),
    );
    if (consumers.length === 0) continue;
    const order = Math.min(...consumers.map((c) => c.applyOrder));
    if (order === claim.applyOrder) continue;
    claim.object.metadata.annotations = sortedByKey({ ...claim.object.metadata.annotations, [SYNC_WAVE_ANNOTATION]: String(order) });
    const file = claim.file.replace(/^\d+-/, `${String(order).padStart(2, '0')}-`);
    objects[i] = { ...claim, applyOrder: order, file };
  }
}

/**
 * API groups Kubernetes serves itself (k8s.io/api, apiextensions, apiregistration), and Argo
 * CD's own (its CRDs are installed with Argo CD, before any Application).
 */
const PRESENT_GROUPS: ReadonlySet<string> = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'argoproj.io',
]);

/** The Argo CD annotation that carries per-object sync options. */
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';
export const SKIP_DRY_RUN = 'SkipDryRunOnMissingResource=true';

/**
 * Custom resources whose CRD comes from another Application (a platform component) carry
 * `SkipDryRunOnMissingResource=true`: on a first sync the CRD may not exist yet, and a failed
 * dry run of one object fails the whole sync before anything is applied. The object's own wave
 * then applies it once the platform has installed the CRD (or the sync retries).
 */
export function skipDryRunOfForeignCustomResources(objects: readonly Json[]): void {
  const own = new Set(objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => `${o.spec?.group}/${o.spec?.names?.kind}`));
  for (const o of objects) {
    const group = typeof o.apiVersion === 'string' && o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
    if (PRESENT_GROUPS.has(group) || own.has(`${group}/${o.kind}`)) continue;
    const annotations: Record<string, string> = { ...o.metadata.annotations };
    const options = (annotations[SYNC_OPTIONS_ANNOTATION] ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    if (!options.includes(SKIP_DRY_RUN)) options.push(SKIP_DRY_RUN);
    annotations[SYNC_OPTIONS_ANNOTATION] = options.join(',');
    o.metadata.annotations = sortedByKey(annotations);
  }
}

/**
 * The files of a unit: one YAML document per object, plus the kustomization. `kustomized`
 * narrows what the kustomization lists (the Argo CD folder's bootstrap: the project and the
 * root Application, which then syncs the rest in waves).
 * @param kustomized the applied objects `kubectl apply -k` creates @default - every applied object
 * @param onFile receives each file as it is serialized, instead of the returned map (a synth
 *   streams them to its writer threads) @default - each file is put in the returned map
 */
export function unitFiles(
  unit: RenderedUnit,
  kustomized?: (o: RenderedObject) => boolean,
  onFile?: (name: string, text: string) => void,
): Map<string, string> {
  const files = new Map<string, string>();
  const emit = onFile ?? ((name: string, text: string) => files.set(name, text));
  for (const rendered of unit.objects) emit(rendered.file, toYamlDocument(rendered.object));
  const listed = unit.objects.filter((o) => o.placement === 'applied' && (kustomized?.(o) ?? true));
  emit('kustomization.yaml', kustomization(listed.map((o) => o.file)));
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
