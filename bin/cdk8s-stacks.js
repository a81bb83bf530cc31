#!/usr/bin/env node
// `cdk8s-stacks init <dir>`: writes a new stacks repository from templates/app. Plain
// JavaScript, so that it runs straight from the installed package.
'use strict';
const fs = require('fs');
const path = require('path');

const TEMPLATE = path.join(__dirname, '..', 'templates', 'app');
// npm never packs files named .gitignore, and dot-folders are easy to lose: renamed on the way out.
const RENAMES = { gitignore: '.gitignore', ci: '.ci' };
const USAGE = 'usage: cdk8s-stacks init <dir>    write a new stacks repository into <dir> (new or empty)';

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
  console.log(`Wrote a stacks repository to ${shown}/. Next:\n  cd ${shown}\n  npm install && npm run synth\n  npm test`);
}

const [command, dir, ...rest] = process.argv.slice(2);
if (command === undefined || command === '--help' || command === '-h') {
  console.log(USAGE);
  process.exit(command === undefined ? 2 : 0);
}
if (command !== 'init') fail(`unknown command '${command}'`);
if (dir === undefined || rest.length > 0) fail('init takes exactly one folder');
init(dir);
