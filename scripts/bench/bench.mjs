// `npm run bench`: the synthesis benchmark. Measures, in one run, side by side:
//
//  1. the whole repository (every system x every environment): the project's own synth
//     (`npm run synth` = scripts/synth.mjs: the esbuild bundle, kept while its inputs are
//     unchanged, run in the same process; into a temporary --outdir), also with the bundle
//     rebuilt, with two render threads, and as `--incremental` with nothing changed, against
//     `cdk8s synth` configured as `cdk8s init typescript-app` configures it
//     (`app: npx ts-node main.ts`, from a temporary copy of cdk8s.yaml);
//  2. the generated scale workload (scripts/bench/scale.ts) at 10, 100 and 1,000 web
//     services each with PostgreSQL and Redis: the project's pipeline (lib/pipeline/synth.ts)
//     against the same shape in plain cdk8s-plus-27 synthesized by `app.synth()`;
//  3. the serialisation floor for the project's objects: JSON.stringify, and the `yaml`
//     package's stringify with lib/core/yaml.ts's options.
//
// Every measurement runs in a fresh child process; the figures are medians. The targets
// (issue 32) are printed PASS/FAIL at the end, with the load average at the start and end. Results go
// to BENCHMARKS.md between the `bench:begin` and `bench:end` markers (the rest of that
// file, the profile and the optimisation notes, is written by hand).
//
// Environment:
//   BENCH_RUNS=5            runs per measurement (median reported)
//   BENCH_SCALES=10,100,1000  service counts of the scale workload
//   BENCH_CDK8S_RUNS        runs of `cdk8s synth` (slow: ts-node type-checks) @default BENCH_RUNS
//   BENCH_SKIP_REPO=1       skip part 1
//   BENCH_OUT=BENCHMARKS.md where to write the results
//   BENCH_ONLY=plan         only part 4 (the plan), which has a section of its own in BENCHMARKS.md
//   BENCH_SKIP_PLAN=1       skip part 4
//
//  4. `plan`: `npm run plan` on the unchanged repository (node scripts/plan.mjs, bundle
//     already built, as on a developer's second run), and the plan of the scale workload
//     against its own synthesized dist, unchanged and with every Deployment changed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNS = positiveInt(process.env.BENCH_RUNS, 5);
const CDK8S_RUNS = positiveInt(process.env.BENCH_CDK8S_RUNS, RUNS);
const SCALES = (process.env.BENCH_SCALES ?? '10,100,1000').split(',').map((s) => positiveInt(s.trim(), NaN));
const SKIP_REPO = process.env.BENCH_SKIP_REPO === '1';
const OUT = join(root, process.env.BENCH_OUT ?? 'BENCHMARKS.md');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const VARIANTS = ['project', 'plain', 'json', 'yaml'];
const PLAN_VARIANTS = ['plan', 'plan-changed'];
const ONLY_PLAN = process.env.BENCH_ONLY === 'plan';
const SKIP_PLAN = process.env.BENCH_SKIP_PLAN === '1';

function positiveInt(value, fallback) {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive whole number, got '${value}'`);
  return n;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtMs = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const fmtMb = (kb) => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`);
const fmtX = (x) => `${x.toFixed(x >= 10 ? 1 : 2)}x`;
const fmtRate = (r) => `${Math.round(r).toLocaleString('en-US')}`;
const log = (...args) => console.error('[bench]', ...args);

