import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { commit, copyRepository, git } from './repository-copy';

/**
 * `npm run promote` (scripts/promote.mjs) run for real on a temporary copy of the repository
 * (its files as git lists them, with this checkout's node_modules linked, committed as one
 * revision): a new staging release is promoted to prod, and bad input or a source that does
 * not run what it would promote is refused.
 */
const NEW_API = `chatnomina/api:1.1.0@sha256:${'ab12'.repeat(16)}`;

function promote(dir: string, ...args: string[]) {
  const r = spawnSync('node', ['scripts/promote.mjs', ...args], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const releaseFile = (dir: string) => path.join(dir, 'charts', 'releases', 'chatnomina.json');
const readRelease = (dir: string) => JSON.parse(fs.readFileSync(releaseFile(dir), 'utf8'));
function setRelease(dir: string, env: string, component: string, image: string): void {
  const release = readRelease(dir);
  release[env][component] = image;
  fs.writeFileSync(releaseFile(dir), `${JSON.stringify(release, null, 2)}\n`);
}

function containerImages(file: string): string[] {
  const [doc] = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS());
  return doc.spec.template.spec.containers.map((c: { image: string }) => c.image);
}

let dir: string;
beforeAll(() => {
  dir = copyRepository('promote');
}, 120_000);

describe('bad input: exit 2 with what is wrong', () => {
  test.each([
    [['chatnomina', '--from', 'staging'], '--to is required'],
    [['chatnomina', '--from', 'staging', '--to', 'production'], "--to 'production' is not an environment (dev, staging, prod)"],
    [['chatnomina', '--from', 'prod', '--to', 'prod'], "--from and --to are both 'prod'"],
    [['--from', 'staging', '--to', 'prod'], 'which system?'],
    [
      ['techshop', '--from', 'staging', '--to', 'prod'],
      'techshop records no images per environment (no charts/releases/techshop.json); systems with a release file: chatnomina, feature-models, loopi',
    ],
  ])('%j', (args, message) => {
    const r = promote(dir, ...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe('refusals: the source must run what it promotes', () => {
  afterEach(() => git(dir, 'reset', '-q', '--hard', 'HEAD'));

  test('an uncommitted source entry', () => {
    setRelease(dir, 'staging', 'api', NEW_API);
    const r = promote(dir, 'chatnomina', '--from', 'staging', '--to', 'prod');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('has uncommitted changes; commit (and deploy) staging first');
  });

  test('a committed entry whose dist/ was never re-synthesized', () => {
    setRelease(dir, 'staging', 'api', NEW_API);
    commit(dir, 'staging entry without its dist');
    try {
      const r = promote(dir, 'chatnomina', '--from', 'staging', '--to', 'prod');
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`staging does not run what it would promote: api ${NEW_API} not in dist/staging/chatnomina`);
      // Nothing was written.
      expect(readRelease(dir).prod.api).toBe('chatnomina/api:1.0.0');
    } finally {
      git(dir, 'reset', '-q', '--hard', 'HEAD~1');
    }
  });
});

describe('a staging release promoted to prod', () => {
  let result: ReturnType<typeof promote>;
  beforeAll(() => {
    // The release reaches staging first: its entry, its dist, committed (what Argo CD deploys).
    setRelease(dir, 'staging', 'api', NEW_API);
    execFileSync('node', ['scripts/synth.mjs', '--env', 'staging', '--system', 'chatnomina'], { cwd: dir, stdio: 'ignore' });
    commit(dir, 'api 1.1.0 in staging');
    result = promote(dir, 'chatnomina', '--from', 'staging', '--to', 'prod');
  }, 300_000);

  test('exits 0 and says what to commit', () => {
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('promoted chatnomina staging -> prod: 1 image(s) changed; plan in charts/releases/chatnomina.prod.plan.md');
  });

  test("prod's entry is staging's, digest included; staging and dev are untouched", () => {
    const release = readRelease(dir);
    expect(release.prod).toEqual({ api: NEW_API, chat: 'chatnomina/chat:1.0.0', auth: 'chatnomina/auth:1.0.0' });
    expect(release.dev.api).toBe('chatnomina/api:1.0.0');
  });

  test("prod's dist runs the new image in the Rollout; nothing outside prod's folder and the release files changed", () => {
    expect(containerImages(path.join(dir, 'dist/prod/chatnomina/60-rollout-api.yaml'))).toEqual([`registry.stackworks.io/${NEW_API}`]);
    expect(containerImages(path.join(dir, 'dist/prod/chatnomina/60-rollout-chat.yaml'))).toEqual(['registry.stackworks.io/chatnomina/chat:1.0.0']);
    const changed = git(dir, 'status', '--porcelain')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.slice(3))
      .sort();
    expect(changed.filter((f) => !f.startsWith('dist/prod/chatnomina/'))).toEqual([
      'charts/releases/chatnomina.json',
      'charts/releases/chatnomina.prod.plan.md',
    ]);
    expect(changed).toContain('dist/prod/chatnomina/60-rollout-api.yaml');
  });

  test('the plan of prod is attached, starting with a commit subject', () => {
    const plan = fs.readFileSync(path.join(dir, 'charts/releases/chatnomina.prod.plan.md'), 'utf8');
    expect(plan.split('\n')[0]).toBe('Promote chatnomina from staging to prod');
    expect(plan).toContain(`- api: chatnomina/api:1.0.0 -> ${NEW_API}`);
    expect(plan).toContain('prod/chatnomina');
    expect(plan).toContain('Rollout/api');
    expect(plan).toContain(NEW_API);
  });
});
