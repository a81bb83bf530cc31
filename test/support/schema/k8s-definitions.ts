/**
 * Loads the Kubernetes OpenAPI (Swagger 2) definitions shipped in test/schemas/
 * (cdk8s's kubernetes-schemas) and rewrites them so ajv enforces what the API
 * server enforces with `fieldValidation=Strict` (what `kubectl --validate=strict`
 * asks for): unknown fields are errors, required fields are required.
 *
 * Known gap: the published OpenAPI v2 carries no value enums for built-in types
 * (the only `enum`s are cdk8s's `kind: [Deployment]` markers), so e.g.
 * `Service.spec.type: Bogus` passes here and is only caught by the apiserver's
 * own validation. CRD enums *are* enforced.
 */
import * as fs from 'fs';
import * as path from 'path';
import { JsonSchema, SchemaStats, isSchema, rewriteSchema } from './schema-walk';

export type K8sVersion = '1.27' | '1.33';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * `$id` of the ajv schema document holding every definition. Swagger's own refs
 * (`#/definitions/X`) stay untouched: they resolve against this id. CRD schemas
 * point at ObjectMeta through it.
 */
export const K8S_SCHEMA_ID = 'https://kubernetes.schema.local/definitions.json';

export const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/**
 * resource.Quantity's accepted syntax (same regex kubebuilder emits for Quantity
 * fields in CRDs). The API server rejects e.g. "512MB" while decoding, so a bare
 * `type: string` would let real apply failures through.
 */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/** Schemas for types whose JSON form differs from their Go struct; upstream marks them with special formats. */
const INT_OR_STRING_SCHEMA: JsonSchema = { type: ['integer', 'string'] };
const QUANTITY_SCHEMA: JsonSchema = { type: ['string', 'number'], pattern: QUANTITY_PATTERN };

export interface K8sDefinitions {
  /** ajv-ready schema document (`$id` + `definitions`) to pass to `ajv.addSchema`. */
  readonly document: JsonSchema;
  /** `group/version/Kind` (core group = "") → definition name. */
  readonly definitionByGvk: ReadonlyMap<string, string>;
}

export function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

export function definitionRef(definition: string): string {
  return `${K8S_SCHEMA_ID}#/definitions/${definition}`;
}

/**
 * One node of a built-in schema. Note the asymmetry with CRDs: a built-in
 * `type: object` *without* `properties` (RawExtension, FieldsV1) really is
 * free-form, so only objects that declare properties get closed.
 */
function strictK8sNode(node: JsonSchema): JsonSchema {
  const out = { ...node };
  // Descriptions are half the file and ajv ignores them; dropping them halves the memory kept per version.
  delete out.description;
  // Upstream's spelling of IntOrString (cdk8s's copy already rewrote it to oneOf, but don't depend on that).
  if (out.format === 'int-or-string') {
    delete out.format;
    delete out.type;
    return { ...out, ...INT_OR_STRING_SCHEMA };
  }
  if (isSchema(out.properties) && out.additionalProperties === undefined) {
    // Strict field validation: a field the type does not declare is an error ("unknown field").
    out.additionalProperties = false;
  }
  return out;
}

function readGvks(definition: unknown): Array<{ group: string; version: string; kind: string }> {
  if (!isSchema(definition)) return [];
  const gvks = definition['x-kubernetes-group-version-kind'];
  if (!Array.isArray(gvks)) return [];
  return gvks.filter(isSchema).map((g) => ({ group: String(g.group ?? ''), version: String(g.version), kind: String(g.kind) }));
}

export function loadK8sDefinitions(version: K8sVersion, stats: SchemaStats): K8sDefinitions {
  const file = path.join(REPO_ROOT, 'test', 'schemas', `v${version}.0.json`);
  const raw: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!isSchema(raw) || !isSchema(raw.definitions)) throw new Error(`${file}: no "definitions" object`);

  const definitions: JsonSchema = {};
  const definitionByGvk = new Map<string, string>();
  for (const [name, definition] of Object.entries(raw.definitions)) {
    if (!isSchema(definition)) continue;
    if (name === INT_OR_STRING) definitions[name] = { ...INT_OR_STRING_SCHEMA };
    else if (name === QUANTITY) definitions[name] = { ...QUANTITY_SCHEMA };
    else definitions[name] = rewriteSchema(definition, strictK8sNode, stats);

    for (const { group, version: v, kind } of readGvks(definition)) {
      const key = gvkKey(group, v, kind);
      // A few meta types (DeleteOptions, WatchEvent, ...) list many GVKs; a real kind maps to one definition.
      if (!definitionByGvk.has(key)) definitionByGvk.set(key, name);
    }
  }
  return { document: { $id: K8S_SCHEMA_ID, definitions }, definitionByGvk };
}
