import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { defaultWriteThreads, FileWriterPool } from './file-writer-pool';

/**
 * Writes dist/ atomically, for a full synth and for a subset alike.
 *
 * Every synth builds the complete new tree in a staging folder next to dist/
 * (`.dist-staging-<pid>-<random>/next`): a subset synth copies the folders it does not
 * replace from the current dist/ and writes its own. Only then is the tree swapped in with
 * two renames (dist/ -> staging/old, staging/next -> dist/). The staging folder is a journal
 * that the next run reads when a synth was killed on the way:
 *
 * - no `ready` file: the new tree was incomplete and dist/ never touched; removed.
 * - `ready`, and dist/ is missing: killed between the two renames; the complete new tree is
 *   moved in (roll forward).
 * - `ready`, and dist/ exists: the swap had not started or had finished; removed.
 *
 * So after any interruption, once the next run has looked, dist/ is byte-identical to what
 * it was or to the complete output of the interrupted synth, and no staging folder is left.
 */

const STAGING_PREFIX = '.dist-staging-';
/** The absolute path of the dist folder a staging folder belongs to. */
const TARGET_FILE = 'target';
/** Written once `next` holds the complete new tree. */
const READY_FILE = 'ready';

/** What the next run found of an interrupted synth, and what it did. */
export interface StagingRecovery {
  readonly staging: string;
  /** The dist folder the staging folder belonged to (undefined for folders of older versions). */
  readonly target?: string;
  /** `discarded`: dist had not been touched; `completed`: the interrupted swap was finished. */
  readonly action: 'discarded' | 'completed';
}

/** Raised when another synth that is still running writes the same dist folder. */
export class DistBusyError extends Error {}

/**
 * Finishes or discards what synths that were killed left next to dist (their staging
 * folders, see the module comment): those whose pid (in the folder name) is no longer a
 * running process, and those without a pid. A folder of a live synth is left alone.
 * @param parent the folder that holds dist (and the staging folders)
 * @returns what was done, one entry per staging folder
 */
export function recoverStaging(parent: string): StagingRecovery[] {
  const done: StagingRecovery[] = [];
  for (const entry of stagingFolders(parent)) {
    if (entry.pid !== undefined && isAlive(entry.pid)) continue;
    done.push(recoverOne(path.join(parent, entry.name)));
  }
  return done;
}

function recoverOne(staging: string): StagingRecovery {
  const target = readTarget(staging);
  const next = path.join(staging, 'next');
  let action: StagingRecovery['action'] = 'discarded';
  // Only into the folder the staging folder sits next to: the journal names nothing else.
  if (target !== undefined && path.dirname(target) === path.dirname(staging) && fs.existsSync(path.join(staging, READY_FILE))) {
    if (!fs.existsSync(target) && fs.existsSync(next)) {
      fs.renameSync(next, target);
      action = 'completed';
    } else if (!fs.existsSync(target) && fs.existsSync(path.join(staging, 'old'))) {
      fs.renameSync(path.join(staging, 'old'), target);
    }
  }
  fs.rmSync(staging, { recursive: true, force: true });
  return { staging, target, action };
}

