/**
 * The CLI path of `npm run synth` (runSynthCli, as main.ts uses it) run as a real process
 * on charts broken on purpose (test/fixtures/broken-chart/main.ts), bundled with esbuild
 * exactly as scripts/build.mjs bundles main.ts.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { buildSync } from 'esbuild';
import { tmpdir, treeDigest } from '../support/synth';

const ROOT = path.join(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, '.build', `broken-chart-${process.pid}.js`);

// Built when the file loads: the describe blocks below run the CLI while they are collected.
buildSync({
  entryPoints: [path.join(ROOT, 'test/fixtures/broken-chart/main.ts')],
  outfile: BUNDLE,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  logLevel: 'warning',
});
afterAll(() => fs.rmSync(BUNDLE, { force: true }));

function run(caseName: string): {
  status: number | null;
  stdout: string;
  stderr: string;
  parent: string;
  dist: string;
  before: Record<string, string>;
} {
  const parent = tmpdir('cli');
  const dist = path.join(parent, 'dist');
  fs.mkdirSync(path.join(dist, 'prod', 'shop'), { recursive: true });
  fs.writeFileSync(path.join(dist, 'prod', 'shop', 'kustomization.yaml'), 'resources: []\n');
  const before = treeDigest(dist);
  const result = spawnSync(process.execPath, [BUNDLE, caseName, dist], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, parent, dist, before };
}

describe('a broken chart', () => {
  const result = run('broken');

  test('exit code 1, dist untouched, no staging folder left', () => {
    expect(result.stderr).toContain('Synthesis failed; dist/ was not changed.');
    expect(result.status).toBe(1);
    expect(treeDigest(result.dist)).toEqual(result.before);
    expect(fs.readdirSync(result.parent)).toEqual(['dist']);
  });

  test('stderr has every collected error with its construct path and field, and no stack trace', () => {
    expect(result.stderr).toContain('Synthesis failed; dist/ was not changed.');
    for (const line of [
      "[shop-prod/api] resources.limits.memory: '512m' is in milli-units",
      "[shop-prod/api~2] id: 'api' is already used by shop-prod/api",
      "[shop-prod/web] ports[0].protocol: 'tcp' must be one of TCP, UDP",
      '[shop-prod/web] config.PORT: must be a string (is number)',
      '[shop-prod/web] config.MODE: is also set by env',
      "[shop-prod/queue] image: 'org/queue:v1!' tag 'v1!' must be",
      '[shop-prod/queue] resources.limits: is required',
      '[shop-prod/admin] autoscale(): was called more than once',
      '[shop-prod/admin] allowApiAccess(): was called more than once',
      "[shop-prod/report] schedule: '0 0 31 2 *' never fires",
      "[shop-prod/Db_Password] id: 'Db_Password' must consist of lower case",
      "[shop-prod~2] system: 'shop' is defined twice in environment 'prod'",
      "[shop-qa] environment.name: 'qa' must be one of dev, staging, prod",
    ]) {
      expect(result.stderr).toContain(line);
    }
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr).not.toMatch(/TypeError|ReferenceError/);
  });

  test('each error is reported once: no policy rule repeats what a construct said', () => {
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('  ['));
    expect(new Set(lines).size).toBe(lines.length);
    expect(result.stderr).not.toContain('policy resources-required');
    expect(result.stderr).not.toMatch(/\[shop-prod\/api~2\/[^\]]+\]/);
  });
});

test('warnings are printed and do not fail the synth', () => {
  const result = run('warnings');
  expect(result.status).toBe(0);
  expect(result.stderr).toContain('2 warnings (not errors):');
  expect(result.stderr).toContain('[shop-prod/api] replicas: runs a single pod in prod');
  expect(result.stderr).toContain('[shop-prod/web/autoscaler] cpuPercent: 150 % of the cpu request');
  expect(result.stdout).toContain('Synthesized');
  expect(fs.existsSync(path.join(result.dist, 'prod', 'shop', 'kustomization.yaml'))).toBe(true);
});

test('an exception while building the charts is one clear error, not a stack trace', () => {
  const result = run('throws');
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('1 error while building the charts:\n  api must be defined inside a SystemChart');
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(treeDigest(result.dist)).toEqual(result.before);
});
