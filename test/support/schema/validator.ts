/**
 * Strict schema validation of synthesized Kubernetes objects — what
 * `kubectl apply --validate=strict` (server-side fieldValidation=Strict) plus
 * the OpenAPI `required` lists would reject, but offline and in milliseconds.
 *
 *   const v = createValidator('1.33');
 *   v.validate(obj) // [] when valid, else
 *   // ["apps/v1 Deployment api: /spec/template/spec/containers/0/foo: unknown field"]
 *
 * Built-in kinds come from test/schemas/v<version>.0.json, custom resources from
 * the CRDs in imports/crds/ (see crds.ts for what CRD validation cannot cover).
 * Everything is compiled once per Kubernetes version and per kind, then cached
 * for the life of the process.
 */
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { CrdIndex, CrdVersion, crdToAjvSchema, loadCrdIndex } from './crds';
import { goRegExp } from './go-regexp';
import { K8sVersion, definitionRef, gvkKey, loadK8sDefinitions } from './k8s-definitions';
import { formatErrors, objectError } from './messages';
import { JsonSchema, SchemaStats, isSchema, newSchemaStats } from './schema-walk';

export type { K8sVersion } from './k8s-definitions';

export const K8S_VERSIONS: readonly K8sVersion[] = ['1.27', '1.33'];

export interface ManifestValidator {
  readonly k8sVersion: K8sVersion;
  /** Problems with `obj`, one message each; an empty array means valid. Never throws for bad input. */
  validate(obj: unknown): string[];
}

/** OpenAPI annotation keywords that carry no validation meaning (vendor `x-*` ones are collected from the schemas). */
const ANNOTATION_KEYWORDS = ['example', 'externalDocs'];

function newAjv(stats: SchemaStats): Ajv {
  const ajv = new Ajv({
    allErrors: true, // report every problem of an object at once, not just the first
    // strictSchema stays on: a keyword ajv doesn't know means our conversion missed something.
    strictSchema: true,
    // Kubernetes schemas legitimately omit `type: object` next to `properties`, etc.
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true, // we express int-or-string / nullable as type unions
    code: { regExp: goRegExp },
  });
  addFormats(ajv);
  for (const format of stats.formats) {
    // The apiserver ignores formats it doesn't know; so do we (int32/int64/byte/double/date-time are real checks).
    if (!ajv.formats[format]) ajv.addFormat(format, true);
  }
  ajv.addVocabulary([...ANNOTATION_KEYWORDS, ...stats.vendorKeywords]);
  return ajv;
}

/** Splits `apps/v1` → ["apps", "v1"], `v1` → ["", "v1"] (core group). */
function splitApiVersion(apiVersion: string): [string, string] {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

function buildValidator(k8sVersion: K8sVersion): ManifestValidator {
  const stats = newSchemaStats();
  const k8s = loadK8sDefinitions(k8sVersion, stats);
  const crds: CrdIndex = loadCrdIndex();
  // Convert every CRD up front: ajv needs all vendor keywords/formats registered before the first compile.
  const crdSchemas = new Map<string, { crd: CrdVersion; schema: JsonSchema }>();
  for (const [key, crd] of crds.byGvk) crdSchemas.set(key, { crd, schema: crdToAjvSchema(crd, stats) });

  const ajv = newAjv(stats);
  ajv.addSchema(k8s.document);

  /** Per `group/version/Kind`: a compiled validator, or the reason there can't be one. */
  const compiled = new Map<string, ValidateFunction | string>();

  function lookup(apiVersion: string, kind: string): ValidateFunction | string {
    const [group, version] = splitApiVersion(apiVersion);
    const key = gvkKey(group, version, kind);
    const hit = compiled.get(key);
    if (hit) return hit;

    let result: ValidateFunction | string;
    const definition = k8s.definitionByGvk.get(key);
    const custom = crdSchemas.get(key);
    if (definition) {
      result = ajv.compile({ $ref: definitionRef(definition) });
    } else if (custom) {
      result = custom.crd.served ? ajv.compile(custom.schema) : `version ${version} of CRD ${custom.crd.crdName} is not served (served: false)`;
    } else {
      const known = crds.versionsByGroupKind.get(`${group}/${kind}`);
      result = known
        ? `unknown version ${version}: the CRD for ${kind} defines ${known.join(', ')}`
        : `unknown kind: Kubernetes ${k8sVersion} has no ${apiVersion} ${kind} and no CRD in imports/crds defines it`;
    }
    compiled.set(key, result);
    return result;
  }

  function validate(obj: unknown): string[] {
    if (!isSchema(obj)) return [objectError(obj, 'document is not a YAML/JSON object')];
    const { apiVersion, kind } = obj;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !apiVersion || !kind) {
      return [objectError(obj, 'apiVersion and kind must be non-empty strings')];
    }
    // kubectl unwraps `kind: List` and applies each item; so do we.
    if (apiVersion === 'v1' && kind === 'List') {
      return Array.isArray(obj.items) ? obj.items.flatMap(validate) : [objectError(obj, 'List without items array')];
    }
    const fn = lookup(apiVersion, kind);
    if (typeof fn === 'string') return [objectError(obj, fn)];
    return fn(obj) ? [] : formatErrors(obj, fn.errors ?? []);
  }

  return { k8sVersion, validate };
}

const validators = new Map<K8sVersion, ManifestValidator>();

/** Cached per version: the first call for a version costs ~a second, later calls are free. */
export function createValidator(k8sVersion: K8sVersion): ManifestValidator {
  let validator = validators.get(k8sVersion);
  if (!validator) {
    validator = buildValidator(k8sVersion);
    validators.set(k8sVersion, validator);
  }
  return validator;
}
