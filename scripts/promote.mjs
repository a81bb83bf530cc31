// `npm run promote -- <system> --from <env> --to <env>`: promotes a release between environments.
//
// The images each environment runs are recorded in Git, per system, in charts/releases/<system>.json
// (environment -> component -> image path in that environment's registry, with the digest when
// one was given). Promoting copies the source environment's entry into the target's, and only
// what the source runs: the source's entry and its dist/ folder must be committed, and every
// image of the entry must be in that folder (what Argo CD deploys there). Then it
// re-synthesizes the target's folder (`npm run synth -- --env <to> --system <system>`), runs
// the plan of that folder against dist/ at HEAD (`npm run plan -- ... --markdown --check`) and
// writes it to charts/releases/<system>.<to>.plan.md, to be committed with the change: the
// reviewer of the promotion commit reads what it does to the target environment there.
// It commits nothing. Exit status: 0 promoted, 1 the plan has a blocking change without an
// acknowledgement (the files are written, for review), 2 bad input or a refused promotion.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { applyRelease, ENVIRONMENTS, Refusal, runCommand } from './release-plan.mjs';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const USAGE = 'usage: npm run promote -- <system> --from <environment> --to <environment>';

function parseArgs(argv) {
  const out = { system: undefined, from: undefined, to: undefined };
  const errors = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(from|to)(?:=(.*))?$/.exec(argv[i]);
    if (m) {
      const value = m[2] ?? argv[++i];
      if (value === undefined || value === '') errors.push(`--${m[1]} needs an environment`);
      else out[m[1]] = value;
    } else if (argv[i].startsWith('-')) errors.push(`unknown option '${argv[i]}'`);
    else if (out.system === undefined) out.system = argv[i];
    else errors.push(`unexpected argument '${argv[i]}' (one system at a time)`);
  }
  if (out.system === undefined) errors.push('which system? (the first argument)');
  for (const side of ['from', 'to']) {
    if (out[side] === undefined) errors.push(`--${side} is required`);
    else if (!ENVIRONMENTS.includes(out[side])) errors.push(`--${side} '${out[side]}' is not an environment (${ENVIRONMENTS.join(', ')})`);
  }
  if (out.from !== undefined && out.from === out.to) errors.push(`--from and --to are both '${out.from}': promote to another environment`);
  return { ...out, errors };
}

const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });

/** Every `image:` of every object in the folder's YAML files (restore Jobs included). */
function imagesIn(folder) {
  const images = new Set();
  const visit = (node) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object')
      for (const [key, value] of Object.entries(node)) {
        if (key === 'image' && typeof value === 'string') images.add(value);
        else visit(value);
      }
  };
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.yaml')) for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) visit(doc.toJS());
    }
  };
  walk(folder);
  return images;
}

/** An image path of the release file as the folder writes it: in full, with the environment's registry host, or as it is. */
const runs = (images, path) => [...images].some((image) => image === path || image.endsWith(`/${path}`));

function promote({ system, from, to }) {
  const releaseFile = join('charts', 'releases', `${system}.json`);
  if (!existsSync(join(ROOT, releaseFile))) {
    const known = readdirSync(join(ROOT, 'charts', 'releases'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length));
    throw new Refusal(`${system} records no images per environment (no ${releaseFile}); systems with a release file: ${known.join(', ') || 'none'}`);
  }
  const release = JSON.parse(readFileSync(join(ROOT, releaseFile), 'utf8'));
  const source = release[from];
  if (typeof source !== 'object' || source === null || Object.keys(source).length === 0)
    throw new Refusal(`${releaseFile} has no images for ${from}`);
  for (const [component, image] of Object.entries(source))
    if (typeof image !== 'string' || image === '')
      throw new Refusal(`${releaseFile}: ${from}.${component} must be an image path (is ${JSON.stringify(image)})`);

  // What the source runs is what is committed: Argo CD deploys HEAD, not the working tree.
  const sourceDist = join('dist', from, system);
  if (!existsSync(join(ROOT, sourceDist))) throw new Refusal(`${sourceDist} does not exist: ${system} is not synthesized for ${from}`);
  const dirty = git('status', '--porcelain', '--', releaseFile, sourceDist).trim();
  if (dirty !== '')
    throw new Refusal(
      `${releaseFile} or ${sourceDist} has uncommitted changes; commit (and deploy) ${from} first, then promote what it runs:\n${dirty}`,
    );
  const images = imagesIn(join(ROOT, sourceDist));
  const missing = Object.entries(source).filter(([, path]) => !runs(images, path));
  if (missing.length > 0)
    throw new Refusal(
      `${from} does not run what it would promote: ${missing.map(([c, p]) => `${c} ${p}`).join(', ')} not in ${sourceDist} (re-synthesize ${from} and commit it first)`,
    );

  const before = release[to] ?? {};
  return applyRelease({
    root: ROOT,
    system,
    env: to,
    release: { ...release, [to]: { ...before, ...source } },
    before,
    subject: `Promote ${system} from ${from} to ${to}`,
    done: `promoted ${system} ${from} -> ${to}`,
    source: (head) => `${from} at ${head} (${sourceDist})`,
  });
}

const args = parseArgs(process.argv.slice(2));
runCommand(args, USAGE, () => promote(args));
