import { ApiObject, ApiObjectMetadataDefinition, App, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';

/**
 * Faster rendering of ApiObjects, with exactly cdk8s's result.
 *
 * Why: cdk8s resolves every value of every object through `App.of(object).resolvers`
 * (a walk up the construct tree per value) and allocates a path array and a context per
 * value. At 20,000 objects that was the largest cost of synthesis left after the policy
 * rules were indexed (see BENCHMARKS.md). When an app uses only the three built-in
 * resolvers (Lazy, implicit tokens, number-or-string unions), the same checks in the same
 * order can run without the walks and allocations.
 *
 * How: while `render` runs, `ApiObject.prototype.toJson` and
 * `ApiObjectMetadataDefinition.prototype.toJson` are replaced by copies of cdk8s 2.70's
 * methods that call this resolver; the generated L1 classes (`KubeService`, ...) call
 * `super.toJson()` and so get it too. Apps with custom resolvers keep cdk8s's own path.
 * test/core/fast-resolve.test.ts compares both on every object of the repository.
 */
export function withFastResolution<T>(app: App, render: () => T): T {
  if (!usesOnlyBuiltInResolvers(app)) return render();
  const apiObjectToJson = ApiObject.prototype.toJson;
  const metadataToJson = ApiObjectMetadataDefinition.prototype.toJson;
  ApiObject.prototype.toJson = fastApiObjectToJson;
  ApiObjectMetadataDefinition.prototype.toJson = fastMetadataToJson;
  try {
    return render();
  } finally {
    ApiObject.prototype.toJson = apiObjectToJson;
    ApiObjectMetadataDefinition.prototype.toJson = metadataToJson;
  }
}

function usesOnlyBuiltInResolvers(app: App): boolean {
  const r = app.resolvers;
  return r.length === 3 && r[0] instanceof LazyResolver && r[1] instanceof ImplicitTokenResolver && r[2] instanceof NumberStringUnionResolver;
}

interface SanitizeOptions {
  readonly sortKeys: boolean;
  readonly filterEmptyArrays: boolean;
  readonly filterEmptyObjects: boolean;
}

/**
 * `sanitizeValue(resolve(value), options)` in one pass: the same resolver checks in the
 * same order, then cdk8s's sanitizing (sorted keys, null and undefined dropped, empty
 * collections dropped when asked, non-plain objects refused), without building the
 * intermediate resolved tree.
 */
export function resolveSanitized(value: any, options: SanitizeOptions): any {
  if (value == null) return undefined;
  if (value instanceof Lazy) return resolveSanitized(value.produce(), options);
  if (typeof value.resolve === 'function') return resolveSanitized(value.resolve(), options);
  if (value.constructor !== Object) {
    const inner = typeof value.value;
    if (inner === 'number' || inner === 'string') return resolveSanitized({ value: value.value }, options);
  }
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (options.filterEmptyArrays && value.length === 0) return undefined;
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = resolveSanitized(value[i], options);
    return out;
  }
  if (value.constructor.name !== 'Object') throw new Error(`can't render non-simple object of type '${value.constructor.name}'`);
  const keys = options.sortKeys ? Object.keys(value).sort() : Object.keys(value);
  const out: Record<string, any> = {};
  let count = 0;
  for (const key of keys) {
    const v = resolveSanitized(value[key], options);
    if (v != null) {
      out[key] = v;
      count++;
    }
  }
  return options.filterEmptyObjects && count === 0 ? undefined : out;
}

const OBJECT_OPTIONS: SanitizeOptions = { sortKeys: true, filterEmptyArrays: false, filterEmptyObjects: false };
const UNSORTED_OBJECT_OPTIONS: SanitizeOptions = { sortKeys: false, filterEmptyArrays: false, filterEmptyObjects: false };
const METADATA_OPTIONS: SanitizeOptions = { sortKeys: true, filterEmptyArrays: true, filterEmptyObjects: true };

const TOP_KEYS = ['apiVersion', 'kind', 'metadata'];

/** cdk8s 2.70 `ApiObject.toJson`, resolving and sanitizing with resolveSanitized. */
function fastApiObjectToJson(this: ApiObject): any {
  const self = this as any;
  try {
    const data = { ...self.props, metadata: this.metadata.toJson() };
    const json = resolveSanitized(data, process.env.CDK8S_DISABLE_SORT ? UNSORTED_OBJECT_OPTIONS : OBJECT_OPTIONS);
    const patched = JsonPatch.apply(json, ...self.patches);
    const result: Record<string, any> = {};
    for (const k of [...TOP_KEYS, ...Object.keys(patched)]) if (k in patched) result[k] = patched[k];
    return result;
  } catch (e) {
    throw new Error(`Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${e}`);
  }
}

/** cdk8s 2.70 `ApiObjectMetadataDefinition.toJson`, resolving and sanitizing with resolveSanitized. */
function fastMetadataToJson(this: ApiObjectMetadataDefinition): any {
  const self = this as any;
  return resolveSanitized(
    {
      ...self._additionalAttributes,
      name: self.name,
      namespace: self.namespace,
      annotations: self.annotations,
      finalizers: self.finalizers,
      ownerReferences: self.ownerReferences,
      labels: self.labels,
    },
    METADATA_OPTIONS,
  );
}
