import * as fs from 'fs';
import * as path from 'path';

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
  const staging = fs.mkdtempSync(path.join(parent, '.dist-staging-'));
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
