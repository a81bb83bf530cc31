// `npm run release -- <system> --image <component>=<path>:<tag>@sha256:<digest> [...]`: records a new
// build of an application in dev, the first environment; staging and prod get it only by
// `npm run promote` afterwards. The application's pipeline calls it once its tests passed and
// its image is pushed (templates/ci/, a pull request to this repository).
//
// The image is a path in the environment's registry, pinned by its digest: what was tested is
// what runs, whatever happens to the tag. Only components the release file already records
// may change (a misspelled one would be rendered by nothing). Then, like promote, it
// re-synthesizes dist/dev/<system>, writes the plan to charts/releases/<system>.dev.plan.md
// and commits nothing. Exit status: 0 released, 1 blocking plan, 2 bad input or a refusal.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyRelease, Refusal, runCommand } from './release-plan.mjs';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const ENV = 'dev';
const USAGE = 'usage: npm run release -- <system> --image <component>=<path>:<tag>@sha256:<digest> [--image ...]';
const PINNED = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}@sha256:[0-9a-f]{64}$/;

function parseArgs(argv) {
  const out = { system: undefined, images: {} };
  const errors = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--image(?:=(.*))?$/.exec(argv[i]);
    if (m) {
      const value = m[1] ?? argv[++i];
      const eq = value?.indexOf('=') ?? -1;
      if (value === undefined || eq <= 0) {
        errors.push(`--image needs <component>=<image> (got ${JSON.stringify(value ?? null)})`);
        continue;
      }
      const [component, image] = [value.slice(0, eq), value.slice(eq + 1)];
      if (component in out.images) errors.push(`--image ${component} is given twice`);
      else if (!PINNED.test(image))
        errors.push(`--image ${component}: '${image}' must be a registry path with a tag and its digest, e.g. shop-api:1.2.0@sha256:<64 hex>`);
      out.images[component] = image;
    } else if (argv[i].startsWith('-')) errors.push(`unknown option '${argv[i]}'`);
    else if (out.system === undefined) out.system = argv[i];
    else errors.push(`unexpected argument '${argv[i]}' (one system at a time)`);
  }
  if (out.system === undefined) errors.push('which system? (the first argument)');
  if (Object.keys(out.images).length === 0 && !errors.some((e) => e.startsWith('--image'))) errors.push('--image is required');
  return { ...out, errors };
}

function release({ system, images }) {
  const releaseFile = join('charts', 'releases', `${system}.json`);
  if (!existsSync(join(ROOT, releaseFile))) throw new Refusal(`${system} records no images per environment (no ${releaseFile})`);
  const dirty = execFileSync('git', ['status', '--porcelain', '--', releaseFile, join('dist', ENV, system)], { cwd: ROOT, encoding: 'utf8' }).trim();
  if (dirty !== '') throw new Refusal(`${releaseFile} or dist/${ENV}/${system} has uncommitted changes; commit or discard them first:\n${dirty}`);
  const current = JSON.parse(readFileSync(join(ROOT, releaseFile), 'utf8'));
  const before = current[ENV] ?? {};
  const unknown = Object.keys(images).filter((component) => !(component in before));
  if (unknown.length > 0)
    throw new Refusal(`${releaseFile} records no ${unknown.join(', ')} in ${ENV} (it records ${Object.keys(before).join(', ') || 'nothing'})`);
  return applyRelease({
    root: ROOT,
    system,
    env: ENV,
    release: { ...current, [ENV]: { ...before, ...images } },
    before,
    subject: `Release ${system} to ${ENV}: ${Object.entries(images)
      .map(([component, image]) => `${component} ${image.replace(/@sha256:([0-9a-f]{12})[0-9a-f]*$/, '@$1')}`)
      .join(', ')}`,
    done: `released ${system} to ${ENV}`,
    source: (head) => `a build of the application's pipeline, on ${head}`,
  });
}

const args = parseArgs(process.argv.slice(2));
runCommand(args, USAGE, () => release(args));
