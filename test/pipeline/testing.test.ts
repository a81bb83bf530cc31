import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { ENVIRONMENTS, SYSTEMS } from '../../charts';
import { TechShopChart } from '../../charts/techshop';
import {
  Environment,
  manifestSnapshot,
  manifestSnapshotSerializer,
  Probe,
  SynthesisError,
  SynthesizedSystem,
  synthSystem,
  SystemChart,
  WebService,
} from '../../lib';
import * as testingEntry from '../../lib/testing';
import * as serializerEntry from '../../lib/snapshot-serializer';
import { synthesize } from '../../lib/pipeline/synth';
import { buildStacksApp } from '../../lib/pipeline/stacks-cli';
import { UNUSED_OUTDIR } from '../support/synth';

/** A small system for the helper's own tests: one web service, props given by the test. */
class Shop extends SystemChart {
  constructor(scope: Construct, env: Environment, replicas: unknown = 2) {
    super(scope, { system: 'shop', environment: env });
    new WebService(this, 'web', {
      image: 'ghcr.io/acme/shop:1.2.3',
      ports: [{ name: 'http', port: 8080 }],
      replicas: replicas as number,
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      readiness: Probe.http('/ready'),
    });
  }
}

describe('synthSystem: one system in one environment, in memory', () => {
  test('renders exactly what the synth writes for the system, and writes nothing', () => {
    const before = fs.existsSync(UNUSED_OUTDIR);
    const prod = synthSystem(TechShopChart, ENVIRONMENTS.prod);
    expect(prod.folder).toBe('prod/techshop');
    // The same objects, in the same order, as the synth of the whole repository renders for that folder.
    const app = buildStacksApp({ systems: SYSTEMS, environments: ENVIRONMENTS, selectEnvironments: ['prod'] });
    const whole = synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true })
      .objects.filter((o) => o.folder === 'prod/techshop')
      .map((o) => o.object);
    expect(prod.objects).toEqual(whole);
    expect(fs.existsSync(UNUSED_OUTDIR)).toBe(before);
  });

  test('takes a chart class or a factory; finders by kind, name and namespace', () => {
    const byClass = synthSystem(Shop, ENVIRONMENTS.dev);
    const byFactory = synthSystem((scope, env) => new Shop(scope, env, 3), ENVIRONMENTS.dev);
    expect(byClass.find('Deployment', 'web').spec.replicas).toBe(2);
    expect(byFactory.find('Deployment', 'web', 'shop-dev').spec.replicas).toBe(3);
    expect(byClass.tryFind('Deployment', 'web', 'elsewhere')).toBeUndefined();
    expect(byClass.all('Service').map((s) => s.metadata.name)).toEqual(['web']);
    expect(() => byClass.find('Deployment', 'api')).toThrow('dev/shop: no Deployment api; the Deployment objects are shop-dev/web');
    expect(() => byClass.find('CronJob', 'nightly')).toThrow('dev/shop: no CronJob nightly; there is no CronJob');
    // The system's folder only: the platform layer and Argo CD applications are rendered (and checked), not returned.
    expect(byClass.objects.every((o) => o.metadata.namespace === 'shop-dev' || o.kind === 'Namespace' || o.kind === 'PriorityClass')).toBe(true);
    expect(byClass.result.objects.some((o) => o.folder === 'dev/argocd')).toBe(true);
  });

  test('platform overrides: the same system on another Kubernetes release', () => {
    const shop = synthSystem(Shop, ENVIRONMENTS.prod, { platform: { kubernetesVersion: '1.33' } });
    expect(shop.environment.platform.kubernetesVersion).toBe('1.33');
    expect(ENVIRONMENTS.prod.platform.kubernetesVersion).toBe('1.27');
  });

  test('invalid input throws one readable error with every problem, construct paths included, no duplicates', () => {
    let error: unknown;
    try {
      synthSystem((scope, env) => new Shop(scope, env, -1), ENVIRONMENTS.prod);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthesisError);
    const message = (error as Error).message;
    expect(message).toMatch(/^\d+ validation errors?:\n {2}\[shop-prod\/web\] replicas: /);
    const lines = message.split('\n').slice(1);
    expect(new Set(lines).size).toBe(lines.length);
    expect(message).not.toMatch(/\n\s+at /);
  });

  test('bad arguments are refused together, before anything is built', () => {
    expect(() => synthSystem('shop' as never, 'prod' as never, { platform: 3 as never })).toThrow(
      new SynthesisError([
        {
          path: 'synthSystem',
          id: 'testing.synth-system-arguments',
          message: "system must be a SystemChart class or a factory (scope, env) => chart (is 'shop')",
        },
        {
          path: 'synthSystem',
          id: 'testing.synth-system-arguments',
          message: "environment must be an Environment, e.g. ENVIRONMENTS.dev (is 'prod')",
        },
        {
          path: 'synthSystem',
          id: 'testing.synth-system-arguments',
          message: "options.platform must be fields of a cluster profile, e.g. { kubernetesVersion: '1.33' } (is number 3)",
        },
      ]).message,
    );
  });
});

