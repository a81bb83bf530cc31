import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { find, kinds, systemObjects } from './support';

/**
 * The systems' blue-green and canary releases (Argo Rollouts): Feature-models blue-green in
 * staging and prod (FM-40), ChatNomina canary with analysis in prod (CN-45), and, over every
 * folder of dist/, never a Deployment and a Rollout for the same workload.
 */
type Json = Record<string, any>;
const DIST = path.join(__dirname, '..', '..', 'dist');

/** Workloads run by both a Deployment and a Rollout in one folder: `<folder> <name>`. */
export function runTwice(folders: ReadonlyMap<string, readonly Json[]>): string[] {
  const out: string[] = [];
  for (const [folder, objects] of folders) {
    const rollouts = new Set(objects.filter((o) => o.kind === 'Rollout').map((o) => o.metadata.name));
    for (const d of objects.filter((o) => o.kind === 'Deployment')) if (rollouts.has(d.metadata.name)) out.push(`${folder} ${d.metadata.name}`);
  }
  return out.sort();
}

function distFolders(): Map<string, Json[]> {
  const out = new Map<string, Json[]>();
  for (const env of fs.readdirSync(DIST))
    for (const system of fs.readdirSync(path.join(DIST, env))) {
      const dir = path.join(DIST, env, system);
      if (!fs.statSync(dir).isDirectory()) continue;
      const objects = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
        .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()));
      out.set(`${env}/${system}`, objects);
    }
  return out;
}

describe('one object per workload', () => {
  test('no folder of dist/ runs a workload with both a Deployment and a Rollout', () => {
    const folders = distFolders();
    expect([...folders.values()].flat().filter((o) => o.kind === 'Rollout').length).toBeGreaterThanOrEqual(7);
    expect(runTwice(folders)).toEqual([]);
  });

  test('the check finds a workload run twice (it can fail)', () => {
    const object = (kind: string, name: string) => ({ kind, metadata: { name } });
    const folders = new Map([
      ['prod/shop', [object('Deployment', 'api'), object('Rollout', 'api'), object('Rollout', 'web'), object('Deployment', 'worker')]],
    ]);
    expect(runTwice(folders)).toEqual(['prod/shop api']);
  });
});

describe('Feature-models: blue-green releases in staging and prod (FM-40)', () => {
  test.each(['staging', 'prod'] as const)('%s: the backend and the dashboard are blue-green Rollouts, promoted by a person', (env) => {
    const objects = systemObjects('feature-models', env);
    expect(kinds(objects, 'Deployment').map((d) => d.metadata.name)).toEqual(['celery-worker']);
    for (const name of ['backend', 'frontend']) {
      const rollout = find(objects, 'Rollout', name);
      expect(rollout.spec.strategy.blueGreen).toMatchObject({ activeService: name, previewService: `${name}-preview`, autoPromotionEnabled: false });
      expect(find(objects, 'Service', `${name}-preview`).spec.selector).toEqual(find(objects, 'Service', name).spec.selector);
      expect(find(objects, 'HorizontalPodAutoscaler', name).spec.scaleTargetRef).toEqual({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        name,
      });
      expect(find(objects, 'PodDisruptionBudget', name).spec.selector.matchLabels).toEqual(rollout.spec.selector.matchLabels);
    }
    // The backend serves metrics: its error ratio is checked after the switch, which goes back on failure.
    expect(find(objects, 'Rollout', 'backend').spec.strategy.blueGreen.postPromotionAnalysis).toEqual({
      templates: [{ templateName: 'backend-error-ratio' }],
    });
    expect(find(objects, 'Rollout', 'frontend').spec.strategy.blueGreen.postPromotionAnalysis).toBeUndefined();
    expect(find(objects, 'AnalysisTemplate', 'backend-error-ratio').spec.metrics[0].successCondition).toBe('isNaN(result) || result <= 0.05');
  });

  test('dev keeps Deployments, and no Argo Rollouts', () => {
    const objects = systemObjects('feature-models', 'dev');
    expect(kinds(objects, 'Rollout')).toEqual([]);
    expect(
      kinds(objects, 'Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(['backend', 'celery-worker', 'frontend']);
  });
});

describe('ChatNomina: canary releases with automatic rollback in prod (CN-45)', () => {
  const prod = systemObjects('chatnomina', 'prod');

  test.each(['api', 'chat', 'auth'])('%s: 25, 50 and 75 % of the pods, five minutes each, its 5xx ratio against 1 %', (name) => {
    const canary = find(prod, 'Rollout', name).spec.strategy.canary;
    expect(canary.steps).toEqual([
      { setWeight: 25 },
      { pause: { duration: '5m' } },
      { setWeight: 50 },
      { pause: { duration: '5m' } },
      { setWeight: 75 },
      { pause: { duration: '5m' } },
    ]);
    expect(canary.analysis).toEqual({ templates: [{ templateName: `${name}-error-ratio` }], startingStep: 1 });
    const [metric] = find(prod, 'AnalysisTemplate', `${name}-error-ratio`).spec.metrics;
    expect(metric).toMatchObject({ interval: '1m', failureLimit: 1, successCondition: 'isNaN(result) || result <= 0.01' });
    expect(metric.provider.prometheus.query).toContain(`namespace="chatnomina-prod",job="${name}"`);
  });

  test('staging and dev roll Deployments (a release is tried in staging, then promoted)', () => {
    for (const env of ['dev', 'staging'] as const) expect(kinds(systemObjects('chatnomina', env), 'Rollout')).toEqual([]);
  });
});

test('the platform layer of staging and prod installs Argo Rollouts (feature-models and chatnomina need it); dev does not', () => {
  const platform = (env: string) => fs.readdirSync(path.join(DIST, env, 'platform'));
  expect(platform('prod')).toContain('95-application-argo-rollouts-prod.yaml');
  expect(platform('staging')).toContain('95-application-argo-rollouts-staging.yaml');
  expect(platform('dev').filter((f) => f.includes('argo-rollouts'))).toEqual([]);
});
