/**
 * Generic, bottom-up rewrite of a JSON/OpenAPI schema tree.
 *
 * Both the Kubernetes (Swagger 2) definitions and CRD (OpenAPI v3, structural)
 * schemas need per-node rewrites before ajv can enforce them the way the API
 * server does. This walker knows which keywords hold sub-schemas so that the
 * converters only deal with one node at a time — and, crucially, never mistake a
 * *property name* (JSONSchemaProps has properties literally called `$ref`,
 * `default`, `x-kubernetes-validations`, ...) for a keyword.
 */

/** A schema node. Kept loose on purpose: the inputs are third-party JSON/YAML. */
export type JsonSchema = { [keyword: string]: unknown };

/** Things the ajv instance must know about before it compiles converted schemas. */
export interface SchemaStats {
  /** Vendor extensions seen (`x-kubernetes-*` etc.); registered as annotation-only keywords. */
  readonly vendorKeywords: Set<string>;
  /** `format` values seen; unknown ones are registered as no-ops (the API server ignores them too). */
  readonly formats: Set<string>;
}

export function newSchemaStats(): SchemaStats {
  return { vendorKeywords: new Set(), formats: new Set() };
}

export function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keywords whose value is a map of name → sub-schema. */
const SCHEMA_MAP_KEYWORDS = ['properties', 'patternProperties', 'definitions'] as const;
/** Keywords whose value is a list of sub-schemas. */
const SCHEMA_LIST_KEYWORDS = ['allOf', 'anyOf', 'oneOf'] as const;
/** Keywords whose value is a single sub-schema (booleans are left alone). */
const SCHEMA_KEYWORDS = ['items', 'additionalProperties', 'not'] as const;

/**
 * Returns a rewritten copy of `node`: children are rewritten first, then
 * `rewrite` sees the node with its already-rewritten children. Inputs are never
 * mutated (the parsed CRDs are cached and shared between validators).
 */
export function rewriteSchema(node: JsonSchema, rewrite: (node: JsonSchema) => JsonSchema, stats: SchemaStats): JsonSchema {
  const out: JsonSchema = { ...node };
  for (const key of Object.keys(out)) {
    if (key.startsWith('x-')) stats.vendorKeywords.add(key);
  }
  if (typeof out.format === 'string') stats.formats.add(out.format);

  for (const keyword of SCHEMA_MAP_KEYWORDS) {
    const map = out[keyword];
    if (!isSchema(map)) continue;
    const next: JsonSchema = {};
    for (const [name, child] of Object.entries(map)) {
      next[name] = isSchema(child) ? rewriteSchema(child, rewrite, stats) : child;
    }
    out[keyword] = next;
  }
  for (const keyword of SCHEMA_LIST_KEYWORDS) {
    const list = out[keyword];
    if (!Array.isArray(list)) continue;
    out[keyword] = list.map((child: unknown) => (isSchema(child) ? rewriteSchema(child, rewrite, stats) : child));
  }
  for (const keyword of SCHEMA_KEYWORDS) {
    const child = out[keyword];
    if (Array.isArray(child)) {
      // Tuple-style `items: [..]` is not used by Kubernetes, but don't drop it silently.
      out[keyword] = child.map((c: unknown) => (isSchema(c) ? rewriteSchema(c, rewrite, stats) : c));
    } else if (isSchema(child)) {
      out[keyword] = rewriteSchema(child, rewrite, stats);
    }
  }
  return rewrite(out);
}