describe('manifestSnapshotSerializer: one YAML document per object, sorted, stable keys', () => {
  const objects = [
    { kind: 'Service', apiVersion: 'v1', metadata: { namespace: 'b', name: 'web' }, spec: { z: 1, a: { y: 2, b: 3 } } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'b' }, spec: { replicas: 2 } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'b' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'zeta', namespace: 'a' } },
  ];

  test('sorted by apiVersion, kind, namespace, name; apiVersion, kind, metadata first, the rest alphabetical', () => {
    expect(manifestSnapshot(objects)).toBe(
      [
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: b\nspec:\n  replicas: 2\n',
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: zeta\n  namespace: a\n',
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: b\n',
        // `y` is quoted: YAML 1.1 readers (kubectl) would read it as a boolean.
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: b\nspec:\n  a:\n    b: 3\n    "y": 2\n  z: 1\n',
      ].join('---\n'),
    );
  });

  test('the order the constructs made the objects in does not change the snapshot', () => {
    expect(manifestSnapshot([...objects].reverse())).toBe(manifestSnapshot(objects));
  });

  test('a rendered system: every object once, as YAML a reader parses back', () => {
    const prod = synthSystem(TechShopChart, ENVIRONMENTS.prod);
    expect(manifestSnapshotSerializer.test(prod)).toBe(true);
    const documents = parseAllDocuments(manifestSnapshotSerializer.serialize(prod));
    expect(documents.flatMap((d) => d.errors)).toEqual([]);
    const parsed = documents.map((d) => d.toJS({ version: '1.1' }) as Record<string, unknown>);
    expect(parsed).toHaveLength(prod.objects.length);
    expect(new Set(parsed.map((o) => JSON.stringify(sortDeep(o))))).toEqual(new Set(prod.objects.map((o) => JSON.stringify(sortDeep(o)))));
  });

  test('recognises rendered systems, object lists and single objects; leaves anything else to jest', () => {
    expect(manifestSnapshotSerializer.test(objects)).toBe(true);
    expect(manifestSnapshotSerializer.test(objects[0])).toBe(true);
    for (const other of [[], [1], 'x', null, { kind: 'Service' }, { isSynthesizedSystem: 'yes' }])
      expect(manifestSnapshotSerializer.test(other)).toBe(false);
  });

  test('the package entry points: cdk8s-stacks/testing and the jest-configuration module', () => {
    expect(testingEntry.synthSystem).toBe(synthSystem);
    expect(testingEntry.SynthesizedSystem).toBe(SynthesizedSystem);
    expect(testingEntry.manifestSnapshotSerializer).toBe(manifestSnapshotSerializer);
    expect(serializerEntry.test).toBe(manifestSnapshotSerializer.test);
    expect(serializerEntry.serialize).toBe(manifestSnapshotSerializer.serialize);
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
    expect(Object.keys(manifest.exports)).toEqual(['.', './testing', './snapshot-serializer', './package.json']);
  });
});

/** JSON with keys sorted at every level, for comparing objects whatever their key order. */
function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortDeep((value as Record<string, unknown>)[k])]),
  );
}
