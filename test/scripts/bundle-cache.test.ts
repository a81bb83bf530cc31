/**
 * scripts/bundle.mjs: a bundle is kept while the content of its inputs (and the options,
 * package-lock.json, the bundling scripts) is unchanged, and rebuilt when one changes. Kept
 * means not written at all: the bundle file keeps its inode (a rebuild renames a new file
 * over it).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { TEMPORARY_FOLDERS, tmpdir } from '../support/synth';

const ROOT = path.join(__dirname, '..', '..');
const BUNDLE_SCRIPT = path.join(ROOT, 'scripts', 'bundle.mjs');

interface Result {
  readonly rebuilt: boolean;
  readonly inputs: Record<string, string>;
  readonly imports: Record<string, string[]>;
}

/** A small project: main.ts imports a.ts, which imports b.ts. */
function project(): { root: string; entry: string; outfile: string; write: (file: string, text: string) => void } {
  const root = tmpdir('bundle-project');
  const write = (file: string, text: string) => fs.writeFileSync(path.join(root, file), text);
  write('main.ts', "import { a } from './a';\nconsole.log(a());\n");
  write('a.ts', "import { b } from './b';\nexport const a = (): string => `a+${b}`;\n");
  write('b.ts', "export const b: string = 'b1';\n");
  write('package-lock.json', '{"lockfileVersion": 3}\n');
  return { root, entry: path.join(root, 'main.ts'), outfile: path.join(root, '.build', 'main.js'), write };
}

