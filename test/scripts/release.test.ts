import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { copyRepository, git } from './repository-copy';

/**
 * The path of one build from an application's pipeline to prod, run for real on a temporary
 * copy of the repository: `npm run release` (scripts/release.mjs, what templates/ci/ calls
 * once the application's tests passed and its image is pushed) records Feature-models' new
 * backend in dev, and `npm run promote` takes that commit's image on to staging. Bad input is
 * refused before anything is written.
 */
const NEW_BACKEND = `feature-models-backend:1.1.0@sha256:${'cd34'.repeat(16)}`;

function run(dir: string, script: string, ...args: string[]) {
  const r = spawnSync('node', [`scripts/${script}.mjs`, ...args], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const readRelease = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'charts/releases/feature-models.json'), 'utf8'));

/** The main container's image of every Deployment, Rollout and Job of a folder, by name. */
function imagesOf(folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of fs.readdirSync(folder).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(folder, file), 'utf8')).map((d) => d.toJS())) {
      if (['Deployment', 'Rollout', 'Job'].includes(doc?.kind))
        out[doc.metadata.name.replace(/-[0-9a-f]{8}$/, '')] = doc.spec.template.spec.containers[0].image;
    }
  }
  return out;
}

const changedFiles = (dir: string) =>
  git(dir, 'status', '--porcelain')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.slice(3));

let dir: string;
beforeAll(() => {
  dir = copyRepository('release');
}, 120_000);

describe('bad input: exit 2 with what is wrong, nothing written', () => {
  afterEach(() => expect(changedFiles(dir)).toEqual([]));
  test.each([
    [[], /which system\?.*\n.*--image is required/s],
    [['feature-models'], /--image is required/],
    [
      ['feature-models', '--image', 'backend=feature-models-backend:1.1.0'],
      /'feature-models-backend:1.1.0' must be a registry path with a tag and its digest/,
    ],
    [['feature-models', '--image', `backend=feature-models-backend@sha256:${'a'.repeat(64)}`], /must be a registry path with a tag and its digest/],
    [['feature-models', '--image', 'backend'], /--image needs <component>=<image>/],
    [['feature-models', '--image', `backend=${NEW_BACKEND}`, '--image', `backend=${NEW_BACKEND}`], /--image backend is given twice/],
    [['feature-models', '--env', 'prod', '--image', `backend=${NEW_BACKEND}`], /unknown option '--env'/],
    [['feature-models', '--image', `frontend=${NEW_BACKEND}`], /records no frontend in dev \(it records backend\)/],
    [['techshop', '--image', `app=${NEW_BACKEND}`], /techshop records no images per environment \(no charts\/releases\/techshop.json\)/],
  ])('%j', (args, message) => {
    const r = run(dir, 'release', ...(args as string[]));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe("a build of Feature-models' backend released to dev, then promoted to staging", () => {
  let released: ReturnType<typeof run>;
  let promoted: ReturnType<typeof run>;
  let afterRelease: string[];
  let plan: string;
  beforeAll(() => {
    released = run(dir, 'release', 'feature-models', '--image', `backend=${NEW_BACKEND}`);
    afterRelease = changedFiles(dir).sort();
    plan = fs.readFileSync(path.join(dir, 'charts/releases/feature-models.dev.plan.md'), 'utf8');
    // The reviewer merges the pull request (the commit the plan file describes), Argo CD deploys dev.
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-F', 'charts/releases/feature-models.dev.plan.md');
    promoted = run(dir, 'promote', 'feature-models', '--from', 'dev', '--to', 'staging');
  }, 600_000);

  test('the release exits 0 and says what to commit', () => {
    expect(released.stderr).toBe('');
    expect(released.status).toBe(0);
    expect(released.stdout).toContain('released feature-models to dev: 1 image(s) changed; plan in charts/releases/feature-models.dev.plan.md');
  });

  test("dev's entry has the build, digest included; staging and prod are untouched", () => {
    const release = git(dir, 'show', 'HEAD:charts/releases/feature-models.json');
    expect(JSON.parse(release).dev.backend).toBe(NEW_BACKEND);
    expect(JSON.parse(release).prod.backend).toBe('feature-models-backend:1.0.0');
  });

  test('the backend, its prestart Job and the worker run it in dev; nothing outside dev’s folder and the release files changed', () => {
    const images = imagesOf(path.join(dir, 'dist/dev/feature-models'));
    for (const name of ['backend', 'prestart', 'celery-worker'])
      expect([name, images[name]]).toEqual([name, `registry.dev.stackworks.io/${NEW_BACKEND}`]);
    expect(images.frontend).not.toContain('1.1.0');
    expect(afterRelease.filter((f) => !f.startsWith('dist/dev/feature-models/'))).toEqual([
      'charts/releases/feature-models.dev.plan.md',
      'charts/releases/feature-models.json',
    ]);
  });

  test('the plan of dev starts with the commit subject and names the change', () => {
    expect(plan.split('\n')[0]).toBe(`Release feature-models to dev: backend feature-models-backend:1.1.0@${'cd34'.repeat(3)}`);
    expect(plan).toContain(`- backend: feature-models-backend:1.0.0 -> ${NEW_BACKEND}`);
    expect(plan).toContain('dev/feature-models');
  });

  test('the commit is promoted to staging: the same image, by digest', () => {
    expect(promoted.stderr).toBe('');
    expect(promoted.status).toBe(0);
    expect(readRelease(dir).staging.backend).toBe(NEW_BACKEND);
    expect(imagesOf(path.join(dir, 'dist/staging/feature-models')).backend).toBe(`registry.stackworks.io/${NEW_BACKEND}`);
    expect(fs.readFileSync(path.join(dir, 'charts/releases/feature-models.staging.plan.md'), 'utf8').split('\n')[0]).toBe(
      'Promote feature-models from dev to staging',
    );
  });
});
