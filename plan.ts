/**
 * `npm run plan`: what the charts would change in dist/, and how risky it is, without writing dist/.
 *
 *   npm run plan                                   # against dist/ as committed at HEAD
 *   npm run plan -- --baseline origin/main --markdown plan.md --check
 *   npm run plan -- --env prod --system loopi      # a subset
 *
 * Synthesizes in memory with the same pipeline as `npm run synth`, then compares per folder
 * (see lib/plan/). Options: --env, --system, and the plan's own (PLAN_USAGE).
 */
import * as path from 'path';
import { ENVIRONMENT_NAMES, parsePlanArgs, PLAN_USAGE, runPlanCli } from 'cdk8s-stacks';
import { SYSTEMS } from './charts';
import { buildRepositoryApp } from './charts/app';

function main(): number {
  const { args, rest, errors } = parsePlanArgs(process.argv.slice(2));
  const selection: Record<'env' | 'system', string[]> = { env: [], system: [] };
  for (let i = 0; i < rest.length; i++) {
    const m = /^--(env|system)(?:=(.*))?$/.exec(rest[i]);
    const value = m ? (m[2] ?? rest[++i]) : undefined;
    if (!m) errors.push(`unknown argument '${rest[i]}'`);
    else if (value === undefined) errors.push(`--${m[1]} needs a value`);
    else selection[m[1] as 'env' | 'system'].push(...value.split(',').filter((v) => v.length > 0));
  }
  for (const env of selection.env)
    if (!(ENVIRONMENT_NAMES as readonly string[]).includes(env))
      errors.push(`unknown environment '${env}'; valid environments: ${ENVIRONMENT_NAMES.join(', ')}`);
  for (const system of selection.system)
    if (!(system in SYSTEMS)) errors.push(`unknown system '${system}'; valid systems: ${Object.keys(SYSTEMS).join(', ')}`);
  if (errors.length > 0) {
    for (const e of errors) console.error(`error: ${e}`);
    console.error(`usage: npm run plan -- [--env <name>] [--system <name>] [options]\n${PLAN_USAGE}`);
    return 2;
  }
  const envs = selection.env.length ? selection.env : [...ENVIRONMENT_NAMES];
  const systems = selection.system.length ? selection.system : Object.keys(SYSTEMS);
  const partial = selection.env.length > 0 || selection.system.length > 0;
  return runPlanCli({
    ...args,
    build: () => buildRepositoryApp({ envs: envs as (typeof ENVIRONMENT_NAMES)[number][], systems, outdir: path.join(__dirname, 'cdk8s-app') }),
    distDir: path.join(__dirname, '..', 'dist'),
    // A partial plan compares only the folders it renders.
    selected: partial ? (folder) => envs.includes(folder.split('/')[0]) && systems.includes(folder.split('/')[1]) : undefined,
  });
}

process.exitCode = main();
