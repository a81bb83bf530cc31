import { describeValue } from '../core/describe-value';
import type { Json } from '../core/json';
import { KUBERNETES_VERSIONS, KubernetesVersion } from '../core/kubernetes-version';
import type { ValidationIssue } from '../core/validation';
import type { RenderedObject } from '../gitops/render';
// Imported, not read from a path: a project that bundles its synth (esbuild, webpack) gets the
// data inside its bundle, where a read relative to __dirname would look in the bundle's folder.
import KUBERNETES_API from './kubernetes-api.json';

/**
 * What each supported Kubernetes release serves, generated from the releases' own OpenAPI
 * documents by scripts/k8s/kubernetes-api/generate.mjs (which says where they come from).
 * Release indexes count from the first release: 0 is 1.27.
 */
interface KubernetesApi {
  /** The patch release each minor's schema was taken from, oldest first. */
  readonly releases: readonly string[];
  /** `group/version/Kind` (`v1/Kind` for the core group): [type, first release, last release]. */
  readonly kinds: Readonly<Record<string, readonly [string, number, number]>>;
  /** Type name: its fields (`f`) or, for a type that is not an object with fields, its form (`t`); `r` the fields every release requires. */
  readonly types: Readonly<
    Record<string, { readonly f?: Readonly<Record<string, FieldSchema>>; readonly t?: string; readonly r?: readonly string[] }>
  >;
}

/** A field's type, alone when every release has the field with that type, else each type with the first and last release that have it so. */
type FieldSchema = string | ReadonlyArray<readonly [string, number, number]>;

/** The bundled data, with its declared shape (the inferred JSON type is too loose for tuples). */
function api(): KubernetesApi {
  return KUBERNETES_API as unknown as KubernetesApi;
}

/** The Kubernetes release of a release index. */
const release = (index: number): string => KUBERNETES_VERSIONS[index];

/** Releases `from`..`to` as text: "1.33 and later", "1.27 to 1.31", "only 1.35". */
function releasesText(from: number, to: number): string {
  const last = KUBERNETES_VERSIONS.length - 1;
  if (from === to) return `only ${release(from)}`;
  if (to === last) return `${release(from)} and later`;
  if (from === 0) return `up to ${release(to)}`;
  return `${release(from)} to ${release(to)}`;
}

/**
 * Groups of the built-in API: an object in any other group is a custom resource (its CRD's
 * schema is not this check's business). `extensions` served Deployments and Ingresses until
 * 1.22: still the built-in API, refused on every supported release.
 */
let builtInGroups: Set<string> | undefined;
function isBuiltInGroup(group: string): boolean {
  builtInGroups ??= new Set(['extensions', ...Object.keys(api().kinds).map((k) => groupOf(k.slice(0, k.lastIndexOf('/'))))]);
  return builtInGroups.has(group);
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * Every problem the API of Kubernetes `version` has with the built-in objects among `objects`:
 * an API version it does not serve (removed, or not yet there), a field it does not have (what
 * `kubectl apply --validate=strict` refuses; the message says which releases have it), a value
 * of the wrong type and a missing required field. Each issue names the object's construct.
 * Custom resources are not checked here.
 */
export function kubernetesApiIssues(objects: readonly RenderedObject[], version: KubernetesVersion): ValidationIssue[] {
  const index = KUBERNETES_VERSIONS.indexOf(version);
  const issues: ValidationIssue[] = [];
  for (const o of objects) {
    const { apiVersion, kind } = o.object;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !isBuiltInGroup(groupOf(apiVersion))) continue;
    const what = `${kind} ${o.object.metadata?.name ?? '(unnamed)'}`;
    const report = (id: string, message: string) =>
      issues.push({ path: o.construct.node.path, id, message: `${message} (Kubernetes ${version}: platform.kubernetesVersion)` });
    const served = api().kinds[`${apiVersion}/${kind}`];
    if (!served || served[1] > index || served[2] < index) {
      report(
        'kubernetes-api.not-served',
        `${apiVersion} ${kind} (${what}) is not served by Kubernetes ${version}${servedText(served)}${alternatives(kind, index, apiVersion)}`,
      );
      continue;
    }
    checkValue(o.object, `#${served[0]}`, '', index, (field, message, id) => report(id, `${what}: ${field}: ${message}`));
  }
  return issues;
}

