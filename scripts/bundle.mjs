// The one esbuild bundling step of the repository's scripts (scripts/build.mjs for
// `npm run synth`, scripts/plan.mjs for `npm run plan`, the benchmark's worker), with a
// cache: a bundle is rebuilt only when the content of one of its inputs changed.
//
// esbuild's metafile lists every input of a bundle (the repository's own .ts files;
// node_modules stay external). Next to the bundle, `<outfile>.inputs.json` keeps the
// SHA-256 of each input's content, of the scripts that make the bundle, of package-lock.json
// (the external packages the bundle requires) and of the build options. A later run
// re-hashes those files (a few milliseconds for the repository's few hundred sources) and
// reuses the bundle when every hash is the same; a changed, added (through a changed
// importer) or removed input rebuilds it. Content, not modification times: a checkout or
// `touch` that leaves the text unchanged keeps the bundle, an edit that keeps size and
// time (a fast editor, a restored backup) does not.
//
// The stamp also keeps esbuild's import graph of the inputs, so that the synth's
// incremental mode (lib/pipeline/synth-cache.ts) can tell which source files each system
// depends on.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleDirname } from './esbuild-module-dirname.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Files that shape every bundle besides its metafile inputs (relative to the root). */
const TOOL_FILES = ['scripts/bundle.mjs', 'scripts/esbuild-module-dirname.mjs', 'package-lock.json'];

/** SHA-256 of a file's content, or 'missing'. */
export function hashFile(file) {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return 'missing';
  }
}

function stampPath(outfile) {
  return `${outfile}.inputs.json`;
}

/** The stamp of an up-to-date bundle, or undefined when it must be rebuilt. */
export function freshStamp(outfile, key, root = ROOT) {
  if (!existsSync(outfile)) return undefined;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampPath(outfile), 'utf8'));
  } catch {
    return undefined;
  }
  if (stamp?.key !== key || typeof stamp.inputs !== 'object' || stamp.inputs === null) return undefined;
  for (const [file, hash] of Object.entries(stamp.inputs)) if (hashFile(join(root, file)) !== hash) return undefined;
  return stamp;
}

/**
 * Bundles `entry` into `outfile` unless the bundle there was made from inputs with the same
 * content and the same options.
 * @param {{ entry: string, outfile: string, alias?: Record<string, string>, root?: string }} options
 *   entry and outfile absolute; alias as esbuild's
 * @returns {Promise<{ rebuilt: boolean, stamp: object }>}
 */
export async function bundle({ entry, outfile, alias = {}, root = ROOT }) {
  const options = {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    alias,
    logLevel: 'warning',
    metafile: true,
    // The metafile names inputs relative to esbuild's working directory: make it the root, so
    // that the stamp's paths do not depend on where the command runs from.
    absWorkingDir: root,
  };
  const key = createHash('sha256')
    .update(JSON.stringify({ node: process.versions.node, ...options }))
    .digest('hex');
  const fresh = freshStamp(outfile, key, root);
  if (fresh) return { rebuilt: false, stamp: fresh };
  mkdirSync(dirname(outfile), { recursive: true });
  // Built next to the bundle and renamed over it, so that a concurrent run never executes half a file.
  const partial = `${outfile}.${process.pid}.tmp`;
  // The hash of each input as esbuild loads it (not after the build): a file edited while
  // the build runs then makes the next run rebuild instead of keeping a stale bundle.
  const loaded = new Map();
  const recordInputs = {
    name: 'record-inputs',
    setup(b) {
      b.onLoad({ filter: /.*/ }, (args) => {
        loaded.set(args.path, hashFile(args.path));
        return undefined;
      });
    },
  };
  // Loaded only to build: an up-to-date bundle costs no esbuild start-up (package-lock.json, an input, pins its version).
  const { build } = await import('esbuild');
  const result = await build({ ...options, outfile: partial, plugins: [recordInputs, moduleDirname(root)] });
  const toRelative = (f) => relative(root, resolve(root, f)).split(sep).join('/');
  const inputs = {};
  const imports = {};
  for (const [file, info] of Object.entries(result.metafile.inputs)) {
    const rel = toRelative(file);
    inputs[rel] = loaded.get(join(root, rel)) ?? hashFile(join(root, rel));
    imports[rel] = info.imports.filter((i) => !i.external).map((i) => toRelative(i.path));
  }
  for (const file of TOOL_FILES) inputs[file] = hashFile(join(root, file));
  const stamp = { key, entry: toRelative(relative(root, entry)), inputs, imports };
  renameSync(partial, outfile);
  writeFileSync(stampPath(outfile), JSON.stringify(stamp));
  return { rebuilt: true, stamp };
}

/**
 * Runs a CommonJS bundle in this process, as `require(outfile)` would, with V8's code cache
 * kept next to it (`<outfile>.v8cache`): lib/pipeline/run-bundle.cjs, which says how.
 * @type {(outfile: string, options?: { writeCache?: boolean }) => object}
 */
export const runBundle = createRequire(import.meta.url)('../lib/pipeline/run-bundle.cjs').runBundle;
