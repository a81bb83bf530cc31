/**
 * Turns the CRDs in imports/crds/ into ajv schemas with the API server's
 * *structural schema* semantics, so custom resources get the same strictness as
 * built-in kinds.
 *
 * Not covered (documented so nobody assumes otherwise):
 * - `x-kubernetes-validations` (CEL rules) cannot be evaluated here; they are
 *   kept as inert annotations. A CR can pass this validator and still be
 *   rejected by a CEL rule on the server.
 * - `default` values are not applied (we validate what we emit, not what the server stores).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { OBJECT_META, REPO_ROOT, definitionRef, gvkKey } from './k8s-definitions';
import { JsonSchema, SchemaStats, isSchema, rewriteSchema } from './schema-walk';

export const CRD_DIR = path.join(REPO_ROOT, 'imports', 'crds');

export interface CrdVersion {
  readonly crdName: string;
  readonly served: boolean;
  /** Raw `openAPIV3Schema` (unconverted: conversion needs the per-validator stats). */
  readonly schema: JsonSchema;
}

export interface CrdIndex {
  /** `group/version/Kind` → that version of the CRD. */
  readonly byGvk: ReadonlyMap<string, CrdVersion>;
  /** `group/Kind` → all version names the CRD defines (for "unknown version" messages). */
  readonly versionsByGroupKind: ReadonlyMap<string, readonly string[]>;
}

let cachedIndex: CrdIndex | undefined;

/** Parses every CRD document once per process (files may hold several `---` documents). */
export function loadCrdIndex(dir: string = CRD_DIR): CrdIndex {
  if (cachedIndex && dir === CRD_DIR) return cachedIndex;
  const byGvk = new Map<string, CrdVersion>();
  const versionsByGroupKind = new Map<string, string[]>();
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
    : [];
  for (const file of files) {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      const crd: unknown = doc.toJS();
      if (!isSchema(crd) || crd.kind !== 'CustomResourceDefinition' || !isSchema(crd.spec)) continue;
      const spec = crd.spec;
      const names = isSchema(spec.names) ? spec.names : {};
      const group = String(spec.group);
      const kind = String(names.kind);
      const crdName = isSchema(crd.metadata) ? String(crd.metadata.name) : `${kind}.${group}`;
      const versions = Array.isArray(spec.versions) ? spec.versions.filter(isSchema) : [];
      versionsByGroupKind.set(
        `${group}/${kind}`,
        versions.map((v) => String(v.name)),
      );
      for (const v of versions) {
        const validation = isSchema(v.schema) ? v.schema.openAPIV3Schema : undefined;
        // A version without a schema accepts anything; model that explicitly rather than crash.
        const schema = isSchema(validation) ? validation : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
        byGvk.set(gvkKey(group, String(v.name), kind), { crdName, served: v.served !== false, schema });
      }
    }
  }
  const index = { byGvk, versionsByGroupKind };
  if (dir === CRD_DIR) cachedIndex = index;
  return index;
}

const PRESERVE = 'x-kubernetes-preserve-unknown-fields';
const INT_OR_STRING = 'x-kubernetes-int-or-string';
const EMBEDDED = 'x-kubernetes-embedded-resource';

/** `anyOf: [{type: integer}, {type: string}]`, the shape controller-gen emits next to x-kubernetes-int-or-string. */
function isBareTypeUnion(value: unknown): boolean {
  return Array.isArray(value) && value.every((b) => isSchema(b) && Object.keys(b).length === 1 && typeof b.type === 'string');
}

/** One node of a CRD schema, rewritten to mirror the apiserver's pruning + validation. */
function structuralNode(node: JsonSchema): JsonSchema {
  const out = { ...node };
  delete out.description;

  if (out[INT_OR_STRING] === true) {
    // Expressed as a type union rather than anyOf: same meaning, one clear error instead of three.
    if (isBareTypeUnion(out.anyOf)) delete out.anyOf;
    out.type = ['integer', 'string'];
  }

  // OpenAPI 3.0 `nullable`: null is valid only where declared. Elsewhere the server
  // would silently prune the null (since 1.20), i.e. drop what the author meant to
  // set — we report it instead. Schemas without `type` already accept null.
  if (out.nullable === true && out.type !== undefined) {
    out.type = [...(Array.isArray(out.type) ? out.type : [out.type]), 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  delete out.nullable;

  // OpenAPI 3.0 boolean exclusive bounds → JSON Schema draft-07 numeric ones (ajv strict would reject the former).
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[flag] === 'boolean') {
      if (out[flag] === true && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        delete out[bound];
      } else delete out[flag];
    }
  }

  if (out[EMBEDDED] === true) {
    // Embedded resources implicitly carry apiVersion/kind/metadata, validated like a top-level object's.
    const props = isSchema(out.properties) ? out.properties : {};
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, ...props, metadata: { $ref: definitionRef(OBJECT_META) } };
  }

  // Structural pruning: an object node keeps only declared properties (or map
  // entries, with additionalProperties) unless it preserves unknown fields.
  // Note `type: object` with no properties at all therefore only accepts `{}` —
  // exactly what the apiserver stores. Preservation is per node: a nested node
  // with its own properties is pruned again (see "Controlling pruning" in the docs).
  const isObject = out.type === 'object' || isSchema(out.properties);
  if (isObject && out.additionalProperties === undefined && out[PRESERVE] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

/**
 * ajv schema for one CRD version. `metadata` is validated as the cluster's
 * ObjectMeta: the apiserver ignores the CRD's (usually empty `type: object`)
 * metadata schema apart from name constraints, and strict field validation
 * applies ObjectMeta's fields.
 */
export function crdToAjvSchema(crd: CrdVersion, stats: SchemaStats): JsonSchema {
  const root = rewriteSchema(crd.schema, structuralNode, stats);
  const props = isSchema(root.properties) ? root.properties : {};
  // The apiserver accepts apiVersion and kind on every custom resource whether or not the CRD's
  // schema declares them (Istio's CRDs do not); declared ones keep their own schema.
  const implicit = { apiVersion: { type: 'string' }, kind: { type: 'string' } };
  return { ...root, properties: { ...implicit, ...props, metadata: { $ref: definitionRef(OBJECT_META) } } };
}
