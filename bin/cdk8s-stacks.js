#!/usr/bin/env node
// `cdk8s-stacks init <dir>`: writes a new stacks repository from templates/app.
// `cdk8s-stacks plan [options]`: runs the repository's own synth command with synthesize()
// planned instead of written (lib/plan/register.ts): nothing is written to dist/.
// Plain JavaScript, so that it runs straight from the installed package.
'use strict';
const fs = require('fs');
const path = require('path');

const TEMPLATE = path.join(__dirname, '..', 'templates', 'app');
// npm never packs files named .gitignore, and dot-folders are easy to lose: renamed on the way out.
const RENAMES = { gitignore: '.gitignore', ci: '.ci' };
const USAGE = [
  'usage: cdk8s-stacks init <dir>        write a new stacks repository into <dir> (new or empty)',
  '       cdk8s-stacks plan [options]    what the charts would change in dist/, with risk flags (run in the repository)',
  '         --app <command>              the synth command (default: `app` of cdk8s.yaml)',
  '         --baseline <git-ref>         compare with dist/ as committed at <git-ref> (default HEAD)',
  '         --baseline-dir <folder>      compare with a dist folder instead',
  '         --markdown <file>            also write the plan as Markdown (for a pull request comment)',
  '         --check                      exit 1 when a blocking change has no acknowledgement',
  '         --strict-acknowledgements    with --check, stale acknowledgements fail too',
  "         --kubernetes <1.N>           the clusters' Kubernetes release (default 1.27)",
].join('\n');

function fail(message) {
  console.error(`cdk8s-stacks: ${message}\n${USAGE}`);
  process.exit(2);
}

/** The versions the template pins: the library's own, and the exact ones it is built and tested with. */
function versions() {
  const own = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
  return { ...own.devDependencies, ...own.dependencies, 'cdk8s-stacks': `^${own.version}` };
}

function copy(from, to, values) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, RENAMES[entry.name] ?? entry.name);
    if (entry.isDirectory()) {
      copy(source, target, values);
      continue;
    }
    const text = fs.readFileSync(source, 'utf8').replace(/\{\{([^}]+)\}\}/g, (whole, key) => {
      if (!(key in values)) throw new Error(`template ${source}: no value for ${whole}`);
      return values[key];
    });
    fs.writeFileSync(target, text, { mode: fs.statSync(source).mode });
  }
}

function init(dir) {
  const target = path.resolve(dir);
  if (fs.existsSync(target) && (!fs.statSync(target).isDirectory() || fs.readdirSync(target).length > 0)) {
    fail(`${target} exists and is not an empty folder; nothing was written`);
  }
  const name = path.basename(target).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'stacks';
  const values = { name };
  for (const [pkg, version] of Object.entries(versions())) values[`version:${pkg}`] = version;
  copy(TEMPLATE, target, values);
  const shown = path.relative(process.cwd(), target) || '.';
  console.log(
    `Wrote a stacks repository to ${shown}/. Next:\n  cd ${shown}\n  npm install && npm run synth\n  npm run test:update   # records the first snapshots (commit test/__snapshots__/)\n  npm test`,
  );
}

/** The options `plan` passes on (as lib/plan/cli.ts's PlanArgs), checked here so mistakes fail before the app runs. */
function planArgs(argv) {
  const args = {};
  let app;
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(app|baseline|baseline-dir|markdown|kubernetes)(?:=(.*))?$/.exec(argv[i]);
    if (argv[i] === '--check') args.check = true;
    else if (argv[i] === '--strict-acknowledgements') args.strictAcknowledgements = true;
    else if (m) {
      const value = m[2] ?? argv[++i];
      if (value === undefined || value === '') fail(`--${m[1]} needs a value`);
      if (m[1] === 'app') app = value;
      else if (m[1] === 'baseline') args.baseline = value;
      else if (m[1] === 'baseline-dir') args.baselineDir = path.resolve(value);
      else if (m[1] === 'markdown') args.markdown = path.resolve(value);
      else {
        const v = /^1\.(\d+)$/.exec(value);
        if (!v) fail(`--kubernetes ${JSON.stringify(value)} must be a release such as 1.27 or 1.30`);
        args.kubernetesMinor = Number(v[1]);
      }
    } else fail(`plan: unknown argument '${argv[i]}'`);
  }
  if (args.baseline !== undefined && args.baselineDir !== undefined) fail('--baseline and --baseline-dir exclude each other');
  return { args, app };
}

/** The repository's synth command: `app:` of cdk8s.yaml in the current folder. */
function appCommand() {
  const file = path.join(process.cwd(), 'cdk8s.yaml');
  const match = fs.existsSync(file) ? /^app:[ \t]*(.+)$/m.exec(fs.readFileSync(file, 'utf8')) : null;
  if (!match) fail('plan: no cdk8s.yaml with an `app:` command in this folder; run it in the repository, or give --app <command>');
  return match[1].trim();
}

function plan(argv) {
  const { args, app } = planArgs(argv);
  const register = path.join(__dirname, '..', 'lib-dist', 'lib', 'plan', 'register.js');
  if (!fs.existsSync(register)) fail(`plan: ${register} is missing (the package is not built: npm run build:lib)`);
  const nodeOptions = [process.env.NODE_OPTIONS, `--require ${JSON.stringify(register)}`].filter(Boolean).join(' ');
  const result = require('child_process').spawnSync(app ?? appCommand(), {
    shell: true,
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: nodeOptions, CDK8S_STACKS_PLAN: JSON.stringify(args) },
  });
  if (result.error) fail(`plan: could not run the synth command: ${result.error.message}`);
  process.exit(result.status ?? 1);
}

const [command, dir, ...rest] = process.argv.slice(2);
if (command === undefined || command === '--help' || command === '-h') {
  console.log(USAGE);
  process.exit(command === undefined ? 2 : 0);
}
if (command === 'plan') plan(process.argv.slice(3));
else if (command !== 'init') fail(`unknown command '${command}'`);
else {
  if (dir === undefined || rest.length > 0) fail('init takes exactly one folder');
  init(dir);
}
