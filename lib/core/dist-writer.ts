import * as fs from 'fs';
import * as path from 'path';

const STAGING_PREFIX = '.dist-staging-';

/**
 * Removes the staging folders of synths that were killed before they could clean up:
 * those whose pid (in the folder name) is no longer a running process, and those without
 * a pid. A folder of a live synth is left alone.
 */
export function removeStaleStaging(parent: string): string[] {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(parent);
  } catch {
    return removed;
  }
  for (const entry of entries) {
    if (!entry.startsWith(STAGING_PREFIX)) continue;
    const pid = /^(\d+)-/.exec(entry.slice(STAGING_PREFIX.length))?.[1];
    if (pid !== undefined && isAlive(parseInt(pid, 10))) continue;
    fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
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

/** The content of one folder of dist, e.g. `prod/loopi`: file name -> text. */
export interface DistFolder {
  readonly folder: string;
  readonly files: ReadonlyMap<string, string>;
}

/**
 * Writes dist atomically. Everything is first written to a staging folder next to dist;
 * only then is it swapped in with renames, so a failure while writing leaves dist as it
 * was. With `replaceAll`, the whole of dist is replaced (files no longer produced
 * disappear); otherwise only the given folders are replaced and the rest is untouched.
 */
export function writeDist(outdir: string, folders: readonly DistFolder[], replaceAll: boolean): void {
  const parent = path.dirname(path.resolve(outdir));
  removeStaleStaging(parent);
  // The pid in the name tells later runs whether the synth that owns the folder is still alive.
  const staging = fs.mkdtempSync(path.join(parent, `${STAGING_PREFIX}${process.pid}-`));
  try {
    // One mkdir per directory, not per file: at thousands of objects per folder the
    // repeated recursive mkdir calls cost as much as the writes.
    const created = new Set<string>();
    for (const folder of folders) {
      for (const [name, text] of folder.files) {
        const file = path.join(staging, folder.folder, name);
        const dir = path.dirname(file);
        if (!created.has(dir)) {
          fs.mkdirSync(dir, { recursive: true });
          created.add(dir);
        }
        fs.writeFileSync(file, text);
      }
    }
    const trash = path.join(staging, '.replaced');
    if (replaceAll) {
      fs.mkdirSync(trash);
      const next = path.join(staging, '.next');
      fs.mkdirSync(next);
      for (const entry of fs.readdirSync(staging)) {
        if (entry !== '.replaced' && entry !== '.next') fs.renameSync(path.join(staging, entry), path.join(next, entry));
      }
      if (fs.existsSync(outdir)) fs.renameSync(outdir, path.join(trash, 'dist'));
      fs.renameSync(next, outdir);
    } else {
      fs.mkdirSync(trash);
      folders.forEach((folder, index) => {
        // A folder inside another one of the list (dist/<env>/platform/prometheus) moves with it.
        if (folders.some((other) => folder.folder.startsWith(`${other.folder}/`))) return;
        const target = path.join(outdir, folder.folder);
        if (fs.existsSync(target)) fs.renameSync(target, path.join(trash, String(index)));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.renameSync(path.join(staging, folder.folder), target);
      });
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
