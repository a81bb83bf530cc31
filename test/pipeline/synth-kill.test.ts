/**
 * `kill -9` of the real synth command (main.ts, bundled as `npm run synth` bundles it) at
 * a random point of every subset form: once the next run has looked (recoverStaging, what
 * every synth does first), dist is byte-identical to before or to the complete new output,
 * and no staging folder is left. The kills aim at the write phase (once the staging folder
 * appears), at the swap (the moment dist/ is renamed away) or anywhere in the run. The schedule comes from a
 * seeded generator: set CDK8S_STACKS_KILL_SEED to replay the one a failure prints
 * (CDK8S_STACKS_KILL_LOG=1 prints every run and its outcome).
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { recoverStaging } from '../../lib/core/dist-writer';
import { expectedAfter, SUBSET_FORMS, subsetFixture } from '../support/subset-forms';
import { TEMPORARY_FOLDERS, tmpdir, treeDigest } from '../support/synth';

const ROOT = path.join(__dirname, '..', '..');
const SEED = Number(process.env.CDK8S_STACKS_KILL_SEED ?? 20261207);

/** mulberry32: a small seeded generator, so that a failing schedule can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let bundle = '';
const fixture = subsetFixture();

beforeAll(() => {
  // Under the repository, so that the bundle finds node_modules; apart, so it cannot race `npm run synth`.
  fs.mkdirSync(path.join(ROOT, '.build'), { recursive: true });
  const build = fs.mkdtempSync(path.join(ROOT, '.build', 'kill-test-'));
  TEMPORARY_FOLDERS.push(build);
  bundle = path.join(build, 'main.js');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), '--outfile', bundle]);
}, 120_000);

/**
 * Where a kill is aimed: `anywhere` (a delay from the start), `write` (a delay once the staging
 * folder appears: while the new tree is written), `swap` (the moment dist/ is renamed away).
 */
type Aim = 'anywhere' | 'write' | 'swap';

/** Starts the synth and SIGKILLs it `delayMs` after the moment its aim names. */
function synthAndKill(
  argv: readonly string[],
  variables: Record<string, string>,
  parent: string,
  aim: Aim,
  delayMs: number,
): Promise<{ signal: NodeJS.Signals | null; code: number | null }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...variables };
  for (const name of ['CDK8S_STACKS_ENV', 'CDK8S_STACKS_SYSTEM', 'CDK8S_OUTDIR']) if (!(name in variables)) delete env[name];
  const child: ChildProcess = spawn(process.execPath, [bundle, ...argv, '--outdir', path.join(parent, 'dist')], { env, stdio: 'ignore' });
  let timer: NodeJS.Timeout | undefined;
  const kill = () => (timer = setTimeout(() => child.kill('SIGKILL'), delayMs));
  let watcher: fs.FSWatcher | undefined;
  let staged = false;
  if (aim === 'anywhere') kill();
  else
    watcher = fs.watch(parent, (_event, name) => {
      if (name?.startsWith('.dist-staging-')) staged = true;
      if (timer === undefined && ((aim === 'write' && staged) || (aim === 'swap' && staged && name === 'dist'))) kill();
    });
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      watcher?.close();
      if (timer) clearTimeout(timer);
      resolve({ code, signal });
    }),
  );
}

test(`kill -9 at random points of every subset form leaves dist before or after, never between (seed ${SEED})`, async () => {
  const next = random(SEED);
  const log: string[] = [];
  let killed = 0;
  let lastParent = '';
  // Every form once, in a seeded order; every other kill aims at the write phase, the rest fall anywhere.
  const schedule = [...SUBSET_FORMS]
    .map((form) => ({ form, key: next() }))
    .sort((a, b) => a.key - b.key)
    .map(({ form }, i) => ({ form, aim: (['write', 'swap', 'anywhere'] as const)[i % 3] }));
  for (const [i, { form, aim }] of schedule.entries()) {
    const parent = tmpdir('kill');
    lastParent = parent;
    const dist = path.join(parent, 'dist');
    fs.cpSync(fixture.before, dist, { recursive: true });
    const delayMs = Math.round(next() * { write: 800, swap: 2, anywhere: 2500 }[aim]);
    const result = await synthAndKill(form.argv, form.variables, parent, aim, delayMs);
    const moment = { write: 'the staging folder appeared', swap: 'dist/ was renamed away', anywhere: 'the start' }[aim];
    const where = `seed ${SEED}, run ${i}: ${form.name}, kill ${delayMs} ms after ${moment}`;
    if (result.signal === 'SIGKILL') killed++;
    else expect({ where, code: result.code }).toEqual({ where, code: 0 });

    recoverStaging(parent);
    const after = expectedAfter(form, fixture);
    const now = fs.existsSync(dist) ? treeDigest(dist) : undefined;
    const state = equal(now, after) ? 'after' : equal(now, fixture.beforeDigest) ? 'before' : 'neither';
    log.push(`${where}: ${result.signal ?? `exit ${result.code}`}, dist ${state}`);
    expect({ where, state }).toEqual({ where, state: expect.stringMatching(/^(before|after)$/) });
    expect({ where, left: fs.readdirSync(parent) }).toEqual({ where, left: ['dist'] });
  }
  if (process.env.CDK8S_STACKS_KILL_LOG) console.log(log.join('\n'));
  // The schedule must actually stop runs, or this test would prove nothing.
  expect({ log, killed: killed > 0 }).toEqual({ log, killed: true });

  // The next real run after a kill: it recovers by itself and writes the complete output.
  const parent = lastParent;
  const form = SUBSET_FORMS.find((f) => f.name === '--env prod')!;
  fs.rmSync(path.join(parent, 'dist'), { recursive: true, force: true });
  fs.cpSync(fixture.before, path.join(parent, 'dist'), { recursive: true });
  await synthAndKill(form.argv, form.variables, parent, 'swap', 0);
  const rerun = await synthAndKill(form.argv, form.variables, parent, 'anywhere', 600_000);
  expect(rerun.code).toBe(0);
  expect(treeDigest(path.join(parent, 'dist'))).toEqual(expectedAfter(form, fixture));
  expect(fs.readdirSync(parent)).toEqual(['dist']);
}, 300_000);

function equal(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const sorted = (d: Record<string, string>) => JSON.stringify(Object.entries(d).sort(([x], [y]) => (x < y ? -1 : 1)));
  return a !== undefined && sorted(a) === sorted(b);
}
