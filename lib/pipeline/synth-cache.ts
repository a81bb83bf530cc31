import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { SystemChart } from '../core/system-chart';
import { synthInputsDigest } from '../core/synth-inputs';
import type { Waiver } from '../policy/evaluate';
import type { SecurityExceptionSummary } from './workload-notes';

/**
 * The incremental synth: a system whose inputs have not changed since the last synth into
 * the same dist, and whose folder in dist is still exactly what that synth wrote, is not
 * rendered again; its folder is carried over into the new tree. Every other folder (the
 * changed systems, and always the platform layer and the Argo CD applications, which are
 * made from every system) is rendered as in a full synth, and every construct is still built
 * and validated, so errors anywhere are reported as before.
 *
 * What "inputs" means is the caller's: `inputsOf` gives a digest of everything the system's
 * output is made from. `npm run synth -- --incremental` derives it from the bundle's input
 * list (systemInputDigests), so a system's digest changes when any source file it may import
 * changes, including the library, the environments and the package lock.
 */
export interface IncrementalSynth {
  /** The file that records what each folder was made from (written after every synth that has it). */
  readonly cacheFile: string;
  /** A digest of the system chart's inputs; undefined: always render it. */
  readonly inputsOf: (chart: SystemChart) => string | undefined;
  /** Reuse unchanged folders (false: render everything, only record). @default true */
  readonly reuse?: boolean;
}

/** What the cache keeps of one folder of dist. */
export interface CachedFolder {
  /** inputsOf the system, and the synth's own settings, when it was rendered. */
  readonly key: string;
  /** folderDigest of what was written. */
  readonly digest: string;
  readonly objects: number;
  readonly files: number;
  readonly waivers: readonly Waiver[];
  readonly securityExceptions: ReadonlyArray<SecurityExceptionSummary & { readonly folder: string }>;
}

interface CacheFile {
  readonly version: 1;
  /** The dist folder the entries describe. */
  readonly outdir: string;
  readonly folders: Record<string, CachedFolder>;
}

/** The cache's entries for `outdir`, or none (missing, unreadable, another dist, another version). */
export function readSynthCache(cacheFile: string, outdir: string): Map<string, CachedFolder> {
  try {
    const data = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as Partial<CacheFile>;
    if (data.version !== 1 || data.outdir !== path.resolve(outdir) || typeof data.folders !== 'object' || data.folders === null) return new Map();
    return new Map(Object.entries(data.folders));
  } catch {
    return new Map();
  }
}

/** Writes the cache (a temporary file renamed over it: a kill never leaves half a cache). */
export function writeSynthCache(cacheFile: string, outdir: string, folders: ReadonlyMap<string, CachedFolder>): void {
  const data: CacheFile = {
    version: 1,
    outdir: path.resolve(outdir),
    folders: Object.fromEntries([...folders].sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
  const partial = `${cacheFile}.${process.pid}.tmp`;
  fs.writeFileSync(partial, JSON.stringify(data));
  fs.renameSync(partial, cacheFile);
}

/** A digest of a folder's files (relative names with `/`, and contents), whatever order they come in. */
export function folderDigest(files: Iterable<readonly [string, string | Buffer]>): string {
  return digestOfHashes([...files].map(([name, text]) => [name, sha256(text)]));
}

function sha256(text: string | Buffer): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

function digestOfHashes(files: ReadonlyArray<readonly [string, string]>): string {
  return sha256(
    files
      .map(([name, hash]) => `${name}\0${hash}`)
      .sort()
      .join('\n'),
  );
}

/**
 * What a session recorded of the folders it rendered (their keys, and the hash of each file
 * written), for the session of the thread that saves the cache (SynthCacheSession.adopt).
 */
export interface SynthCacheRecord {
  readonly keys: ReadonlyArray<readonly [string, string]>;
  readonly written: ReadonlyArray<readonly [string, ReadonlyArray<readonly [string, string]>]>;
}

/**
 * One synth's use of the cache: which system folders may be carried over, the digests of
 * what it writes, and the new cache once dist is committed.
 */
export class SynthCacheSession {
  private readonly previous: Map<string, CachedFolder>;
  private readonly keys = new Map<string, string>();
  private readonly written = new Map<string, Array<[string, string]>>();
  private readonly reused = new Map<string, CachedFolder>();
  private readonly settings: string;

  constructor(
    private readonly config: IncrementalSynth,
    private readonly options: {
      readonly outdir: string;
      readonly rules?: ReadonlyArray<{ readonly id: string }>;
      readonly sourceFolder?: string;
      readonly replaceAll?: boolean;
    },
  ) {
    this.previous = readSynthCache(config.cacheFile, options.outdir);
    // The synth's own settings shape the output too.
    this.settings = JSON.stringify({ rules: options.rules?.map((r) => r.id) ?? 'default', sourceFolder: options.sourceFolder ?? 'default' });
  }

  /** The cached folder to carry over, when the system's inputs and its folder in dist are unchanged; records the key either way. */
  public reusable(chart: SystemChart, folder: string): CachedFolder | undefined {
    const inputs = this.config.inputsOf(chart);
    if (inputs === undefined) return undefined;
    // Files of the user's the system's constructs read (init scripts) count too; a system that reads none keeps its key.
    const files = synthInputsDigest(chart);
    const key = sha256(files === undefined ? `${inputs}\n${this.settings}` : `${inputs}\n${this.settings}\n${files}`);
    this.keys.set(folder, key);
    const entry = this.previous.get(folder);
    if (this.config.reuse === false || entry?.key !== key) return undefined;
    if (folderDigestOnDisk(path.join(this.options.outdir, folder)) !== entry.digest) return undefined;
    this.reused.set(folder, entry);
    return entry;
  }

  /** Records a file the synth writes. */
  public file(folder: string, name: string, text: string): void {
    if (!this.keys.has(folder)) return;
    let list = this.written.get(folder);
    if (!list) this.written.set(folder, (list = []));
    list.push([name, sha256(text)]);
  }

  /** What this session recorded of the folders it rendered, for the session that saves the cache. */
  public record(): SynthCacheRecord {
    return { keys: [...this.keys], written: [...this.written] };
  }

  /** Takes another thread's record of the folders it rendered into this synth's dist as this session's own. */
  public adopt(record: SynthCacheRecord): void {
    for (const [folder, key] of record.keys) this.keys.set(folder, key);
    for (const [folder, files] of record.written)
      this.written.set(folder, [...(this.written.get(folder) ?? []), ...files.map(([n, h]): [string, string] => [n, h])]);
  }

  /** After dist was committed: what each system folder was made from, for the next synth. */
  public save(result: {
    readonly folders: ReadonlyArray<{ folder: string; objects: number; files: number }>;
    readonly waivers: readonly Waiver[];
    readonly securityExceptions: CachedFolder['securityExceptions'];
  }): void {
    const next = new Map<string, CachedFolder>();
    // A subset synth leaves the other folders of dist as they were: their entries stay (checked against dist when used).
    if (this.options.replaceAll === false) for (const [folder, entry] of this.previous) next.set(folder, entry);
    for (const summary of result.folders) {
      const folder = summary.folder;
      const reused = this.reused.get(folder);
      if (reused) {
        next.set(folder, reused);
        continue;
      }
      const key = this.keys.get(folder);
      if (key === undefined) {
        next.delete(folder);
        continue;
      }
      next.set(folder, {
        key,
        digest: digestOfHashes(this.written.get(folder) ?? []),
        objects: summary.objects,
        files: summary.files,
        waivers: result.waivers.filter((w) => w.folder === folder),
        securityExceptions: result.securityExceptions.filter((e) => e.folder === folder),
      });
    }
    writeSynthCache(this.config.cacheFile, this.options.outdir, next);
  }
}

/** folderDigest of the files below `dir` as they are on disk; undefined when it is missing. */
export function folderDigestOnDisk(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const files: Array<[string, Buffer]> = [];
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else files.push([rel, fs.readFileSync(path.join(dir, rel))]);
    }
  };
  walk('');
  return folderDigest(files);
}

