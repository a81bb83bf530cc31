import { ApiObject, App, Chart, JsonPatch, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { buildRepositoryApp } from '../../charts/app';
import { resolveSanitized, withFastResolution } from '../../lib/core/fast-resolve';
import { completeModel } from '../../lib/pipeline/synth';
import { UNUSED_OUTDIR } from '../support/synth';

/** Every ApiObject's JSON, rendered by cdk8s's own toJson or by the fast path. */
function render(app: App, fast: boolean): string[] {
  const objects = app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  const all = () => objects.map((o) => JSON.stringify(o.toJson()));
  return fast ? withFastResolution(app, all) : all();
}

describe('fast resolution renders exactly what cdk8s renders', () => {
  test('every object of every system in every environment is identical, key order included', () => {
    const app = buildRepositoryApp({ outdir: UNUSED_OUTDIR });
    completeModel(app);
    const slow = render(app, false);
    const fast = render(app, true);
    expect(fast.length).toBeGreaterThan(900);
    expect(fast).toEqual(slow);
  });

  test('lazies, nested lazies, number-or-string unions, undefined and empty values, JSON patches', () => {
    const app = new App({ outdir: UNUSED_OUTDIR });
    const chart = new Chart(app, 'c', { namespace: 'ns' });
    const object = new ApiObject(chart, 'o', {
      apiVersion: 'v1',
      kind: 'Thing',
      metadata: { name: 'thing', annotations: {}, labels: { b: '2', a: '1' } },
      spec: Lazy.any({ produce: () => ({ z: [1, Lazy.any({ produce: () => ({ deep: true, gone: undefined }) })], a: { empty: [], none: null }, port: k8s.IntOrString.fromNumber(8080) }) }),
    } as any);
    object.addJsonPatch(JsonPatch.add('/spec/patched', 'yes'));
    new k8s.KubeService(chart, 's', { metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: k8s.IntOrString.fromString('http') }] } });
    expect(render(app, true)).toEqual(render(app, false));
    expect(JSON.parse(render(app, true)[0]).spec).toEqual({ a: { empty: [] }, patched: 'yes', port: { value: 8080 }, z: [1, { deep: true }] });
  });

  test('the prototypes are restored afterwards, also when rendering throws', () => {
    const before = ApiObject.prototype.toJson;
    const app = new App({ outdir: UNUSED_OUTDIR });
    expect(() => withFastResolution(app, () => {
      expect(ApiObject.prototype.toJson).not.toBe(before);
      throw new Error('boom');
    })).toThrow('boom');
    expect(ApiObject.prototype.toJson).toBe(before);
  });

  test('an app with its own resolvers keeps cdk8s\'s path', () => {
    const before = ApiObject.prototype.toJson;
    const app = new App({ outdir: UNUSED_OUTDIR, resolvers: [{ resolve: () => undefined }] });
    withFastResolution(app, () => expect(ApiObject.prototype.toJson).toBe(before));
  });

  test('resolveSanitized leaves plain values alone', () => {
    const options = { sortKeys: true, filterEmptyArrays: false, filterEmptyObjects: false };
    expect(resolveSanitized({ a: [1, 'x', { b: false }] }, options)).toEqual({ a: [1, 'x', { b: false }] });
    expect(resolveSanitized(undefined, options)).toBeUndefined();
  });
});
