/**
 * `npm run synth` renders the first environment in another thread (lib/pipeline/environment-shards.ts).
 * Run from a bundle of the repository's systems (test/fixtures/environment-shards/main.ts),
 * the two-thread synth must give exactly what the one-thread synth gives: the same dist, the
 * same summary, the same errors and warnings in the same order, the same exit code, the same
 * incremental cache; and dist untouched when any thread fails.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { treeFingerprint } from '../../lib/core/dist-writer';
import { planEnvironmentShards, RENDER_THREADS_VARIABLE, renderThreads } from '../../lib/pipeline/environment-shards';
import { TEMPORARY_FOLDERS, tmpdir } from '../support/synth';

const ROOT = path.join(__dirname, '..', '..');

describe('which thread renders which environments', () => {
  test('the other threads take one environment each from the front, the main thread the rest', () => {
    expect(planEnvironmentShards(['dev', 'staging', 'prod'], 2)).toEqual({ elsewhere: [['dev']], here: ['staging', 'prod'] });
    expect(planEnvironmentShards(['dev', 'staging', 'prod'], 3)).toEqual({ elsewhere: [['dev'], ['staging']], here: ['prod'] });
    expect(planEnvironmentShards(['dev', 'staging', 'prod'], 8)).toEqual({ elsewhere: [['dev'], ['staging']], here: ['prod'] });
    expect(planEnvironmentShards(['dev', 'staging', 'prod'], 1)).toEqual({ elsewhere: [], here: ['dev', 'staging', 'prod'] });
    expect(planEnvironmentShards(['prod'], 2)).toEqual({ elsewhere: [], here: ['prod'] });
  });

  test(`${RENDER_THREADS_VARIABLE} sets the threads (default 1); anything but 1 to 16 is refused with what is allowed`, () => {
    expect(renderThreads({ [RENDER_THREADS_VARIABLE]: '1' })).toBe(1);
    expect(renderThreads({ [RENDER_THREADS_VARIABLE]: '3' })).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'two', '17'])
      expect(() => renderThreads({ [RENDER_THREADS_VARIABLE]: bad })).toThrow(
        `${RENDER_THREADS_VARIABLE}: '${bad}' is not a number of threads (1 to 16`,
      );
    expect(renderThreads({})).toBe(1);
  });
});

describe('two threads synthesize what one thread does', () => {
  let bundle: string;
  beforeAll(() => {
    fs.mkdirSync(path.join(ROOT, '.build'), { recursive: true });
    // Inside the repository, where the bundle's external packages resolve (node_modules).
    const dir = fs.mkdtempSync(path.join(ROOT, '.build', 'test-shards-'));
    TEMPORARY_FOLDERS.push(dir);
    bundle = path.join(dir, 'main.js');
    const driver = `
      import { bundle } from ${JSON.stringify(path.join(ROOT, 'scripts', 'bundle.mjs'))};
      await bundle(${JSON.stringify({
        entry: path.join(ROOT, 'test', 'fixtures', 'environment-shards', 'main.ts'),
        outfile: bundle,
        root: ROOT,
        alias: { 'cdk8s-stacks': path.join(ROOT, 'lib', 'index.ts') },
      })});`;
    execFileSync(process.execPath, ['--input-type=module', '-e', driver], { stdio: 'inherit' });
  });

  interface Run {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly dist?: string;
    readonly cache?: string;
    readonly built: string[];
  }

  /** Runs the bundle into `outdir` with `threads` render threads, the given faults and arguments. */
  function run(threads: number, outdir: string, env: Record<string, string> = {}, args: string[] = []): Run {
    const log = path.join(tmpdir('shard-log'), 'built.txt');
    const cacheFile = path.join(path.dirname(bundle), 'synth-cache.json');
    fs.rmSync(cacheFile, { force: true });
    const r = spawnSync(process.execPath, [bundle, '--outdir', outdir, ...args], {
      encoding: 'utf8',
      env: { ...process.env, [RENDER_THREADS_VARIABLE]: String(threads), SHARD_FIXTURE_ROOT: ROOT, SHARD_FIXTURE_LOG: log, ...env },
    });
    const cache = fs.existsSync(cacheFile) ? fs.readFileSync(cacheFile, 'utf8').split(outdir).join('<outdir>') : undefined;
    return {
      status: r.status,
      stdout: r.stdout.split(path.relative(process.cwd(), outdir)).join('<outdir>'),
      stderr: r.stderr,
      dist: treeFingerprint(outdir),
      cache,
      built: fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [],
    };
  }

  /** The environments each thread built: `<env> main` or `<env> other`. */
  const threadsOf = (r: Run): string[] => [...new Set(r.built.map((line) => line.replace(/ 0$/, ' main').replace(/ \d+$/, ' other')))].sort();

  test('the repository: the same dist, summary and incremental cache; dev is rendered in the other thread', () => {
    const one = run(1, path.join(tmpdir('shard-one'), 'dist'));
    const two = run(2, path.join(tmpdir('shard-two'), 'dist'));
    expect(one.status).toBe(0);
    expect(two.status).toBe(0);
    expect(two.dist).toBeDefined();
    expect(two.dist).toBe(one.dist);
    expect(two.stdout).toBe(one.stdout);
    expect(two.stdout).toMatch(/^ {2}dev\/loopi .*\n(?:.*\n)* {2}dev\/platform\/prometheus .*\n {2}staging\/loopi /m);
    expect(two.stderr).toBe(one.stderr);
    expect(two.cache).toBe(one.cache);
    expect(JSON.parse(two.cache!).folders['dev/loopi']).toBeDefined();
    expect(threadsOf(one)).toEqual(['dev main', 'prod main', 'staging main']);
    expect(threadsOf(two)).toEqual(['dev other', 'prod main', 'staging main']);
  });

  test('a selection of environments: dev in the other thread replaces its whole folder, staging is kept byte for byte', () => {
    const [one, two] = [1, 2].map((threads) => {
      const outdir = path.join(tmpdir(`shard-subset-${threads}`), 'dist');
      for (const [file, text] of [
        ['dev/stale.yaml', 'stale: true\n'],
        ['staging/kept.yaml', 'kept: true\n'],
      ]) {
        fs.mkdirSync(path.dirname(path.join(outdir, file)), { recursive: true });
        fs.writeFileSync(path.join(outdir, file), text);
      }
      const r = run(threads, outdir, {}, ['--env', 'dev,prod']);
      expect(fs.existsSync(path.join(outdir, 'dev', 'stale.yaml'))).toBe(false);
      expect(fs.readFileSync(path.join(outdir, 'staging', 'kept.yaml'), 'utf8')).toBe('kept: true\n');
      return r;
    });
    expect(two.status).toBe(0);
    expect(two.dist).toBe(one.dist);
    expect(two.stdout).toBe(one.stdout);
    expect(two.stdout).toContain('dev/argocd');
    expect(threadsOf(two)).toEqual(['dev other', 'prod main']);
  });

  test('errors and warnings in both threads: the same messages in the same order, exit 1, dist untouched', () => {
    const faults = { SHARD_FIXTURE_BREAK: 'dev:render:loopi,dev:warn:techshop,prod:render:capibara6,staging:warn:loopi' };
    const results = [1, 2].map((threads) => {
      const outdir = path.join(tmpdir(`shard-fail-${threads}`), 'dist');
      fs.mkdirSync(path.join(outdir, 'prod'), { recursive: true });
      fs.writeFileSync(path.join(outdir, 'prod', 'keep.yaml'), 'kept: true\n');
      const before = treeFingerprint(outdir);
      const r = run(threads, outdir, faults);
      expect(r.dist).toBe(before);
      return r;
    });
    const [one, two] = results;
    expect(one.status).toBe(1);
    expect(two.status).toBe(1);
    expect(two.stderr).toBe(one.stderr);
    expect(two.stdout).toBe(one.stdout);
    // Every fault, once, environment by environment.
    const lines = two.stderr.split('\n');
    const at = (text: string) => lines.findIndex((l) => l.includes(text));
    expect(at('fixture: a warning in dev')).toBeGreaterThanOrEqual(0);
    expect(at('fixture: a warning in dev')).toBeLessThan(at('fixture: a warning in staging'));
    expect(at('[loopi-dev/fixture-bad]')).toBeGreaterThan(0);
    expect(at('[loopi-dev/fixture-bad]')).toBeLessThan(at('[capibara6-prod/fixture-bad]'));
    expect(lines.filter((l) => l.includes('fixture-bad]'))).toHaveLength(2);
    expect(two.stderr).toMatch(/2 validation errors:/);
    expect(threadsOf(two)).toContain('dev other');
  });

  test('a chart that throws in the other thread and in this one: the earlier environment is the one reported, as one thread reports it', () => {
    const faults = { SHARD_FIXTURE_BREAK: 'dev:throw:techshop,prod:throw:loopi' };
    const [one, two] = [1, 2].map((threads) => run(threads, path.join(tmpdir(`shard-throw-${threads}`), 'dist'), faults));
    expect(one.status).toBe(1);
    expect(two.status).toBe(1);
    expect(two.stderr).toBe(one.stderr);
    expect(two.stderr).toContain('fixture: techshop cannot be built in dev');
    expect(two.stderr).not.toContain('in prod');
    expect(two.dist).toBeUndefined();
  });

  test('a bundle whose entry does not call runStacksCli in the other thread fails with that reason, not a hang', () => {
    const r = run(2, path.join(tmpdir('shard-main-only'), 'dist'), { SHARD_FIXTURE_MAIN_ONLY: '1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('ran without rendering its environments: its entry point must call runStacksCli');
    expect(r.dist).toBeUndefined();
  });
});
