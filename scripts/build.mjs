// Transpiles main.ts and everything it imports from the repo into one file,
// .build/main.js, leaving node_modules external. esbuild does no type checking:
// `npm test` runs `tsc --noEmit` for that. This keeps `npm run synth` fast. The library's
// script files stay files, read by the bundle from lib/ (see esbuild-module-dirname.mjs).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { moduleDirname } from './esbuild-module-dirname.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// --outfile <file>: a bundle of its own, for a test that must not race `npm run synth` for .build/main.js.
const outfileAt = process.argv.indexOf('--outfile');
await build({
  entryPoints: [join(root, 'main.ts')],
  outfile: outfileAt > 0 ? resolve(process.argv[outfileAt + 1]) : join(root, '.build', 'main.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  // The systems import the library by its package name, as a user would; here it is the source.
  alias: { 'cdk8s-stacks': join(root, 'lib', 'index.ts') },
  logLevel: 'warning',
  plugins: [moduleDirname(root)],
});