function readTarget(staging: string): string | undefined {
  try {
    const text = fs.readFileSync(path.join(staging, TARGET_FILE), 'utf8');
    return path.isAbsolute(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

function stagingFolders(parent: string): Array<{ name: string; pid?: number }> {
  let entries: string[];
  try {
    entries = fs.readdirSync(parent);
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.startsWith(STAGING_PREFIX))
    .map((name) => {
      const pid = /^(\d+)-/.exec(name.slice(STAGING_PREFIX.length))?.[1];
      return { name, pid: pid === undefined ? undefined : parseInt(pid, 10) };
    });
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The content of one folder of dist, e.g. `prod/shop`: file name -> text. */
export interface DistFolder {
  readonly folder: string;
  readonly files: ReadonlyMap<string, string>;
}

/**
 * Which parts of dist a synth replaces: everything (`'all'`: files no longer produced
 * disappear), or the given folders (relative to dist, e.g. `prod` or `prod/shop`), each
 * with everything below it; the rest of dist is carried over unchanged.
 */
export type DistScope = 'all' | { readonly folders: readonly string[] };

/** How a synth writes its files. */
export interface DistWriteOptions {
  /**
   * Worker threads that write the files (0: the main thread writes them). Threads start only
   * once a synth has more than a few hundred files to write.
   * @default defaultWriteThreads(): CDK8S_STACKS_WRITE_THREADS, else one per core besides the main thread's (1 to 3)
   */
  readonly threads?: number;
}

/** Files queued before the writer threads are started: below it, starting them costs more than they save. */
const THREADS_FROM_FILES = 400;

/**
 * One atomic write of dist, file by file: `open` makes the staging folder (see the module
 * comment), `add` writes folders' files into it while the caller renders the next ones,
 * `commit` swaps the complete tree in, `abort` removes the staging folder and leaves dist as
 * it was. `writeDist` is open, add, commit.
 */
export class DistWrite {
  /**
   * Starts a write of `outdir`: finishes or discards what interrupted synths left, refuses
   * when another live synth is writing it, and makes the staging folder.
   */
  public static open(outdir: string, options: DistWriteOptions = {}): DistWrite {
    const target = path.resolve(outdir);
    const parent = path.dirname(target);
    fs.mkdirSync(parent, { recursive: true });
    recoverStaging(parent);
    const busy = stagingFolders(parent).find((s) => s.pid !== process.pid && readTarget(path.join(parent, s.name)) === target);
    if (busy)
      throw new DistBusyError(
        `another synth (pid ${busy.pid}) is writing ${target}; wait for it to finish (if no synth is running, delete ${path.join(parent, busy.name)})`,
      );
    // The pid in the name tells later runs whether the synth that owns the folder is still alive.
    const staging = fs.mkdtempSync(path.join(parent, `${STAGING_PREFIX}${process.pid}-`));
    try {
      fs.writeFileSync(path.join(staging, TARGET_FILE), target);
      fs.mkdirSync(path.join(staging, 'next'));
    } catch (error) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw error;
    }
    return new DistWrite(target, staging, options.threads ?? defaultWriteThreads());
  }

  private readonly next: string;
  private readonly folders: string[] = [];
  private readonly created = new Set<string>();
  private queued: string[] = [];
  private pool?: FileWriterPool;
  private closed = false;

  private constructor(
    private readonly target: string,
    private readonly staging: string,
    private readonly threads: number,
  ) {
    this.next = path.join(staging, 'next');
  }

  /** Writes one file of `folder` (relative to dist) into the new tree. */
  public addFile(folder: string, name: string, text: string): void {
    if (this.closed) throw new Error('DistWrite: the write is already committed or aborted');
    if (this.folders[this.folders.length - 1] !== folder && !this.folders.includes(folder)) this.folders.push(folder);
    const file = path.join(this.next, folder, name);
    const dir = path.dirname(file);
    // One mkdir per directory, not per file: at thousands of objects per folder the
    // repeated recursive mkdir calls cost as much as the writes. Made here, before the
    // file is handed to a thread, so that a writer never finds its folder missing.
    if (!this.created.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      this.created.add(dir);
    }
    if (this.pool) this.pool.write(file, text);
    else if (this.threads === 0) fs.writeFileSync(file, text);
    else {
      this.queued.push(file, text);
      if (this.queued.length >= THREADS_FROM_FILES * 2) {
        this.pool = new FileWriterPool(this.threads);
        for (let i = 0; i < this.queued.length; i += 2) this.pool.write(this.queued[i], this.queued[i + 1]);
        this.queued = [];
      }
    }
  }

  /**
   * Carries `folder` (relative to dist) over from the current dist as it is, files and
   * subfolders: an incremental synth's unchanged system. Its path is part of what this write
   * replaces, so a scope that keeps other folders never copies it twice.
   */
  public carryOver(folder: string): void {
    if (this.closed) throw new Error('DistWrite: the write is already committed or aborted');
    const from = path.join(this.target, folder);
    const to = path.join(this.next, folder);
    fs.mkdirSync(to, { recursive: true });
    this.created.add(to);
    copyTree(from, to, () => false);
    if (!this.folders.includes(folder)) this.folders.push(folder);
  }

  /** Writes every file of `folder` into the new tree. */
  public add(folder: DistFolder): void {
    for (const [name, text] of folder.files) this.addFile(folder.folder, name, text);
    // A folder without files is still part of what this synth replaces.
    if (!this.folders.includes(folder.folder)) this.folders.push(folder.folder);
  }

  /**
   * Swaps the new tree in: what `scope` replaces (the added folders' paths always) comes from
   * this write, everything else from the current dist. Aborts (dist untouched) when it fails
   * before the swap.
   */
  public commit(scope: DistScope): void {
    let moved = false;
    const old = path.join(this.staging, 'old');
    try {
      for (let i = 0; i < this.queued.length; i += 2) fs.writeFileSync(this.queued[i], this.queued[i + 1]);
      this.queued = [];
      this.pool?.flush();
      if (scope !== 'all' && fs.existsSync(this.target)) {
        const replaced = [...scope.folders, ...this.folders].map((f) =>
          f
            .split('/')
            .filter((p) => p.length > 0)
            .join('/'),
        );
        copyTree(this.target, this.next, (relative) => replaced.some((r) => relative === r || relative.startsWith(`${r}/`)));
      }
      fs.writeFileSync(path.join(this.staging, READY_FILE), '');
      if (fs.existsSync(this.target)) {
        fs.renameSync(this.target, old);
        moved = true;
      }
      try {
        fs.renameSync(this.next, this.target);
      } catch (error) {
        // Put the old tree back; the next run would do the same (dist missing, `ready`: it moves `next`).
        if (moved && !fs.existsSync(this.target)) fs.renameSync(old, this.target);
        throw error;
      }
    } finally {
      this.abort();
    }
  }

  /** Stops the writers and removes the staging folder; dist is left as it was (or as commit swapped it). */
  public abort(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool?.close();
    fs.rmSync(this.staging, { recursive: true, force: true });
  }
}

/**
 * Writes dist atomically (see the module comment): a failure or a kill at any point
 * leaves dist as it was, or, once the next run has recovered, the complete new tree.
 * @param outdir the dist folder
 * @param folders the new content
 * @param scope what is replaced; the given folders' own paths are always part of it
 * @param options how the files are written @default - see DistWriteOptions
 */
export function writeDist(outdir: string, folders: readonly DistFolder[], scope: DistScope, options: DistWriteOptions = {}): void {
  const write = DistWrite.open(outdir, options);
  try {
    for (const folder of folders) write.add(folder);
  } catch (error) {
    write.abort();
    throw error;
  }
  write.commit(scope);
}

/** Copies `from` into `to` (files and folders), leaving out the relative paths `skip` names. */
function copyTree(from: string, to: string, skip: (relative: string) => boolean, relative = ''): void {
  for (const entry of fs.readdirSync(path.join(from, relative), { withFileTypes: true })) {
    const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (skip(rel)) continue;
    if (entry.isDirectory()) {
      // Recursive: the folder may hold a replaced folder this synth has written already.
      fs.mkdirSync(path.join(to, rel), { recursive: true });
      copyTree(from, to, skip, rel);
    } else {
      // A reflink where the file system has them, a copy otherwise: the old tree is removed after the swap.
      fs.copyFileSync(path.join(from, rel), path.join(to, rel), fs.constants.COPYFILE_FICLONE);
    }
  }
}

/**
 * A digest of every file below `dir` (path and content) and of its empty folders; undefined
 * when `dir` does not exist. Two equal digests mean byte-identical trees.
 */
export function treeFingerprint(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const hash = crypto.createHash('sha256');
  const walk = (relative: string): void => {
    const entries = fs.readdirSync(path.join(dir, relative), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    if (entries.length === 0) hash.update(`dir ${relative}\0`);
    for (const entry of entries) {
      const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else
        hash
          .update(`file ${rel}\0`)
          .update(fs.readFileSync(path.join(dir, rel)))
          .update('\0');
    }
  };
  walk('');
  return hash.digest('hex');
}

/**
 * A digest of what every entry below `dir` is on disk (path, kind, inode, size and
 * modification time to the nanosecond), without reading a file; undefined when `dir` does
 * not exist. It tells whether anything wrote the tree between two calls: a swap renames a new
 * tree in (new inodes), a write in place changes the modification time. Used by the CLI to
 * say, after a failure, whether dist was changed; a synth calls it before it starts, where
 * reading every file (treeFingerprint) cost more than a tenth of the run.
 */
export function treeStamp(dir: string): string | undefined {
  let top: fs.BigIntStats;
  try {
    top = fs.lstatSync(dir, { bigint: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const hash = crypto.createHash('sha256');
  const entry = (rel: string, s: fs.BigIntStats): void => {
    hash.update(`${s.isDirectory() ? 'dir' : 'file'} ${rel} ${s.ino} ${s.size} ${s.mtimeNs}\0`);
  };
  entry('', top);
  const walk = (relative: string): void => {
    const names = fs.readdirSync(path.join(dir, relative)).sort();
    for (const name of names) {
      const rel = relative === '' ? name : `${relative}/${name}`;
      const s = fs.lstatSync(path.join(dir, rel), { bigint: true });
      entry(rel, s);
      if (s.isDirectory()) walk(rel);
    }
  };
  if (top.isDirectory()) walk('');
  return hash.digest('hex');
}
