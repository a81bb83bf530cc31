/**
 * The package as a user gets it, offline: `npm pack`, `cdk8s-stacks init` from the packed
 * tarball, install it into the new project (from the npm cache `npm ci` filled), synthesize,
 * and validate every object strictly; every subset form of the synth (--env, --system, both,
 * the variables, npx cdk8s synth and its --stdout) through the library's runner; then the
 * project's own tests, and the load-time check for a second copy of cdk8s. A few minutes on a
 * busy 2-core machine, most of it `tsc`.
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { validateManifestTree } from '../support/schema/validate-tree';
import { treeDigest } from '../support/synth';
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

function equalDigests(a: Record<string, string>, b: Record<string, string>): boolean {
  const sorted = (d: Record<string, string>) => JSON.stringify(Object.entries(d).sort(([x], [y]) => (x < y ? -1 : 1)));
  return sorted(a) === sorted(b);
}

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

test('init writes a project that installs offline, synthesizes valid manifests in every form, and passes its own tests', () => {
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
  expect(synth.stdout).toMatch(/^ {2}prod\/example\s+\d+ objects/m);
  // The library's runner: the same report as the repository's synth.
  expect(synth.stdout).toContain('Policy waivers:');
  expect(synth.stdout).toContain('Security exceptions:');
  const { objects, problems } = validateManifestTree(path.join(project, 'dist'));
  expect(problems).toEqual([]);
  expect(objects).toBeGreaterThan(40);
  expect(fs.readdirSync(path.join(project, 'dist')).sort()).toEqual(['dev', 'prod', 'staging']);
  expect(fs.existsSync(path.join(project, 'dist', 'prod', 'platform', 'kustomization.yaml'))).toBe(true);
  expect(fs.readFileSync(path.join(project, 'dist', 'prod', 'example', 'README.md'), 'utf8')).toContain('Generated by cdk8s-stacks from `systems/`.');
  const complete = treeDigest(path.join(project, 'dist'));

  // Every subset form leaves the complete output as it was (one system: each form rewrites its part identically).
  for (const [args, env] of [
    [['run', 'synth', '--', '--env', 'prod'], {}],
    [['run', 'synth', '--', '--env', 'dev'], {}],
    [['run', 'synth', '--', '--env', 'staging'], {}],
    [['run', 'synth', '--', '--system', 'example'], {}],
    [['run', 'synth', '--', '--env', 'prod', '--system', 'example'], {}],
    [['run', 'synth'], { CDK8S_STACKS_ENV: 'prod' }],
    [['exec', '--', 'cdk8s', 'synth', '--no-check-upgrade'], { CDK8S_STACKS_ENV: 'prod' }],
  ] as Array<[string[], Record<string, string>]>) {
    const form = `${Object.entries(env)
      .map(([k, v]) => `${k}=${v} `)
      .join('')}npm ${args.join(' ')}`;
    const result = spawnSync('npm', args, { cwd: project, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    expect({ form, status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ form, status: 0, stderr: '' });
    expect({ form, same: equalDigests(treeDigest(path.join(project, 'dist')), complete) }).toEqual({ form, same: true });
    expect({ form, left: fs.readdirSync(project).filter((e) => e.startsWith('.dist-staging-')) }).toEqual({ form, left: [] });
  }

  // The cdk8s CLI prints the selection: the project's only system is the whole environment, so its
  // folder, then the Argo CD applications and the platform layer, each as kubectl apply -k applies it.
  const printed = run('npx', ['cdk8s', 'synth', '--no-check-upgrade', '--stdout'], project, {
    CDK8S_STACKS_ENV: 'prod',
    CDK8S_STACKS_SYSTEM: 'example',
  });
  const documents = parseAllDocuments(printed.stdout);
  expect(documents.flatMap((d) => d.errors.map(String))).toEqual([]);
  const applied = (folder: string): unknown[] => {
    const dir = path.join(project, 'dist', 'prod', folder);
    const kustomization = parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    return kustomization.resources.map((f) => parse(fs.readFileSync(path.join(dir, f), 'utf8')));
  };
  const folders = ['example', 'argocd', 'platform', 'platform/prometheus'].filter((f) => fs.existsSync(path.join(project, 'dist', 'prod', f)));
  expect(documents.map((d) => d.toJS())).toEqual(folders.flatMap(applied));

  // Bad input: the runner's usage error, no stack trace, dist untouched.
  const bad = spawnSync('npm', ['run', 'synth', '--', '--env', 'qa'], { cwd: project, encoding: 'utf8' });
  expect(bad.status).not.toBe(0);
  expect(bad.stderr).toContain("error: unknown environment 'qa'; valid environments: dev, staging, prod");
  expect(bad.stderr).not.toMatch(/\n\s+at /);
  expect(equalDigests(treeDigest(path.join(project, 'dist')), complete)).toBe(true);

  const tests = run('npm', ['test'], project, { CI: '' });
  expect(tests.stdout).toMatch(/# pass 3\b/);
  expect(fs.existsSync(path.join(project, 'test', '__snapshots__', 'dev.json'))).toBe(true);
  // The second run compares with the snapshot the first one recorded.
  expect(run('npm', ['test'], project, { CI: 'true' }).stdout).toMatch(/# fail 0\b/);
}, 1_200_000);

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
