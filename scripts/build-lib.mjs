// Builds the published package into lib-dist/ (git-ignored): tsc emits JavaScript (ES2022,
// CommonJS) and declarations for lib/ and the generated imports/ it uses; every other file
// under lib/ that is not a test (scripts loaded at run time, templates) is copied next to
// the compiled code so that paths relative to __dirname keep working.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'lib-dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

const isTest = (name) => /\.test\.[cm]?[jt]s$/.test(name) || name === '__snapshots__';
function copyAssets(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name);
    if (isTest(entry.name)) continue;
    if (entry.isDirectory()) copyAssets(file);
    else if (!entry.name.endsWith('.ts')) cpSync(file, join(out, relative(root, file)));
  }
}
copyAssets(join(root, 'lib'));
