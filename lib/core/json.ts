/** A Kubernetes object, or a part of one, as plain JSON (what the renderers build and the policy rules read). */
// `any`: rendered objects are read by path everywhere (policy rules, tests); a recursive JSON type would need a cast at each read.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** A copy of `map` with its keys in sorted order, so YAML output and content hashes do not depend on insertion order. */
export function sortedByKey<T>(map: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(map).sort()) out[key] = map[key];
  return out;
}