/** The stamp scripts/bundle.mjs writes next to a bundle: each input's content hash, and esbuild's import graph. */
interface BundleStamp {
  readonly inputs: Readonly<Record<string, string>>;
  readonly imports: Readonly<Record<string, readonly string[]>>;
}

/**
 * A digest per system of every file its output may depend on, from the bundle's stamp: every
 * input of the bundle except the files that only other systems import (their modules and
 * what only they use), and every file of the library that is read at run time rather than
 * bundled (lib/ files other than .ts: scripts, SQL, configuration templates).
 *
 * A system's module is `<sourceFolder><system>.ts` or `<sourceFolder><system>/index.ts`; a
 * system without one depends on everything. A file that no system module reaches (main.ts,
 * the module that lists the systems) counts for every system.
 * @param stampFile `<bundle>.inputs.json`
 * @param root the folder the stamp's paths are relative to (the repository)
 * @returns system -> digest; undefined when the stamp cannot be read (then nothing is reused)
 */
export function systemInputDigests(
  stampFile: string,
  root: string,
  systems: readonly string[],
  sourceFolder = 'charts/',
): Map<string, string> | undefined {
  let stamp: BundleStamp;
  try {
    stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8')) as BundleStamp;
    if (typeof stamp.inputs !== 'object' || typeof stamp.imports !== 'object' || stamp.inputs === null || stamp.imports === null) return undefined;
  } catch {
    return undefined;
  }
  const folder = sourceFolder.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/?$/, '/');
  const closure = (start: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length > 0) {
      const file = stack.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const next of stamp.imports[file] ?? []) stack.push(next);
    }
    return seen;
  };
  const reach = new Map<string, Set<string>>();
  const withoutModule = new Set<string>();
  for (const system of systems) {
    const module = [`${folder}${system}.ts`, `${folder}${system}/index.ts`].find((f) => f in stamp.inputs);
    reach.set(system, module ? closure(module) : new Set());
    if (!module) withoutModule.add(system);
  }
  // What only one system reaches is that system's own.
  const owners = new Map<string, string[]>();
  for (const [system, files] of reach) for (const file of files) owners.set(file, [...(owners.get(file) ?? []), system]);
  const runtime = runtimeFiles(path.join(root, 'lib'));
  const digests = new Map<string, string>();
  for (const system of systems) {
    const hash = crypto.createHash('sha256').update(`system ${system}\n`);
    for (const file of Object.keys(stamp.inputs).sort()) {
      const only = owners.get(file);
      if (!withoutModule.has(system) && only && only.length === 1 && only[0] !== system) continue;
      hash.update(`${file}\0${stamp.inputs[file]}\n`);
    }
    for (const [file, digest] of runtime) hash.update(`lib/${file}\0${digest}\n`);
    digests.set(system, hash.digest('hex'));
  }
  return digests;
}

/** Every file below `dir` that is not TypeScript, with the digest of its content, sorted. */
function runtimeFiles(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (relative: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (!entry.name.endsWith('.ts'))
        out.push([
          rel,
          crypto
            .createHash('sha256')
            .update(fs.readFileSync(path.join(dir, rel)))
            .digest('hex'),
        ]);
    }
  };
  walk('');
  return out.sort(([a], [b]) => (a < b ? -1 : 1));
}
