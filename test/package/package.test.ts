/**
 * The package as a user gets it, offline: `npm pack`, `cdk8s-stacks init` from the packed
 * tarball, install it into the new project (from the npm cache `npm ci` filled), synthesize,
 * and validate every object strictly; then the project's own tests, and the load-time check
 * for a second copy of cdk8s. About two minutes on a busy 2-core machine, most of it `tsc`.
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { validateManifestTree } from '../support/schema/validate-tree';
import { scaffoldLockfile } from './lockfile';

const ROOT = path.join(__dirname, '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-stacks-package-'));
const project = path.join(work, 'my-stacks');
let tarball = '';
let packedFiles: string[] = [];

/** Runs a command, failing with its whole output when it fails. */
function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

beforeAll(() => {
  const output = run('npm', ['pack', '--json', '--pack-destination', work], ROOT).stdout;
  const packed = JSON.parse(output) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = path.join(work, packed[0].filename);
  packedFiles = packed[0].files.map((f) => f.path);
  execFileSync('tar', ['xzf', tarball, '-C', work]);
}, 300_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('the tarball ships the compiled library, its declarations, the bin and the templates, and nothing else', () => {
  const wanted = ['lib-dist/lib/index.js', 'lib-dist/lib/index.d.ts', 'bin/cdk8s-stacks.js', 'templates/app/main.ts', 'CHANGELOG.md'];
  expect(packedFiles).toEqual(expect.arrayContaining(wanted));
  const unexpected = packedFiles.filter(
    (f) =>
      /^(test|charts|dist|scripts|api|imports\/crds|node_modules|\.build)\//.test(f) ||
      // The scaffold's own files (its example test included) are templates, not this library's sources or tests.
      (!f.startsWith('templates/') && (/\.test\.[jt]s$/.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)))) ||
      f === 'main.ts',
  );
  expect(unexpected).toEqual([]);
  const manifest = JSON.parse(fs.readFileSync(path.join(work, 'package', 'package.json'), 'utf8'));
  expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['cdk8s', 'cdk8s-plus-27', 'constructs']);
  expect(manifest.dependencies).not.toHaveProperty('cdk8s');
});

test('init writes a project that installs offline, synthesizes valid manifests and passes its own tests', () => {
  const init = run(process.execPath, [path.join(work, 'package', 'bin', 'cdk8s-stacks.js'), 'init', project], work);
  expect(init.stdout).toContain('npm install && npm run synth');
  for (const file of ['cdk8s.yaml', 'main.ts', 'systems/example.ts', 'test/example.test.ts', '.ci/run', 'README.md', '.gitignore']) {
    expect(fs.existsSync(path.join(project, file))).toBe(true);
  }

  // Point the dependency at the tarball, and lock it to this repository's versions for --offline.
  const manifest = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
  expect(manifest.dependencies['cdk8s-stacks']).toBe('^0.1.0');
  const spec = `file:../${path.basename(tarball)}`;
  manifest.dependencies['cdk8s-stacks'] = spec;
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify(manifest, null, 2));
  const lock = scaffoldLockfile(path.join(ROOT, 'package-lock.json'), manifest, { file: tarball, spec });
  fs.writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify(lock, null, 2));
  run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], project);

  const synth = run('npm', ['run', 'synth'], project);
  expect(synth.stdout).toContain('dist/prod/example');
  const { objects, problems } = validateManifestTree(path.join(project, 'dist'));
  expect(problems).toEqual([]);
  expect(objects).toBeGreaterThan(40);
  expect(fs.readdirSync(path.join(project, 'dist')).sort()).toEqual(['dev', 'prod', 'staging']);

  const tests = run('npm', ['test'], project, { CI: '' });
  expect(tests.stdout).toMatch(/# pass 3\b/);
  expect(fs.existsSync(path.join(project, 'test', '__snapshots__', 'dev.json'))).toBe(true);
  // The second run compares with the snapshot the first one recorded.
  expect(run('npm', ['test'], project, { CI: 'true' }).stdout).toMatch(/# fail 0\b/);
}, 600_000);

test("cdk8s-stacks plan runs the project's own synth command in memory: no changes, then a risky change fails --check", () => {
  const bin = path.join(project, 'node_modules', 'cdk8s-stacks', 'bin', 'cdk8s-stacks.js');
  const git = (...args: string[]) => run('git', args, project);
  git('init', '-q');
  git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'add', '-A');
  git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'baseline');
  const unchanged = run(process.execPath, [bin, 'plan', '--check'], project);
  expect(unchanged.stdout).toMatch(/^No changes: \d+ folders match the baseline \(HEAD:dist\/\)\.$/m);
  const example = path.join(project, 'systems', 'example.ts');
  const original = fs.readFileSync(example, 'utf8');
  fs.writeFileSync(
    example,
    original.replace("storage: env.pick({ dev: '1Gi', default: '5Gi' })", "storage: env.pick({ dev: '1Gi', default: '2Gi' })"),
  );
  const before = fs.readFileSync(path.join(project, 'dist', 'prod', 'example', '40-statefulset-cache.yaml'), 'utf8');
  const risky = spawnSync(process.execPath, [bin, 'plan', '--check', '--markdown', 'plan.md'], { cwd: project, encoding: 'utf8' });
  expect(risky.status).toBe(1);
  expect(risky.stdout).toMatch(/BLOCKING data-loss\.storage-shrunk prod\/example StatefulSet\/cache/);
  expect(risky.stderr).toMatch(/plan --check: \d+ blocking change\(s\) without acknowledgement/);
  expect(fs.readFileSync(path.join(project, 'plan.md'), 'utf8')).toMatch(/^## cdk8s-stacks plan$/m);
  // Nothing was written to dist/.
  expect(fs.readFileSync(path.join(project, 'dist', 'prod', 'example', '40-statefulset-cache.yaml'), 'utf8')).toBe(before);
  fs.writeFileSync(example, original);
}, 600_000);

test('a second copy of cdk8s under the library is named when the library loads', () => {
  const nested = path.join(project, 'node_modules', 'cdk8s-stacks', 'node_modules', 'cdk8s');
  fs.cpSync(path.join(project, 'node_modules', 'cdk8s'), nested, { recursive: true });
  try {
    const result = spawnSync(process.execPath, ['-e', "require('cdk8s-stacks')"], { cwd: project, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('two copies of cdk8s');
    expect(result.stderr).toContain(fs.realpathSync(nested));
    expect(result.stderr).toContain(fs.realpathSync(path.join(project, 'node_modules', 'cdk8s')));
  } finally {
    fs.rmSync(nested, { recursive: true, force: true });
  }
  expect(spawnSync(process.execPath, ['-e', "require('cdk8s-stacks')"], { cwd: project, encoding: 'utf8' }).status).toBe(0);
});

test('init refuses a folder that is not empty, and writes nothing there', () => {
  const result = spawnSync(process.execPath, [path.join(work, 'package', 'bin', 'cdk8s-stacks.js'), 'init', project], { encoding: 'utf8' });
  expect(result.status).toBe(2);
  expect(result.stderr).toContain('exists and is not an empty folder; nothing was written');
  expect(result.stderr).not.toMatch(/\n\s+at /);
});
