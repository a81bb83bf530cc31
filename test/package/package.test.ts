/**
 * The package as a user gets it, offline: `npm pack`, `cdk8s-stacks init` from the packed
 * tarball, install it into the new project (from the npm cache `npm ci` filled), synthesize,
 * and validate every object strictly; every subset form of the synth (--env, --system, both,
 * the variables, npx cdk8s synth and its --stdout) through the library's runner; then the
 * project's own jest tests (snapshots recorded, compared with --ci, a change failing with a
 * readable diff); under Node.js 20, 22 and 24 (pinned runtimes from the npm registry, cached
 * under $CDK8S_STACKS_CACHE/node) the same dist/ and passing tests, and an ES module consumer
 * importing both entry points; the load-time check for a second copy of cdk8s. A few minutes
 * on a busy 2-core machine, most of it `tsc`; the first run also downloads the three runtimes
 * (about 40 s).
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { validateManifestTree } from '../support/schema/validate-tree';
import { treeDigest } from '../support/synth';
import { scaffoldLockfile } from './lockfile';
import { NODE_RUNTIMES, nodeRuntime } from './node-runtimes';

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
  const wanted = [
    'lib-dist/lib/index.js',
    'lib-dist/lib/index.mjs',
    'lib-dist/lib/index.d.ts',
    'lib-dist/lib/testing.js',
    'lib-dist/lib/testing.mjs',
    'lib-dist/lib/snapshot-serializer.js',
    'lib-dist/lib/policy/kubernetes-api.json',
    'bin/cdk8s-stacks.js',
    'templates/app/main.ts',
    'templates/app/jest.config.js',
    'CHANGELOG.md',
  ];
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
  for (const file of [
    'cdk8s.yaml',
    'main.ts',
    'systems/example.ts',
    'test/example.test.ts',
    'jest.config.js',
    '.ci/run',
    'README.md',
    '.gitignore',
  ]) {
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
  writeEsmConsumer(project);

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

  // The scaffold's own tests: jest with --ci, so the first run cannot record the snapshots...
  const unrecorded = spawnSync('npm', ['test'], { cwd: project, encoding: 'utf8', env: { ...process.env, CI: '' } });
  expect(unrecorded.status).not.toBe(0);
  expect(unrecorded.stderr).toContain('New snapshot was not written');
  const snapshots = path.join(project, 'test', '__snapshots__', 'example.test.ts.snap');
  expect(fs.existsSync(snapshots)).toBe(false);
  // ...`npm run test:update` does, and then `npm test` passes, comparing with them.
  run('npm', ['run', 'test:update'], project);
  const tests = run('npm', ['test'], project, { CI: '' });
  expect(tests.stderr).toMatch(/^Tests: +5 passed, 5 total$/m);
  expect(tests.stderr).toMatch(/^Snapshots: +3 passed, 3 total$/m);
  // Readable snapshots: YAML documents, sorted, the objects of dist/ (the serializer from the package).
  const recorded = fs.readFileSync(snapshots, 'utf8');
  expect(recorded).toContain('exports[`prod manifests match the snapshot 1`] = `\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n');
  expect(recorded).not.toContain('"apiVersion"');
}, 1_200_000);

test("a change to a system fails the project's tests with a readable diff, and so does a snapshot no test uses", () => {
  const example = path.join(project, 'systems', 'example.ts');
  const snapshots = path.join(project, 'test', '__snapshots__', 'example.test.ts.snap');
  const original = fs.readFileSync(example, 'utf8');
  const recorded = fs.readFileSync(snapshots, 'utf8');
  try {
    expect(original).toContain("readiness: Probe.http('/'),");
    fs.writeFileSync(example, original.replace("readiness: Probe.http('/'),", "readiness: Probe.http('/ready'),"));
    const changed = spawnSync('npm', ['test'], { cwd: project, encoding: 'utf8', env: { ...process.env, CI: '' } });
    expect(changed.status).not.toBe(0);
    expect(changed.stderr).toMatch(/^Snapshots: +3 failed, 3 total$/m);
    // The diff is the YAML line that changed, under the object it belongs to.
    expect(changed.stderr).toContain('- Snapshot');
    expect(changed.stderr).toContain('+ Received');
    expect(changed.stderr).toMatch(/^ *- +path: \/$/m);
    expect(changed.stderr).toMatch(/^ *\+ +path: \/ready$/m);
    // The snapshot file was not rewritten (--ci).
    expect(fs.readFileSync(snapshots, 'utf8')).toBe(recorded);
  } finally {
    fs.writeFileSync(example, original);
  }
  try {
    fs.writeFileSync(snapshots, `${recorded}\nexports[\`a test that is gone 1\`] = \`x\`;\n`);
    const obsolete = spawnSync('npm', ['test'], { cwd: project, encoding: 'utf8', env: { ...process.env, CI: '' } });
    expect(obsolete.status).not.toBe(0);
    expect(obsolete.stderr).toMatch(/1 snapshot obsolete/);
  } finally {
    fs.writeFileSync(snapshots, recorded);
  }
  run('npm', ['test'], project, { CI: '' });
}, 600_000);

describe.each(Object.keys(NODE_RUNTIMES))('Node.js %s', (version) => {
  let node = '';
  beforeAll(() => {
    node = nodeRuntime(version);
  }, 300_000);

  test('CommonJS: the project synthesizes the same dist/ and its tests pass', () => {
    const out = path.join(work, `dist-node-${version}`);
    // .build/ is the project's compiled code (npm run synth compiled it): the same JavaScript on every line.
    const synth = run(node, [path.join(project, '.build', 'main.js'), '--outdir', out], project);
    expect(synth.stdout).toMatch(/^ {2}prod\/example\s+\d+ objects/m);
    expect(equalDigests(treeDigest(out), treeDigest(path.join(project, 'dist')))).toBe(true);
    const tests = run(node, [path.join(project, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci'], project, { CI: '' });
    expect(tests.stderr).toMatch(/^Snapshots: +3 passed, 3 total$/m);
  }, 600_000);

  test('ES modules: `import` of both entry points gets the one library the CommonJS code uses', () => {
    const result = run(node, [path.join(project, 'esm', 'consumer.mjs'), path.join(work, `dist-esm-${version}`)], project);
    const report = JSON.parse(result.stdout.trim().split('\n').pop()!);
    expect(report).toEqual({
      node: `v${version}`,
      sameTestingExports: true,
      serializer: true,
      replicas: 1,
      image: 'ghcr.io/acme/hello:1.0.0',
      snapshotStart: 'apiVersion: apps/v1',
      exitCode: 0,
      written: ['dev/hello'],
    });
  }, 300_000);
});

test('an ES module written in TypeScript type-checks against both entry points (module nodenext)', () => {
  const tsc = path.join(project, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [
    '--noEmit',
    '--strict',
    '--skipLibCheck',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
    '--types',
    'node',
  ];
  // One program: the consumer must compile, and a wrong type beside it must be reported (the check can fail).
  const bad = path.join(project, 'esm', 'bad.mts');
  fs.writeFileSync(bad, "import { KubernetesVersion } from 'cdk8s-stacks';\nexport const v: KubernetesVersion = '1.26';\n");
  const checked = spawnSync(process.execPath, [tsc, ...args, path.join(project, 'esm', 'types.mts'), bad], { cwd: project, encoding: 'utf8' });
  fs.rmSync(bad);
  expect(checked.stdout.trim().split('\n')).toEqual([
    expect.stringMatching(/^esm\/bad\.mts\(2,14\): error TS2322: Type '"1\.26"' is not assignable to type '"1\.27" \| /),
  ]);
}, 300_000);

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

/**
 * An ES module consumer in the project: its own system (a class extending the library's
 * SystemChart, imported with `import`), the project's environments from its compiled CommonJS
 * code, rendered with synthSystem and written with runStacksCli; it prints what it saw. A
 * second copy of the library (an ESM build beside the CommonJS one) would fail its instanceof
 * checks. `types.mts`: the same imports, type-checked.
 */
