// Builds the published package into lib-dist/ (git-ignored): tsc emits JavaScript (ES2022,
// CommonJS) and declarations for lib/ and the generated imports/ it uses; every other file
// under lib/ that is not a test (scripts loaded at run time, templates) is copied next to
// the compiled code so that paths relative to __dirname keep working.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

// A text file imported as a module (esbuild's text loader, e.g. `import script from './scripts/backup.sh'`)
// becomes, in the compiled code, a read of the copied file next to it: Node cannot require it.
const TEXT_IMPORT = /require\((["'])(\.{1,2}\/[^"']+\.(?!js["']|json["']|cjs["'])[A-Za-z0-9]+)\1\)/g;
function inlineTextImports(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) inlineTextImports(file);
    else if (entry.name.endsWith('.js')) {
      const code = readFileSync(file, 'utf8');
      const replaced = code.replace(TEXT_IMPORT, (whole, quote, spec) =>
        existsSync(join(dir, spec)) && !existsSync(join(dir, `${spec}.js`))
          ? `require("fs").readFileSync(require("path").join(__dirname, ${quote}${spec}${quote}), "utf8")`
          : whole,
      );
      if (replaced !== code) writeFileSync(file, replaced);
    }
  }
}
inlineTextImports(join(out, 'lib'));
