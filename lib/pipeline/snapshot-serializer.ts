import { toYamlDocument } from '../core/yaml';

/** A Kubernetes object as the serializer recognises it. */
interface ObjectLike {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: unknown; readonly namespace?: unknown };
}

function isObjectLike(value: unknown): value is ObjectLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ObjectLike).apiVersion === 'string' &&
    typeof (value as ObjectLike).kind === 'string'
  );
}

/** A `SynthesizedSystem` (duck-typed: the test and the library may load different copies of this module). */
function isSynthesized(value: unknown): value is { readonly objects: readonly ObjectLike[] } {
  return typeof value === 'object' && value !== null && (value as { isSynthesizedSystem?: unknown }).isSynthesizedSystem === true;
}

/** Keys first in every object, in this order, because a reader looks for them first; the rest sorted. */
const LEADING_KEYS = ['apiVersion', 'kind', 'metadata'];

function stableKeys(value: unknown, top: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => stableKeys(v, false));
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ordered = top ? [...LEADING_KEYS.filter((k) => keys.includes(k)), ...keys.filter((k) => !LEADING_KEYS.includes(k))] : keys;
  return Object.fromEntries(ordered.map((k) => [k, stableKeys((value as Record<string, unknown>)[k], false)]));
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The objects as a snapshot: one YAML document per object, sorted by apiVersion, kind,
 * namespace and name, keys in a stable order (apiVersion, kind, metadata, then alphabetical;
 * alphabetical below), written as dist/ writes YAML. A change shows in a jest diff as the lines
 * of the objects that changed, whatever order the constructs made them in.
 */
export function manifestSnapshot(objects: readonly ObjectLike[]): string {
  const sorted = [...objects].sort(
    (a, b) =>
      compare(a.apiVersion, b.apiVersion) ||
      compare(a.kind, b.kind) ||
      compare(text(a.metadata?.namespace), text(b.metadata?.namespace)) ||
      compare(text(a.metadata?.name), text(b.metadata?.name)),
  );
  return sorted.map((o) => toYamlDocument(stableKeys(o, true))).join('---\n');
}

/**
 * A jest snapshot serializer for what `synthSystem` returns, a list of Kubernetes objects or
 * one object: `expect.addSnapshotSerializer(manifestSnapshotSerializer)`, or in the jest
 * configuration `snapshotSerializers: ['cdk8s-stacks/snapshot-serializer']`.
 */
export const manifestSnapshotSerializer = {
  test(value: unknown): boolean {
    return isSynthesized(value) || isObjectLike(value) || (Array.isArray(value) && value.length > 0 && value.every(isObjectLike));
  },
  serialize(value: unknown): string {
    const objects = isSynthesized(value) ? value.objects : Array.isArray(value) ? (value as ObjectLike[]) : [value as ObjectLike];
    return manifestSnapshot(objects);
  },
};
