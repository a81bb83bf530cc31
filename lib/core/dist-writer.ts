import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

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

/**
 * Writes dist atomically (see the module comment): a failure or a kill at any point
 * leaves dist as it was, or, once the next run has recovered, the complete new tree.
 * @param outdir the dist folder
 * @param folders the new content
 * @param scope what is replaced; the given folders' own paths are always part of it
 */
export function writeDist(outdir: string, folders: readonly DistFolder[], scope: DistScope): void {
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
  const next = path.join(staging, 'next');
  const old = path.join(staging, 'old');
  let moved = false;
  try {
    fs.writeFileSync(path.join(staging, TARGET_FILE), target);
    fs.mkdirSync(next);
    if (scope !== 'all' && fs.existsSync(target)) {
      const replaced = [...scope.folders, ...folders.map((f) => f.folder)].map((f) =>
        f
          .split('/')
          .filter((p) => p.length > 0)
          .join('/'),
      );
      copyTree(target, next, (relative) => replaced.some((r) => relative === r || relative.startsWith(`${r}/`)));
    }
    writeFolders(next, folders);
    fs.writeFileSync(path.join(staging, READY_FILE), '');
    if (fs.existsSync(target)) {
      fs.renameSync(target, old);
      moved = true;
    }
    try {
      fs.renameSync(next, target);
    } catch (error) {
      // Put the old tree back; the next run would do the same (dist missing, `ready`: it moves `next`).
      if (moved && !fs.existsSync(target)) fs.renameSync(old, target);
      throw error;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Copies `from` into `to` (files and folders), leaving out the relative paths `skip` names. */
function copyTree(from: string, to: string, skip: (relative: string) => boolean, relative = ''): void {
  for (const entry of fs.readdirSync(path.join(from, relative), { withFileTypes: true })) {
    const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (skip(rel)) continue;
    if (entry.isDirectory()) {
      fs.mkdirSync(path.join(to, rel));
      copyTree(from, to, skip, rel);
    } else {
      // A reflink where the file system has them, a copy otherwise: the old tree is removed after the swap.
      fs.copyFileSync(path.join(from, rel), path.join(to, rel), fs.constants.COPYFILE_FICLONE);
    }
  }
}

function writeFolders(root: string, folders: readonly DistFolder[]): void {
  // One mkdir per directory, not per file: at thousands of objects per folder the
  // repeated recursive mkdir calls cost as much as the writes.
  const created = new Set<string>();
  for (const folder of folders) {
    for (const [name, text] of folder.files) {
      const file = path.join(root, folder.folder, name);
      const dir = path.dirname(file);
      if (!created.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        created.add(dir);
      }
      fs.writeFileSync(file, text);
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