/** Runs bundle() of scripts/bundle.mjs in a child node (it is an ES module). */
function bundle(p: ReturnType<typeof project>, alias: Record<string, string> = {}): Result {
  const driver = `
    import { bundle } from ${JSON.stringify(BUNDLE_SCRIPT)};
    const { rebuilt, stamp } = await bundle(${JSON.stringify({ entry: p.entry, outfile: p.outfile, root: p.root, alias })});
    console.log(JSON.stringify({ rebuilt, inputs: stamp.inputs, imports: stamp.imports }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', driver], { encoding: 'utf8' })) as Result;
}

const run = (outfile: string) => execFileSync(process.execPath, [outfile], { encoding: 'utf8' }).trim();
const inode = (file: string) => fs.statSync(file).ino;

describe('bundles kept while their inputs are unchanged', () => {
  test('unchanged content keeps the bundle (a touch too); a changed input, lockfile or option rebuilds it', () => {
    const p = project();
    const first = bundle(p);
    expect(first.rebuilt).toBe(true);
    expect(Object.keys(first.inputs).sort()).toEqual(
      ['a.ts', 'b.ts', 'main.ts', 'package-lock.json', 'scripts/bundle.mjs', 'scripts/esbuild-module-dirname.mjs'].sort(),
    );
    expect(first.imports).toEqual({ 'main.ts': ['a.ts'], 'a.ts': ['b.ts'], 'b.ts': [] });
    expect(run(p.outfile)).toBe('a+b1');

    // Nothing changed: not written again.
    const ino = inode(p.outfile);
    expect(bundle(p).rebuilt).toBe(false);
    expect(inode(p.outfile)).toBe(ino);

    // Same content, new modification time: still kept.
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(p.root, 'b.ts'), later, later);
    expect(bundle(p).rebuilt).toBe(false);
    expect(inode(p.outfile)).toBe(ino);

    // A changed input several imports deep.
    p.write('b.ts', "export const b: string = 'b2';\n");
    expect(bundle(p).rebuilt).toBe(true);
    expect(inode(p.outfile)).not.toBe(ino);
    expect(run(p.outfile)).toBe('a+b2');
    expect(bundle(p).rebuilt).toBe(false);

    // A new import is an input from then on.
    p.write('c.ts', "export const c = 'c1';\n");
    p.write('a.ts', "import { b } from './b';\nimport { c } from './c';\nexport const a = (): string => `a+${b}+${c}`;\n");
    const withC = bundle(p);
    expect([withC.rebuilt, withC.imports['a.ts'].sort()]).toEqual([true, ['b.ts', 'c.ts']]);
    p.write('c.ts', "export const c = 'c2';\n");
    expect(bundle(p).rebuilt).toBe(true);
    expect(run(p.outfile)).toBe('a+b2+c2');

    // The lockfile (the versions of the external packages) and the options.
    p.write('package-lock.json', '{"lockfileVersion": 3, "changed": true}\n');
    expect(bundle(p).rebuilt).toBe(true);
    expect(bundle(p, { x: path.join(p.root, 'b.ts') }).rebuilt).toBe(true);
    expect(bundle(p, { x: path.join(p.root, 'b.ts') }).rebuilt).toBe(false);
  });

  test('a missing bundle or an unreadable stamp rebuilds', () => {
    const p = project();
    bundle(p);
    fs.rmSync(p.outfile);
    expect(bundle(p).rebuilt).toBe(true);
    expect(run(p.outfile)).toBe('a+b1');
    fs.writeFileSync(`${p.outfile}.inputs.json`, '{ not json');
    expect(bundle(p).rebuilt).toBe(true);
    expect(bundle(p).rebuilt).toBe(false);
  });

  test("scripts/build.mjs (npm run synth's bundle of main.ts) keeps an up-to-date bundle", () => {
    // Under the repository, so that the bundle finds node_modules; its own file, so it cannot race `npm run synth`.
    fs.mkdirSync(path.join(ROOT, '.build'), { recursive: true });
    const build = fs.mkdtempSync(path.join(ROOT, '.build', 'bundle-test-'));
    TEMPORARY_FOLDERS.push(build);
    const outfile = path.join(build, 'main.js');
    const buildScript = path.join(ROOT, 'scripts', 'build.mjs');
    execFileSync(process.execPath, [buildScript, '--outfile', outfile]);
    const stamp = JSON.parse(fs.readFileSync(`${outfile}.inputs.json`, 'utf8')) as { inputs: Record<string, string> };
    expect(Object.keys(stamp.inputs)).toEqual(expect.arrayContaining(['main.ts', 'lib/index.ts', 'charts/index.ts', 'package-lock.json']));
    const ino = inode(outfile);
    execFileSync(process.execPath, [buildScript, '--outfile', outfile]);
    expect(inode(outfile)).toBe(ino);
  }, 120_000);
});

describe('runBundle: a bundle run with V8 code cache', () => {
  /** Runs runBundle of scripts/bundle.mjs on the bundle in a child node; prints what the bundle printed, then whether V8 took the cache. */
  function runWithCache(outfile: string): { output: string; cache: boolean } {
    const driver = `
      import { runBundle } from ${JSON.stringify(BUNDLE_SCRIPT)};
      import { existsSync } from 'node:fs';
      const had = existsSync(${JSON.stringify(`${outfile}.v8cache`)});
      const exported = runBundle(${JSON.stringify(outfile)});
      console.log(JSON.stringify({ had, exported: Object.keys(exported) }));`;
    const lines = execFileSync(process.execPath, ['--input-type=module', '-e', driver], { encoding: 'utf8' }).trim().split('\n');
    const last = JSON.parse(lines.pop() as string) as { had: boolean };
    return { output: lines.join('\n'), cache: last.had };
  }

  test('runs the bundle as node would, makes the cache once, remakes it when the bundle or the cache changes', () => {
    const p = project();
    p.write('main.ts', "import { a } from './a';\nconsole.log(a(), __filename.endsWith('main.js'), require('path').sep);\nexport const x = 1;\n");
    bundle(p);
    const cacheFile = `${p.outfile}.v8cache`;
    expect(fs.existsSync(cacheFile)).toBe(false);
    expect(runWithCache(p.outfile)).toEqual({ output: `a+b1 true ${path.sep}`, cache: false });
    expect(fs.existsSync(cacheFile)).toBe(true);
    // Kept while it matches: not written again (same inode).
    const ino = inode(cacheFile);
    expect(runWithCache(p.outfile)).toEqual({ output: `a+b1 true ${path.sep}`, cache: true });
    expect(inode(cacheFile)).toBe(ino);
    // A rebuilt bundle of the same length (b1 -> b2), which V8's own check would take for the
    // old one: the digest refuses the old cache, the new code runs and a new cache is written.
    p.write('b.ts', "export const b: string = 'b2';\n");
    bundle(p);
    expect(runWithCache(p.outfile).output).toBe(`a+b2 true ${path.sep}`);
    expect(inode(cacheFile)).not.toBe(ino);
    // A damaged cache is rejected the same way, never run.
    fs.writeFileSync(cacheFile, 'not a code cache');
    expect(runWithCache(p.outfile).output).toBe(`a+b2 true ${path.sep}`);
    expect(fs.readFileSync(cacheFile).length).toBeGreaterThan(100);
  });

  test('with writeCache false (the thread that renders an environment) it reads a cache but never writes one', () => {
    const p = project();
    bundle(p);
    const run = (options: string) =>
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { runBundle } from ${JSON.stringify(BUNDLE_SCRIPT)}; runBundle(${JSON.stringify(p.outfile)}, ${options});`,
        ],
        { encoding: 'utf8' },
      ).trim();
    expect(run('{ writeCache: false }')).toBe('a+b1');
    expect(fs.existsSync(`${p.outfile}.v8cache`)).toBe(false);
    expect(run('{}')).toBe('a+b1');
    const ino = inode(`${p.outfile}.v8cache`);
    expect(run('{ writeCache: false }')).toBe('a+b1');
    expect(inode(`${p.outfile}.v8cache`)).toBe(ino);
  });
});
