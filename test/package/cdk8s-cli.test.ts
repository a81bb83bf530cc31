/**
 * The cdk8s CLI path: `cdk8s synth` lists a file per synthesized folder, and `cdk8s synth
 * --stdout` prints the manifests of the system and environment selected with CDK8S_STACKS_ENV
 * and CDK8S_STACKS_SYSTEM: the same objects as the committed dist/ folder. The app writes a
 * temporary dist (--outdir) so that the repository's dist/ is not touched by the test.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { TEMPORARY_FOLDERS, tmpdir } from '../support/synth';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'node_modules', '.bin', 'cdk8s');

function cdk8sSynth(args: readonly string[], env: NodeJS.ProcessEnv): { stdout: string; stderr: string; outdir: string } {
  const outdir = path.join(tmpdir('cli'), 'dist');
  // Under the repository, so that the bundle finds node_modules.
  fs.mkdirSync(path.join(ROOT, '.build'), { recursive: true });
  const build = fs.mkdtempSync(path.join(ROOT, '.build', 'cli-test-'));
  TEMPORARY_FOLDERS.push(build);
  const bundle = path.join(build, 'main.js');
  // The CLI's app is the repository's own pipeline, bundled apart so it cannot race `npm run synth`.
  const app = `node scripts/build.mjs --outfile ${bundle} && node ${bundle} --outdir ${outdir}`;
  const options = { cwd: ROOT, encoding: 'utf8' as const, env: { ...process.env, ...env } };
  const result = spawnSync(CLI, ['synth', '--no-check-upgrade', '--app', app, ...args], options);
  if (result.status !== 0) throw new Error(`cdk8s synth ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr, outdir };
}

/** The objects `kubectl apply -k` applies from a dist folder. */
function appliedObjects(folder: string): unknown[] {
  const kustomization = parse(fs.readFileSync(path.join(folder, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  return kustomization.resources.map((file) => parse(fs.readFileSync(path.join(folder, file), 'utf8')));
}

test('cdk8s synth --stdout prints the selected system and environment: the same objects as dist/', () => {
  const { stdout, outdir } = cdk8sSynth(['--stdout'], { CDK8S_STACKS_ENV: 'prod', CDK8S_STACKS_SYSTEM: 'loopi' });
  const documents = parseAllDocuments(stdout);
  expect(documents.flatMap((d) => d.errors.map(String))).toEqual([]);
  const printed = documents.map((d) => d.toJS());
  const committed = appliedObjects(path.join(ROOT, 'dist', 'prod', 'loopi'));
  expect(committed.length).toBeGreaterThan(20);
  expect(printed).toEqual(committed);
  // Only the selected folder was synthesized.
  expect(fs.readdirSync(outdir)).toEqual(['prod']);
  expect(fs.readdirSync(path.join(outdir, 'prod'))).toEqual(['loopi']);
}, 180_000);

test('cdk8s synth lists one manifest file per synthesized folder', () => {
  const { stdout } = cdk8sSynth([], { CDK8S_STACKS_ENV: 'staging', CDK8S_STACKS_SYSTEM: 'techshop,loopi' });
  expect(stdout).not.toContain('No manifests synthesized');
  const listed = stdout
    .split('\n')
    .filter((l) => l.startsWith('  - '))
    .map((l) => path.basename(l.slice(4)));
  expect(listed.sort()).toEqual(['staging-loopi.k8s.yaml', 'staging-techshop.k8s.yaml']);
}, 180_000);
