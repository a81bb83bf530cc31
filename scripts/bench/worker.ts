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
 *
 * Prints one JSON line: objects, buildMs (constructing the tree), synthMs (the measured
 * phase), totalMs (process start to end), maxRssKb (process.resourceUsage().maxRSS).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { stringify } from 'yaml';
import { synthesize } from '../../lib';
import { buildPlainScaleApp, buildScaleApp } from './scale';

function main(): void {
  const [variant, servicesArg, outdir] = process.argv.slice(2);
  const services = Number(servicesArg);
  if (!['project', 'plain', 'json', 'yaml'].includes(variant) || !Number.isInteger(services) || services < 1 || !outdir) {
    console.error('usage: worker.js project|plain|json|yaml <services> <outdir>');
    process.exit(2);
  }
  fs.mkdirSync(path.dirname(path.resolve(outdir)), { recursive: true });
  const t0 = performance.now();
  let objects = 0;
  let buildMs = 0;
  let synthMs = 0;
  let bytes = 0;
  if (variant === 'plain') {
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
  console.log(JSON.stringify({ variant, services, objects, buildMs, synthMs, totalMs, bytes, maxRssKb: process.resourceUsage().maxRSS }));
}

main();
