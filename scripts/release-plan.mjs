// What `npm run promote` and `npm run release` share: once an environment's entry of
// charts/releases/<system>.json is written, re-synthesize that environment's folder, run its
// plan against dist/ at HEAD and write it, under a commit subject and the list of changed
// images, to charts/releases/<system>.<env>.plan.md. Commits nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class Refusal extends Error {}

export const ENVIRONMENTS = ['dev', 'staging', 'prod'];

/**
 * Writes `release` (with `env`'s entry changed from `before`), synthesizes and plans; restores
 * the file when the synth fails. `subject` is the commit's subject, `done` the line printed,
 * `source(head)` where the images come from. Returns 0, or 1 when the plan blocks.
 */
export function applyRelease({ root, system, env, release, before, subject, done, source }) {
  const releaseFile = join('charts', 'releases', `${system}.json`);
  const write = (content) => writeFileSync(join(root, releaseFile), `${JSON.stringify(content, null, 2)}\n`);
  write(release);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const synth = spawnSync(npm, ['run', '--silent', 'synth', '--', '--env', env, '--system', system], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (synth.status !== 0) {
    write({ ...release, [env]: before });
    throw new Refusal(`the synth of ${env}/${system} failed (above); ${releaseFile} is restored`);
  }
  const planFile = join('charts', 'releases', `${system}.${env}.plan.md`);
  const plan = spawnSync(npm, ['run', '--silent', 'plan', '--', '--env', env, '--system', system, '--markdown', planFile, '--check'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const after = release[env];
  const changed = Object.entries(after).filter(([component, image]) => before[component] !== image);
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const header = [
    // The first line is the commit's subject (`git commit -F` keeps the file as it is).
    subject,
    '',
    changed.length
      ? changed.map(([component, image]) => `- ${component}: ${before[component] ?? '(none)'} -> ${image}`).join('\n')
      : `- nothing changes: ${env} already runs it`,
    '',
    `Source: ${source(head)}. Files: ${releaseFile}, dist/${env}/${system}/.`,
    '',
  ].join('\n');
  const planPath = join(root, planFile);
  writeFileSync(planPath, header + (existsSync(planPath) ? readFileSync(planPath, 'utf8') : '(the plan wrote nothing)\n'));
  const files = [releaseFile, join('dist', env, system), planFile];
  console.log(`${done}: ${changed.length} image(s) changed; plan in ${planFile}`);
  console.log(`review and commit: git add ${files.join(' ')} && git commit -F ${planFile}`);
  if (plan.status !== 0) {
    console.error(`the plan of ${env}/${system} has a blocking change without an acknowledgement (see ${planFile}): not ready to merge`);
    return 1;
  }
  return 0;
}

/**
 * The command-line tail of `npm run release` and `npm run promote`: argument errors print with
 * the usage and exit 2; `run` returns the exit code; a Refusal is one line on stderr and exit 2.
 * @param {{ errors: string[] }} args the parsed arguments
 * @param {string} usage
 * @param {() => number} run
 */
export function runCommand(args, usage, run) {
  if (args.errors.length > 0) {
    for (const e of args.errors) console.error(`error: ${e}`);
    console.error(usage);
    process.exit(2);
  }
  try {
    process.exit(run());
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    console.error(`error: ${error.message}`);
    process.exit(2);
  }
}