function servedText(served: readonly [string, number, number] | undefined): string {
  return served
    ? ` (served by ${releasesText(served[1], served[2])})`
    : ` nor by any release from ${KUBERNETES_VERSIONS[0]} to ${KUBERNETES_VERSIONS.at(-1)}`;
}

/** The API versions of `kind` the release serves, as a hint. */
function alternatives(kind: string, index: number, apiVersion: string): string {
  const group = groupOf(apiVersion);
  const found = Object.entries(api().kinds)
    .filter(([key, [, from, to]]) => key.endsWith(`/${kind}`) && from <= index && to >= index)
    .map(([key]) => key.slice(0, key.lastIndexOf('/')))
    .filter((v) => groupOf(v) === group || group === 'extensions');
  return found.length > 0 ? `; use ${found.join(' or ')}` : '';
}

/** Reports one problem of a field, with its error id. */
type FieldReport = (field: string, message: string, id: string) => void;

/**
 * Checks `value` against the compact type `type` (see generate.mjs): s string, i integer, n
 * number, b boolean, q quantity, x int-or-string, o any object, * anything, [T list of T, {T map
 * of T, #Name a named type. `null` is accepted anywhere: the API server reads it as unset.
 */
function checkValue(value: unknown, type: string, field: string, index: number, report: FieldReport): void {
  if (value === null || value === undefined || type === '*') return;
  const is = (ok: boolean, expected: string) =>
    ok || report(field || '(object)', `must be ${expected} (is ${describeValue(value)})`, 'kubernetes-api.wrong-type');
  switch (type[0]) {
    case 's':
      return void is(typeof value === 'string', 'a string');
    case 'i':
      return void is(Number.isInteger(value), 'an integer');
    case 'n':
      return void is(typeof value === 'number', 'a number');
    case 'b':
      return void is(typeof value === 'boolean', 'true or false');
    case 'q':
      return void is(typeof value === 'number' || typeof value === 'string', 'a quantity');
    case 'x':
      return void is(Number.isInteger(value) || typeof value === 'string', 'an integer or a string');
    case 'o':
      return void is(isObject(value), 'an object');
    case '[':
      if (!is(Array.isArray(value), 'a list')) return;
      (value as unknown[]).forEach((item, i) => checkValue(item, type.slice(1), `${field}[${i}]`, index, report));
      return;
    case '{':
      if (!is(isObject(value), 'a map')) return;
      for (const [key, item] of Object.entries(value as Json)) checkValue(item, type.slice(1), `${field}.${key}`, index, report);
      return;
    case '#':
      return checkNamed(value, type.slice(1), field, index, report);
  }
}

function checkNamed(value: unknown, name: string, field: string, index: number, report: FieldReport): void {
  const schema = api().types[name];
  if (!schema) return;
  if (!schema.f) return checkValue(value, schema.t ?? '*', field, index, report);
  if (!isObject(value)) return void report(field || '(object)', `must be an object (is ${describeValue(value)})`, 'kubernetes-api.wrong-type');
  const prefix = field ? `${field}.` : '';
  for (const [key, item] of Object.entries(value)) {
    const fieldSchema = schema.f[key];
    if (fieldSchema === undefined) {
      report(`${prefix}${key}`, 'unknown field: no supported Kubernetes release has it', 'kubernetes-api.unknown-field');
      continue;
    }
    const segments = typeof fieldSchema === 'string' ? [[fieldSchema, 0, KUBERNETES_VERSIONS.length - 1] as const] : fieldSchema;
    const here = segments.find(([, from, to]) => from <= index && index <= to);
    if (!here) {
      const [from, to] = [segments[0][1], segments[segments.length - 1][2]];
      report(
        `${prefix}${key}`,
        `unknown field in Kubernetes ${release(index)}: ${releasesText(from, to)} ${from === to ? 'has' : 'have'} it`,
        'kubernetes-api.field-not-in-release',
      );
      continue;
    }
    checkValue(item, here[0], `${prefix}${key}`, index, report);
  }
  for (const key of schema.r ?? [])
    if (value[key] === undefined || value[key] === null) report(`${prefix}${key}`, 'is required', 'kubernetes-api.required');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