function writeEsmConsumer(dir: string): void {
  fs.mkdirSync(path.join(dir, 'esm'));
  fs.writeFileSync(
    path.join(dir, 'esm', 'consumer.mjs'),
    `import { Probe, runStacksCli, SystemChart, synthSystem, WebService } from 'cdk8s-stacks';
import * as testing from 'cdk8s-stacks/testing';
import serializer from 'cdk8s-stacks/snapshot-serializer';
import { readdirSync } from 'node:fs';
import { ENVIRONMENTS } from '../.build/environments.js';

class Hello extends SystemChart {
  constructor(scope, env) {
    super(scope, { system: 'hello', environment: env });
    new WebService(this, 'web', {
      image: 'ghcr.io/acme/hello:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
      readiness: Probe.http('/'),
    });
  }
}

const dev = synthSystem(Hello, ENVIRONMENTS.dev);
const outdir = process.argv[2];
const exitCode = runStacksCli({ systems: { hello: (s, e) => new Hello(s, e) }, environments: ENVIRONMENTS, outdir, argv: ['--env', 'dev', '--system', 'hello'], log: () => {} });
console.log(JSON.stringify({
  node: process.version,
  sameTestingExports: testing.synthSystem === synthSystem,
  serializer: serializer.test(dev),
  replicas: dev.find('Deployment', 'web').spec.replicas,
  image: dev.find('Deployment', 'web').spec.template.spec.containers[0].image,
  snapshotStart: testing.manifestSnapshot(dev.objects).split('\\n')[0],
  exitCode,
  written: readdirSync(outdir).flatMap((env) => readdirSync(outdir + '/' + env).map((f) => env + '/' + f)).filter((f) => f.endsWith('/hello')),
}));
`,
  );
  fs.writeFileSync(
    path.join(dir, 'esm', 'types.mts'),
    `import { type KubernetesVersion, SynthesizedSystem, synthSystem } from 'cdk8s-stacks';
import { manifestSnapshotSerializer } from 'cdk8s-stacks/testing';
import { serialize } from 'cdk8s-stacks/snapshot-serializer';

export const version: KubernetesVersion = '1.33';
export const render: typeof synthSystem = synthSystem;
export const serializers: Array<(value: unknown) => string> = [manifestSnapshotSerializer.serialize, serialize];
export function replicas(system: SynthesizedSystem): unknown {
  return system.find('Deployment', 'web').spec;
}
`,
  );
}
