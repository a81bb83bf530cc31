import { App } from 'cdk8s';
import { ArgoCdApplications, SystemChart } from '../../lib';
import { errorsOf, objectsOf, testEnv, UNUSED_OUTDIR } from '../support/synth';

/** Each system's Application follows the revision its chart names; the environment's own ones follow the profile's. */
describe('a system that deploys from its own branch in one environment', () => {
  const app = new App({ outdir: UNUSED_OUTDIR });
  const env = testEnv('dev');
  new SystemChart(app, { system: 'shop', environment: env, targetRevision: 'develop' });
  new SystemChart(app, { system: 'blog', environment: env });
  new ArgoCdApplications(app, { environment: env, systems: ['shop', 'blog'] });
  const applications = () => Object.fromEntries(objectsOf(app, 'Application').map((a) => [a.metadata.name, a.spec.source]));

  test('synthesizes without errors', () => {
    expect(errorsOf(app)).toEqual([]);
  });

  test("the system's Application follows its branch, at its own folder", () => {
    expect(applications()['shop-dev']).toEqual(expect.objectContaining({ path: 'dist/dev/shop', targetRevision: 'develop' }));
  });

  test("a system that names none, the root and the platform follow the profile's revision", () => {
    const profile = env.platform.gitops.targetRevision;
    expect(profile).toBe('main');
    expect(applications()['blog-dev'].targetRevision).toBe(profile);
    expect(applications()['stacks-dev'].targetRevision).toBe(profile);
    expect(applications()['platform-dev'].targetRevision).toBe(profile);
  });
});

test('a commit id is a revision', () => {
  const app = new App({ outdir: UNUSED_OUTDIR });
  const commit = 'ab12'.repeat(10);
  const chart = new SystemChart(app, { system: 'shop', environment: testEnv('prod'), targetRevision: commit });
  expect(errorsOf(app)).toEqual([]);
  expect(chart.targetRevision).toBe(commit);
});

describe('a revision git cannot resolve is a collected error', () => {
  test.each([
    ['', /targetRevision: '' must be a branch, tag or commit/],
    ['feature branch', /'feature branch' is not a Git ref name \(contains a space/],
    ['release/../main', /contains '\.\.'/],
    ['main.lock', /ends with '\/', '\.' or '\.lock'/],
    ['-x', /starts with '-'/],
    [42, /targetRevision: /],
  ])('%j', (revision, message) => {
    const app = new App({ outdir: UNUSED_OUTDIR });
    new SystemChart(app, { system: 'shop', environment: testEnv('staging'), targetRevision: revision as string });
    const errors = errorsOf(app).filter((e) => e.includes('targetRevision'));
    expect(errors.join('\n')).toMatch(/^\[shop-staging\] targetRevision: /);
    expect(errors.join('\n')).toMatch(message);
  });

  test("in the cluster profile's gitops too", () => {
    const app = new App({ outdir: UNUSED_OUTDIR });
    const env = testEnv('staging', { platform: { gitops: { repoURL: 'https://github.com/stackworks/cdk8s-stacks.git', targetRevision: 'main~1' } } });
    new SystemChart(app, { system: 'shop', environment: env });
    expect(errorsOf(app).join('\n')).toMatch(/environment\.platform\.gitops\.targetRevision: 'main~1' is not a Git ref name/);
  });
});