/** Runs a command in a fresh process; wall time from here, peak RSS and CPU time from /usr/bin/time -v. */
function measureCommand(argv, options = {}) {
  const full = TIME ? [TIME, '-v', ...argv] : argv;
  const start = performance.now();
  const result = spawnSync(full[0], full.slice(1), {
    cwd: options.cwd ?? root,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = performance.now() - start;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  const field = (name) => {
    const m = new RegExp(`${name}: ([0-9.]+)`).exec(result.stderr ?? '');
    return m ? Number(m[1]) : undefined;
  };
  const user = field('User time \\(seconds\\)');
  const sys = field('System time \\(seconds\\)');
  return {
    wallMs,
    maxRssKb: field('Maximum resident set size \\(kbytes\\)'),
    cpuMs: user === undefined ? undefined : (user + (sys ?? 0)) * 1000,
    stdout: result.stdout,
  };
}

function countFiles(dir) {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) n += entry.isDirectory() ? countFiles(join(dir, entry.name)) : 1;
  return n;
}

/** Byte-for-byte comparison of two trees; returns the first difference or undefined. */
function firstDifference(a, b) {
  const list = (dir, base = dir) =>
    readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? list(join(dir, e.name), base) : [relative(base, join(dir, e.name))]))
      .sort();
  const fa = list(a);
  const fb = list(b);
  if (fa.join('\n') !== fb.join('\n')) return 'different file lists';
  for (const f of fa) if (!readFileSync(join(a, f)).equals(readFileSync(join(b, f)))) return f;
  return undefined;
}

