// `npm run plan`: bundles plan.ts (as scripts/build.mjs bundles main.ts) and runs it in this
// process. The bundle is rebuilt only when one of its inputs changed since the last build:
// esbuild's metafile lists every input, and their sizes and modification times are kept
// next to the bundle. An unchanged tree then costs one stat per input instead of a build.
import { build } from 'esbuild';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleDirname } from './esbuild-module-dirname.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, '.build', 'plan.js');
const stampFile = join(root, '.build', 'plan.inputs.json');

function stamp(file) {
  try {
    const s = statSync(join(root, file));
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

function fresh() {
  if (!existsSync(outfile) || !existsSync(stampFile)) return false;
  const inputs = JSON.parse(readFileSync(stampFile, 'utf8'));
  return Object.entries(inputs).every(([file, value]) => stamp(file) === value);
}

if (!fresh()) {
  const result = await build({
    entryPoints: [join(root, 'plan.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    alias: { 'cdk8s-stacks': join(root, 'lib', 'index.ts') },
    logLevel: 'warning',
    metafile: true,
    plugins: [moduleDirname(root)],
  });
  const inputs = Object.fromEntries(
    ['scripts/plan.mjs', 'scripts/esbuild-module-dirname.mjs', ...Object.keys(result.metafile.inputs)].map((f) => [f, stamp(f)]),
  );
  writeFileSync(stampFile, JSON.stringify(inputs));
}
createRequire(import.meta.url)(outfile);
