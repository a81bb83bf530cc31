// Runs a CommonJS bundle in this thread as `require(outfile)` would, with V8's code cache kept
// next to it (`<outfile>.v8cache`). `npm run synth` and `npm run plan` run their bundle with it
// (scripts/bundle.mjs re-exports it), and so does the thread that renders an environment for
// `npm run synth` (lib/pipeline/environment-shards.ts): plain JavaScript, so that both a
// script run by node and that thread load it as it is.
//
// Compiling the 4 MB bundle and the functions a synth calls is a tenth of an unchanged
// repository's synth; with the cache, V8 reads the compiled code instead.
//
// V8 itself checks a cache only against the source's length (and its own version and flags):
// a rebuilt bundle of the same length would run the old code. So the cache file starts with
// the SHA-256 of the bundle it was made from, and is used only for that exact bundle;
// otherwise (a rebuilt bundle, a damaged or missing file, another Node, which V8 rejects) the
// bundle is compiled as usual and, unless `writeCache` is false, the cache made anew after the
// run, so that it holds every function the run compiled. The bundle sees the module, require,
// __filename and __dirname a require() gives it (require.main stays the entry's: undefined
// under an ES module entry, as with createRequire).
'use strict';
const { createHash } = require('node:crypto');
const { createRequire, Module } = require('node:module');
const { Script } = require('node:vm');
const { readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');

/**
 * @param {string} outfile absolute path of the bundle
 * @param {{ writeCache?: boolean }} [options] writeCache: make the cache when it was missing or refused (default true)
 * @returns {object} the bundle's module.exports
 */
function runBundle(outfile, options = {}) {
  const cacheFile = `${outfile}.v8cache`;
  const source = readFileSync(outfile);
  const digest = createHash('sha256').update(source).digest();
  let cachedData;
  try {
    const file = readFileSync(cacheFile);
    if (file.length > digest.length && file.subarray(0, digest.length).equals(digest)) cachedData = file.subarray(digest.length);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(source.toString('utf8')), { filename: outfile, cachedData });
  const module = { exports: {}, filename: outfile, id: outfile, loaded: false, children: [], paths: [] };
  script.runInThisContext().call(module.exports, module.exports, createRequire(outfile), module, outfile, dirname(outfile));
  module.loaded = true;
  if ((cachedData === undefined || script.cachedDataRejected) && options.writeCache !== false) {
    // Written aside and renamed, so that a concurrent run reads a whole cache or none.
    const partial = `${cacheFile}.${process.pid}.tmp`;
    try {
      writeFileSync(partial, Buffer.concat([digest, script.createCachedData()]));
      renameSync(partial, cacheFile);
    } catch {
      // Only a speed-up: a read-only or full disk costs the next run its compile time, nothing else.
      rmSync(partial, { force: true });
    }
  }
  return module.exports;
}

module.exports = { runBundle };