function machine() {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // not Linux
  }
  return {
    cores: cpus().length,
    model,
    memoryGb: (totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'cdk8s-stacks-bench-'));
  const before = machine();
  log(`runs ${RUNS}, scales ${SCALES.join(', ')}, scratch ${work}`);
  try {
    log(`load average at the start: ${before.load}`);
    // The worker bundle: the scale workload and the pipeline, built like scripts/build.mjs builds main.ts.
    await bundle({ entry: join(root, 'scripts', 'bench', 'worker.ts'), outfile: join(root, '.build', 'bench', 'worker.js') });

    // 1. The repository.
    const repo = { project: [], twoThreads: [], cold: [], incremental: [], cdk8s: [] };
    let repoFiles;
    if (!SKIP_REPO && !ONLY_PLAN) {
      const cdk8sDir = join(work, 'cdk8s');
      mkdirSync(cdk8sDir);
      const original = readFileSync(join(root, 'cdk8s.yaml'), 'utf8');
      const stamp = join(root, '.build', 'main.js.inputs.json');
      // main.ts and the charts import the library by its package name, which Node resolves
      // through package.json "exports" to the compiled package in lib-dist/ (ts-node does not
      // apply tsconfig "paths" at run time): build it first, untimed, so that the cdk8s
      // baseline runs this tree's library, compiled, as a consumer's project would.
      log('repo: npm run build:lib (the package the ts-node app imports by name; untimed)');
      const built = spawnSync('node', ['scripts/build-lib.mjs'], { cwd: root, encoding: 'utf8' });
      if (built.status !== 0) throw new Error(`npm run build:lib failed:\n${built.stdout}${built.stderr}`);
      // One untimed run: the bundle is then up to date, as on a developer's second synth.
      measureCommand(['node', 'scripts/synth.mjs', '--outdir', join(work, 'repo-warmup')]);
      for (let i = 0; i < Math.max(RUNS, CDK8S_RUNS); i++) {
        if (i < RUNS) {
          const outdir = join(work, `repo-project-${i}`);
          log(`repo: npm run synth -- --outdir (${i + 1}/${RUNS})`);
          repo.project.push(measureCommand(['node', 'scripts/synth.mjs', '--outdir', outdir]));
          repoFiles ??= countFiles(outdir);
          log(`repo: npm run synth -- --incremental --outdir, nothing changed (${i + 1}/${RUNS})`);
          repo.incremental.push(measureCommand(['node', 'scripts/synth.mjs', '--incremental', '--outdir', outdir]));
          const diff = firstDifference(join(work, 'repo-project-0'), outdir);
          if (diff) throw new Error(`npm run synth --incremental changed the output (${diff})`);
          // The same with a second render thread (lib/pipeline/environment-shards.ts): what it gains.
          // After the incremental run: every synth records its outdir in the one synth cache.
          const twoDir = join(work, `repo-two-threads-${i}`);
          log(`repo: CDK8S_STACKS_RENDER_THREADS=2 npm run synth -- --outdir (${i + 1}/${RUNS})`);
          repo.twoThreads.push(measureCommand(['node', 'scripts/synth.mjs', '--outdir', twoDir], { env: { CDK8S_STACKS_RENDER_THREADS: '2' } }));
          const twoDiff = firstDifference(outdir, twoDir);
          if (twoDiff) throw new Error(`one and two render threads wrote different output (${twoDiff})`);
          rmSync(twoDir, { recursive: true, force: true });
          // The bundle rebuilt (its input list removed): the first synth after a change to the sources.
          rmSync(stamp, { force: true });
          const coldDir = join(work, `repo-cold-${i}`);
          log(`repo: npm run synth -- --outdir, bundle rebuilt (${i + 1}/${RUNS})`);
          repo.cold.push(measureCommand(['node', 'scripts/synth.mjs', '--outdir', coldDir]));
          rmSync(coldDir, { recursive: true, force: true });
        }
        if (i < CDK8S_RUNS) {
          // `cdk8s init typescript-app` writes `app: npx ts-node main.ts`; the copy points the
          // CLI's output and the app's --outdir at scratch folders. The CLI reads cdk8s.yaml
          // from its working directory, so the app changes back to the repository first.
          const outdir = join(work, `repo-cdk8s-${i}`);
          const config = original
            .replace(/^app: .*$/m, `app: cd '${root}' && npx ts-node main.ts --outdir '${outdir}'`)
            .replace(/^output: .*$/m, `output: ${join(cdk8sDir, `cdk8s.out-${i}`)}`);
          writeFileSync(join(cdk8sDir, 'cdk8s.yaml'), config);
          log(`repo: cdk8s synth with ts-node (${i + 1}/${CDK8S_RUNS})`);
          repo.cdk8s.push(measureCommand([join(root, 'node_modules', '.bin', 'cdk8s'), 'synth', '--no-check-upgrade'], { cwd: cdk8sDir }));
          if (i === 0) {
            const diff = firstDifference(join(work, 'repo-project-0'), outdir);
            if (diff) throw new Error(`cdk8s synth and npm run synth wrote different output (${diff})`);
          }
        }
      }
    }

    // 2 and 3. The scale workload and the serialisation floor, interleaved so that load
    // changes on a shared machine hit every variant alike.
    const scale = {};
    for (const n of ONLY_PLAN ? [] : SCALES) {
      scale[n] = Object.fromEntries(VARIANTS.map((v) => [v, []]));
      for (let i = 0; i < RUNS; i++) {
        for (const variant of VARIANTS) {
          const outdir = join(work, `scale-${n}-${variant}-${i}`);
          log(`scale ${n}: ${variant} (${i + 1}/${RUNS})`);
          const run = measureCommand(['node', join(root, '.build', 'bench', 'worker.js'), variant, String(n), outdir]);
          scale[n][variant].push({
            ...JSON.parse(run.stdout.trim().split('\n').pop()),
            wallMs: run.wallMs,
            cpuMs: run.cpuMs,
            timeRssKb: run.maxRssKb,
          });
          if (variant !== 'project' && existsSync(outdir)) rmSync(outdir, { recursive: true, force: true });
        }
      }
    }
    // Determinism: two project synths of the largest workload, byte for byte.
    const largest = Math.max(...SCALES);
    const deterministic =
      RUNS > 1 && !ONLY_PLAN
        ? firstDifference(join(work, `scale-${largest}-project-0`), join(work, `scale-${largest}-project-1`)) === undefined
        : undefined;

    // 4. The plan.
    const planRepo = [];
    if (!SKIP_REPO && !SKIP_PLAN) {
      // One run builds the bundle (scripts/plan.mjs keeps it while its inputs are unchanged).
      measureCommand(['node', 'scripts/plan.mjs']);
      for (let i = 0; i < RUNS; i++) {
        log(`repo: npm run plan (${i + 1}/${RUNS})`);
        const run = measureCommand(['node', 'scripts/plan.mjs']);
        if (!/^No changes/m.test(run.stdout)) throw new Error(`npm run plan found changes in the repository:\n${run.stdout.slice(0, 2000)}`);
        planRepo.push(run);
      }
    }
    const planScale = {};
    for (const n of SKIP_PLAN ? [] : SCALES) {
      planScale[n] = Object.fromEntries(PLAN_VARIANTS.map((v) => [v, []]));
      for (let i = 0; i < RUNS; i++) {
        for (const variant of PLAN_VARIANTS) {
          const outdir = join(work, `plan-${n}-${variant}-${i}`);
          log(`scale ${n}: ${variant} (${i + 1}/${RUNS})`);
          const run = measureCommand(['node', join(root, '.build', 'bench', 'worker.js'), variant, String(n), outdir]);
          planScale[n][variant].push({ ...JSON.parse(run.stdout.trim().split('\n').pop()), wallMs: run.wallMs, cpuMs: run.cpuMs });
          rmSync(outdir, { recursive: true, force: true });
        }
      }
    }
    const end = machine();
    if (!ONLY_PLAN) {
      const report = render({ repo, repoFiles, scale, deterministic, largest, before, after: end });
      writeResults(report);
      console.log(report);
      console.log('\nTargets:');
      for (const v of verdicts) console.log(`  ${v.ok ? 'PASS' : 'FAIL'}  ${v.name}: ${v.measured}`);
      console.log(`Load average (1, 5, 15 min): ${before.load} at the start, ${end.load} at the end.`);
    }
    if (!SKIP_PLAN) {
      const planReport = renderPlan({ planRepo, planScale, before, after: end });
      writeResults(planReport, 'plan-bench');
      console.log(planReport);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function stats(runs, key) {
  return median(runs.map((r) => r[key]).filter((x) => x !== undefined));
}

/** Each target of the last render, for the console. */
const verdicts = [];

function render({ repo, repoFiles, scale, deterministic, largest, before, after }) {
  const lines = [];
  const ns = Object.keys(scale)
    .map(Number)
    .sort((a, b) => a - b);
  const rate = (runs) => stats(runs, 'objects') / (stats(runs, 'synthMs') / 1000);
  const verdict = (ok) => (ok ? 'met' : '**not met**');

  lines.push(
    `Measured ${new Date().toISOString().slice(0, 10)} on ${before.cores} cores (${before.model}), ${before.memoryGb} GB memory, Node ${before.node}; load average ${before.load} at the start and ${after.load} at the end. ${RUNS} runs per figure (medians; each run a fresh process), \`BENCH_RUNS=${RUNS} BENCH_SCALES=${ns.join(',')} npm run bench\`.`,
    '',
  );

  lines.push('### Ratios against the targets', '', '| target | measured | |', '| --- | --- | --- |');
  const target = (name, measured, ok) => {
    lines.push(`| ${name} | ${measured} | ${verdict(ok)} |`);
    verdicts.push({ name, measured, ok });
  };
  if (repo.project.length && repo.cdk8s.length) {
    const r = stats(repo.cdk8s, 'wallMs') / stats(repo.project, 'wallMs');
    target('repository: `npm run synth` (bundle up to date) >= 10x faster than `cdk8s synth` (ts-node)', fmtX(r), r >= 10);
  }
  if (scale[1000] || scale[largest]) {
    const n = scale[1000] ? 1000 : largest;
    const r = rate(scale[n].project) / rate(scale[n].plain);
    target(`${n} services: project objects/s >= 2x plain cdk8s-plus-27 \`app.synth()\``, fmtX(r), r >= 2);
    if (scale[100] && n === 1000) {
      const g = stats(scale[1000].project, 'synthMs') / stats(scale[100].project, 'synthMs');
      const gt = stats(scale[1000].project, 'totalMs') / stats(scale[100].project, 'totalMs');
      target('growth 100 -> 1,000 services under 10x (synth phase; whole process)', `${fmtX(g)}; ${fmtX(gt)}`, g < 10);
    }
    const rss = stats(scale[n].project, 'maxRssKb');
    target(`peak RSS < 300 MB at ${n} services`, fmtMb(rss), rss < 300 * 1024);
    if (deterministic !== undefined)
      target(`output deterministic (two synths of ${largest} services byte-identical)`, deterministic ? 'yes' : 'no', deterministic);
  }
  lines.push('');

  if (repo.project.length) {
    lines.push('### Whole repository (every system, every environment)', '');
    lines.push(
      `${repoFiles} files. Wall time of the whole command, peak RSS of its largest process (/usr/bin/time -v), CPU time of all its processes.`,
      '',
    );
    lines.push('| pipeline | wall (median) | ratio | CPU time | peak RSS |', '| --- | --- | --- | --- | --- |');
    const base = stats(repo.project, 'wallMs');
    lines.push(
      `| \`npm run synth\`, bundle up to date (scripts/synth.mjs) | ${fmtMs(base)} | 1x | ${fmtMs(stats(repo.project, 'cpuMs'))} | ${fmtMb(stats(repo.project, 'maxRssKb'))} |`,
    );
    if (repo.twoThreads.length)
      lines.push(
        `| \`npm run synth\`, bundle up to date, two render threads (\`CDK8S_STACKS_RENDER_THREADS=2\`) | ${fmtMs(stats(repo.twoThreads, 'wallMs'))} | ${fmtX(stats(repo.twoThreads, 'wallMs') / base)} | ${fmtMs(stats(repo.twoThreads, 'cpuMs'))} | ${fmtMb(stats(repo.twoThreads, 'maxRssKb'))} |`,
      );
    if (repo.incremental.length)
      lines.push(
        `| \`npm run synth -- --incremental\`, nothing changed | ${fmtMs(stats(repo.incremental, 'wallMs'))} | ${fmtX(stats(repo.incremental, 'wallMs') / base)} | ${fmtMs(stats(repo.incremental, 'cpuMs'))} | ${fmtMb(stats(repo.incremental, 'maxRssKb'))} |`,
      );
    if (repo.cold.length)
      lines.push(
        `| \`npm run synth\`, bundle rebuilt (first synth after a change) | ${fmtMs(stats(repo.cold, 'wallMs'))} | ${fmtX(stats(repo.cold, 'wallMs') / base)} | ${fmtMs(stats(repo.cold, 'cpuMs'))} | ${fmtMb(stats(repo.cold, 'maxRssKb'))} |`,
      );
    if (repo.cdk8s.length)
      lines.push(
        `| \`cdk8s synth\`, \`app: npx ts-node main.ts\` | ${fmtMs(stats(repo.cdk8s, 'wallMs'))} | ${fmtX(stats(repo.cdk8s, 'wallMs') / base)} slower | ${fmtMs(stats(repo.cdk8s, 'cpuMs'))} | ${fmtMb(stats(repo.cdk8s, 'maxRssKb'))} |`,
      );
    lines.push('');
  }

  lines.push('### Scale workload: N web services, each with PostgreSQL and Redis, in one namespace', '');
  lines.push(
    "Objects per second of the synth phase (after the construct tree is built): the project pipeline (validation, finalizers, policy rules, labels, one YAML file per object, README, kustomization, atomic write) and plain `app.synth()` (one multi-document YAML file per chart). The floors serialise the project's already-resolved objects without writing.",
    '',
  );
  lines.push(
    '| services | objects (project / plain) | project vs plain | project vs `yaml` floor | project vs JSON floor |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const n of ns) {
    const s = scale[n];
    lines.push(
      `| ${n.toLocaleString('en-US')} | ${stats(s.project, 'objects')} / ${stats(s.plain, 'objects')} | ${fmtX(rate(s.project) / rate(s.plain))} | ${fmtX(rate(s.project) / rate(s.yaml))} | ${fmtX(rate(s.project) / rate(s.json))} |`,
    );
  }
  lines.push('', 'Absolute figures (medians):', '');
  lines.push(
    '| services | variant | synth phase | objects/s | build tree | whole process | CPU time (process) | peak RSS |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  const names = {
    project: 'project pipeline',
    plain: 'plain cdk8s-plus-27 `app.synth()`',
    json: 'floor: `JSON.stringify`',
    yaml: 'floor: `yaml` stringify',
  };
  for (const n of ns) {
    for (const v of VARIANTS) {
      const runs = scale[n][v];
      lines.push(
        `| ${n.toLocaleString('en-US')} | ${names[v]} | ${fmtMs(stats(runs, 'synthMs'))} | ${fmtRate(rate(runs))} | ${fmtMs(stats(runs, 'buildMs'))} | ${fmtMs(stats(runs, 'wallMs'))} | ${fmtMs(stats(runs, 'cpuMs'))} | ${fmtMb(stats(runs, 'maxRssKb'))} |`,
      );
    }
  }
  if (scale[100] && scale[1000]) {
    lines.push(
      '',
      'Growth from 100 to 1,000 services (10x the objects), synth phase: ' +
        VARIANTS.map((v) => `${names[v]} ${fmtX(stats(scale[1000][v], 'synthMs') / stats(scale[100][v], 'synthMs'))}`).join(', ') +
        '.',
    );
  }
  return lines.join('\n');
}

function renderPlan({ planRepo, planScale, before, after }) {
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${before.cores} cores (${before.model}), Node ${before.node}; load average ${before.load} at the start and ${after.load} at the end. ${RUNS} runs per figure (medians; each run a fresh process).`,
    '',
  ];
  if (planRepo.length) {
    const wall = stats(planRepo, 'wallMs');
    const cpu = stats(planRepo, 'cpuMs');
    lines.push(
      '| `npm run plan` on the unchanged repository (prints "No changes") | wall (median) | CPU time (median) | min wall | peak RSS | under 2 s |',
      '| --- | --- | --- | --- | --- | --- |',
      `| node scripts/plan.mjs, bundle up to date | ${fmtMs(wall)} | ${fmtMs(cpu)} | ${fmtMs(Math.min(...planRepo.map((r) => r.wallMs)))} | ${fmtMb(stats(planRepo, 'maxRssKb'))} | wall ${wall < 2000 ? 'yes' : '**no**'}, CPU ${cpu < 2000 ? 'yes' : '**no**'} |`,
      '',
    );
  }
  const ns = Object.keys(planScale)
    .map(Number)
    .sort((a, b) => a - b);
  if (ns.length) {
    lines.push(
      'The scale workload: render in memory and compare with its own synthesized dist (plan phase, after the construct tree is built).',
      '',
      '| services | objects | unchanged: plan phase | per 1,000 objects | every Deployment changed: plan phase | per 1,000 objects |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const n of ns) {
      const s = planScale[n];
      const objects = stats(s.plan, 'objects');
      lines.push(
        `| ${n.toLocaleString('en-US')} | ${objects} | ${fmtMs(stats(s.plan, 'synthMs'))} | ${fmtMs((stats(s.plan, 'synthMs') / objects) * 1000)} | ${fmtMs(stats(s['plan-changed'], 'synthMs'))} | ${fmtMs((stats(s['plan-changed'], 'synthMs') / objects) * 1000)} |`,
      );
    }
    if (planScale[100] && planScale[1000])
      lines.push(
        '',
        `Growth from 100 to 1,000 services (10x the objects): unchanged ${fmtX(stats(planScale[1000].plan, 'synthMs') / stats(planScale[100].plan, 'synthMs'))}, every Deployment changed ${fmtX(stats(planScale[1000]['plan-changed'], 'synthMs') / stats(planScale[100]['plan-changed'], 'synthMs'))} (linear is 10x).`,
      );
  }
  return lines.join('\n');
}

function writeResults(report, marker = 'bench') {
  const begin = `<!-- ${marker}:begin (generated by npm run bench; do not edit) -->`;
  const end = `<!-- ${marker}:end -->`;
  const current = existsSync(OUT) ? readFileSync(OUT, 'utf8') : `# Benchmarks\n\n## Results\n\n${begin}\n${end}\n`;
  const i = current.indexOf(begin);
  const j = current.indexOf(end);
  const next =
    i >= 0 && j > i
      ? `${current.slice(0, i + begin.length)}\n${report}\n${current.slice(j)}`
      : `${current.trimEnd()}\n\n## Results\n\n${begin}\n${report}\n${end}\n`;
  writeFileSync(OUT, next);
  log(`wrote ${relative(root, OUT)}`);
}

await main();
