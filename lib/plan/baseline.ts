import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The dist tree a plan compares with: folder (`prod/shop`) -> file (relative to the folder,
 * `restore/` files included) -> text. A folder is a directory holding a kustomization.yaml;
 * files below it belong to the nearest such directory. READMEs and kustomizations are left
 * out: they describe objects, they are not objects.
 */
export type DistTree = Map<string, Map<string, string>>;

/** Where the baseline comes from. */
export type BaselineSource =
  | { readonly kind: 'git'; readonly ref: string; readonly repo: string; readonly distPath: string }
  | { readonly kind: 'folder'; readonly dir: string };

/** A baseline that cannot be read: the message says what and why. */
export class BaselineError extends Error {}

/** Reads the baseline tree. */
export function readBaseline(source: BaselineSource): DistTree {
  return source.kind === 'git' ? readGitDist(source.repo, source.ref, source.distPath) : readFolderDist(source.dir);
}

function isObjectFile(file: string): boolean {
  return file.endsWith('.yaml') && path.posix.basename(file) !== 'kustomization.yaml';
}

/** Groups `dist`-relative paths into folders (directories with a kustomization.yaml). */
function group(paths: readonly string[], read: (p: string) => string): DistTree {
  const folders = new Set(paths.filter((p) => path.posix.basename(p) === 'kustomization.yaml').map((p) => path.posix.dirname(p)));
  const tree: DistTree = new Map();
  for (const p of paths) {
    if (!isObjectFile(p)) continue;
    let dir = path.posix.dirname(p);
    while (dir !== '.' && !folders.has(dir)) dir = path.posix.dirname(dir);
    if (dir === '.') continue;
    let files = tree.get(dir);
    if (!files) tree.set(dir, (files = new Map()));
    files.set(path.posix.relative(dir, p), read(p));
  }
  return tree;
}

/** dist/ as committed at `ref`, read with `git ls-tree` and one `git cat-file --batch` (no checkout). */
export function readGitDist(repo: string, ref: string, distPath: string): DistTree {
  if (!/^[\w./@~^{}-]+$/.test(ref) || ref.startsWith('-')) throw new BaselineError(`--baseline ${JSON.stringify(ref)} is not a git revision`);
  const prefix = distPath.replace(/\/+$/, '');
  const verify = spawnSync('git', ['-C', repo, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { encoding: 'utf8' });
  if (verify.status !== 0) throw new BaselineError(`--baseline ${ref}: no such commit in ${repo}`);
  const listing = execFileSync('git', ['-C', repo, 'ls-tree', '-r', '-z', '--full-tree', ref, '--', `${prefix}/`], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const entries = listing
    .split('\0')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [meta, file] = l.split('\t');
      return { type: meta.split(' ')[1], blob: meta.split(' ')[2], file: path.posix.relative(prefix, file) };
    })
    .filter((e) => e.type === 'blob' && (isObjectFile(e.file) || path.posix.basename(e.file) === 'kustomization.yaml'));
  const wanted = entries.filter((e) => isObjectFile(e.file));
  const texts = catBlobs(
    repo,
    wanted.map((e) => e.blob),
  );
  const byFile = new Map(wanted.map((e, i) => [e.file, texts[i]]));
  return group(
    entries.map((e) => e.file),
    (p) => byFile.get(p) ?? '',
  );
}

/** The contents of many blobs in one process: `git cat-file --batch` answers `<sha> blob <size>\n<bytes>\n` per line of input. */
function catBlobs(repo: string, blobs: readonly string[]): string[] {
  if (blobs.length === 0) return [];
  const out = execFileSync('git', ['-C', repo, 'cat-file', '--batch'], { input: `${blobs.join('\n')}\n`, maxBuffer: 1024 * 1024 * 1024 });
  const texts: string[] = [];
  let at = 0;
  for (const blob of blobs) {
    const eol = out.indexOf(10, at);
    const header = out.toString('utf8', at, eol).split(' ');
    if (header[0] !== blob || header[1] !== 'blob') throw new BaselineError(`git cat-file: unexpected answer '${header.join(' ')}' for ${blob}`);
    const size = Number(header[2]);
    texts.push(out.toString('utf8', eol + 1, eol + 1 + size));
    at = eol + 1 + size + 1;
  }
  return texts;
}

/** A dist folder on disk (another checkout, a downloaded artifact). */
export function readFolderDist(dir: string): DistTree {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new BaselineError(`--baseline-dir ${dir}: not a folder`);
  const paths: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.yaml')) paths.push(p);
    }
  };
  walk('');
  return group(paths, (p) => fs.readFileSync(path.join(dir, p), 'utf8'));
}
