import { ApiObject, App, IResolver, JsonPatch, Lazy, ResolutionContext } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { SynthesisError, SystemChart, synthesize } from '../../lib';
import { testEnv, UNUSED_OUTDIR } from '../support/synth';

/**
 * The pipeline renders objects through cdk8s's public `ApiObject.toJson()`, so every
 * resolver of the App (its own and cdk8s's built-in ones) takes part, in cdk8s's order.
 */

/** Replaces `${name}` placeholders in strings: an App-level resolver as a user would write one. */
class PlaceholderResolver implements IResolver {
  readonly seen: string[] = [];
  constructor(private readonly values: Record<string, string>) {}
  resolve(context: ResolutionContext): void {
    if (typeof context.value !== 'string') return;
    const match = /^\$\{(\w+)\}$/.exec(context.value);
    if (!match || !(match[1] in this.values)) return;
    this.seen.push(`${context.obj.kind}:${context.key.join('.')}`);
    context.replaceValue(this.values[match[1]]);
  }
}

function synthObjects(app: App): Array<Record<string, any>> {
  return synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true, rules: [] }).objects.map((o) => o.object);
}

describe('rendering goes through cdk8s resolution', () => {
  test("an App's own resolvers are applied to every value, with the object and key path", () => {
    const resolver = new PlaceholderResolver({ region: 'eu-west-1', tier: 'gold' });
    const app = new App({ outdir: UNUSED_OUTDIR, resolvers: [resolver] });
    const chart = new SystemChart(app, { system: 'resolvers', environment: testEnv('prod') });
    new k8s.KubeConfigMap(chart, 'settings', {
      metadata: { name: 'settings', annotations: { tier: '${tier}' } },
      data: { REGION: '${region}', OTHER: '${unknown}', LAZY: Lazy.any({ produce: () => '${region}' }) as unknown as string },
    });
    const object = synthObjects(app).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'settings')!;
    expect(object.data).toEqual({ LAZY: 'eu-west-1', OTHER: '${unknown}', REGION: 'eu-west-1' });
    expect(object.metadata.annotations.tier).toBe('gold');
    // cdk8s resolves metadata on its own, so its key paths start below `metadata`.
    expect(resolver.seen.sort()).toEqual(['ConfigMap:annotations.tier', 'ConfigMap:data.LAZY', 'ConfigMap:data.REGION']);
  });

  test('lazies, nested lazies, number-or-string unions, undefined and empty values, JSON patches', () => {
    const app = new App({ outdir: UNUSED_OUTDIR });
    const chart = new SystemChart(app, { system: 'builtins', environment: testEnv('prod') });
    // A custom resource: its body is free-form (the synth checks built-in kinds against the Kubernetes API).
    const object = new ApiObject(chart, 'o', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'thing', annotations: {}, labels: { b: '2', a: '1' } },
      spec: Lazy.any({
        produce: () => ({
          z: [1, Lazy.any({ produce: () => ({ deep: true, gone: undefined }) })],
          a: { empty: [], none: null },
          port: k8s.IntOrString.fromNumber(8080),
        }),
      }),
    } as any);
    object.addJsonPatch(JsonPatch.add('/spec/patched', 'yes'));
    new k8s.KubeService(chart, 's', { metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: k8s.IntOrString.fromString('http') }] } });

    const objects = synthObjects(app);
    const thing = objects.find((o) => o.kind === 'ServiceMonitor' && o.metadata.name === 'thing')!;
    // Keys sorted, undefined and null dropped, empty arrays kept in the body, patches applied last.
    expect(thing.spec).toEqual({ a: { empty: [] }, patched: 'yes', port: { value: 8080 }, z: [1, { deep: true }] });
    expect(Object.keys(thing.spec)).toEqual(['a', 'port', 'z', 'patched']);
    expect(Object.keys(thing).slice(0, 3)).toEqual(['apiVersion', 'kind', 'metadata']);
    // cdk8s drops the empty annotations; only the pipeline's own Argo CD annotations are there (a custom
    // resource also gets its sync options).
    expect(Object.keys(thing.metadata.annotations)).toEqual(['argocd.argoproj.io/sync-options', 'argocd.argoproj.io/sync-wave']);
    expect(thing.metadata.labels).toMatchObject({ a: '1', b: '2' });
    const service = objects.find((o) => o.kind === 'Service')!;
    expect(service.spec.ports).toEqual([{ port: 80, targetPort: 'http' }]);
  });

  test('values cdk8s cannot render, and throwing resolvers, are collected as synth errors with the construct path', () => {
    const failing: IResolver = {
      resolve: (context) => {
        if (context.value === 'explode') throw new Error('no value for explode');
      },
    };
    const app = new App({ outdir: UNUSED_OUTDIR, resolvers: [failing] });
    const chart = new SystemChart(app, { system: 'broken', environment: testEnv('prod') });
    class NotPlain {
      readonly x = 1;
    }
    new ApiObject(chart, 'odd', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'odd' }, data: { v: new NotPlain() } } as any);
    new ApiObject(chart, 'boom', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'boom' }, data: { v: 'explode' } });
    let error: unknown;
    try {
      synthObjects(app);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthesisError);
    expect((error as SynthesisError).issues).toEqual([
      {
        path: 'broken-prod/odd',
        id: 'render.value-not-renderable',
        message:
          "cannot be rendered (can't render non-simple object of type 'NotPlain'); " +
          'values must be plain objects, arrays, strings, numbers, booleans, Lazy values or resolvable tokens',
      },
      {
        path: 'broken-prod/boom',
        id: 'render.value-not-renderable',
        message:
          'cannot be rendered (no value for explode); ' +
          'values must be plain objects, arrays, strings, numbers, booleans, Lazy values or resolvable tokens',
      },
    ]);
  });
});
