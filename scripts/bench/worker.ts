/**
 * One measurement of `npm run bench`, run in a fresh child process:
 *
 *   node .build/bench/worker.js <variant> <services> <outdir>
 *
 * variant:
 *   project  the library's constructs, synthesized by lib/pipeline/synth.ts (writes <outdir>)
 *   plain    plain cdk8s-plus-27 objects, synthesized by cdk8s `app.synth()` (writes <outdir>)
 *   json     serialisation floor: JSON.stringify of the project's rendered objects
 *   yaml     serialisation floor: the `yaml` package's stringify, with lib/core/yaml.ts's options
 *   plan     `plan` on an unchanged tree: the baseline dist is synthesized into <outdir> first
 *            (not timed), then a fresh tree is rendered in memory and compared with it
 *   plan-changed  the same with every Deployment's image changed in the baseline (every
 *            Deployment parsed, diffed and checked by the risk rules)
 *
 * Prints one JSON line: objects, buildMs (constructing the tree), synthMs (the measured
 * phase), totalMs (process start to end), maxRssKb (process.resourceUsage().maxRSS).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { stringify } from 'yaml';
import { synthesize } from '../../lib';
import { readFolderDist } from '../../lib/plan/baseline';
import { currentFolders } from '../../lib/plan/cli';
import { computePlan } from '../../lib/plan/plan';
import { buildPlainScaleApp, buildScaleApp } from './scale';

const VARIANTS = ['project', 'plain', 'json', 'yaml', 'plan', 'plan-changed'];

function main(): void {
  const [variant, servicesArg, outdir] = process.argv.slice(2);
  const services = Number(servicesArg);
  if (!VARIANTS.includes(variant) || !Number.isInteger(services) || services < 1 || !outdir) {
    console.error(`usage: worker.js ${VARIANTS.join('|')} <services> <outdir>`);
    process.exit(2);
  }
  fs.mkdirSync(path.dirname(path.resolve(outdir)), { recursive: true });
  const t0 = performance.now();
  let objects = 0;
  let buildMs = 0;
  let synthMs = 0;
  let bytes = 0;
  let changed: number | undefined;
  if (variant === 'plan' || variant === 'plan-changed') {
    synthesize(buildScaleApp(services, `${outdir}-cdk8s-unused`), { outdir });
    const t1 = performance.now();
    const app = buildScaleApp(services, `${outdir}-cdk8s-unused`);
    const t2 = performance.now();
    buildMs = t2 - t1;
    const baseline = readFolderDist(outdir);
    if (variant === 'plan-changed')
      for (const files of baseline.values())
        for (const [file, text] of files)
          if (file.includes('-deployment-'))
            files.set(
              file,
              text.replace(/(image: \S*example\/[a-z0-9-]+:)1\.0\./, (_, image: string) => `${image}0.9.`),
            );
    const t3 = performance.now();
    const plan = computePlan(currentFolders(app), baseline);
    synthMs = performance.now() - t3;
    objects = [...baseline.values()].reduce((n, f) => n + f.size, 0);
    changed = plan.folders.reduce((n, f) => n + f.changed.length, 0);
    const expected = variant === 'plan' ? 0 : services;
    if (changed !== expected) throw new Error(`plan found ${changed} changed objects, expected ${expected}`);
  } else if (variant === 'plain') {
    const app = buildPlainScaleApp(services, outdir);
    const t1 = performance.now();
    app.synth();
    synthMs = performance.now() - t1;
    buildMs = t1 - t0;
    objects = app.node.findAll().filter((c) => c instanceof ApiObject).length;
  } else {
    const app = buildScaleApp(services, `${outdir}-cdk8s-unused`);
    const t1 = performance.now();
    buildMs = t1 - t0;
    const result = synthesize(app, { outdir, dryRun: variant !== 'project' });
    const t2 = performance.now();
    objects = result.objects.length;
    if (variant === 'project') {
      synthMs = t2 - t1;
    } else {
      const plainObjects = result.objects.map((o) => o.object);
      const t3 = performance.now();
      for (const object of plainObjects) {
        bytes += (
          variant === 'json'
            ? JSON.stringify(object, undefined, 2)
            : stringify(object, { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' })
        ).length;
      }
      synthMs = performance.now() - t3;
    }
  }
  // performance.now() counts from the start of the process: node startup and module loading count.
  const totalMs = performance.now();
  console.log(JSON.stringify({ variant, services, objects, buildMs, synthMs, totalMs, bytes, changed, maxRssKb: process.resourceUsage().maxRSS }));
}

main();
