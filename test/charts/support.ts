import { EnvironmentName, synthesize } from '../../lib';
import { buildRepositoryApp } from '../../charts/app';
import * as fs from 'fs';
import * as path from 'path';
import { tmpdir, UNUSED_OUTDIR } from '../support/synth';

type Json = Record<string, any>;

/** The synthesized objects of one system in one environment (full pipeline, policy rules included). */
export function systemObjects(system: string, env: EnvironmentName): Json[] {
  const app = buildRepositoryApp({ envs: [env], systems: [system], outdir: UNUSED_OUTDIR });
  return synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true })
    .objects.filter((o) => o.folder === `${env}/${system}`)
    .map((o) => o.object);
}

export function find(objects: Json[], kind: string, name: string): Json {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1)
    throw new Error(
      `expected one ${kind} '${name}', found ${found.length} (have: ${objects
        .filter((o) => o.kind === kind)
        .map((o) => o.metadata.name)
        .join(', ')})`,
    );
  return found[0];
}

/** Kinds that run a web service's or worker's pods: a Deployment, or the Argo Rollouts Rollout that replaces it. */
export const REPLICATED_KINDS = ['Deployment', 'Rollout'];

/**
 * The one object running the workload `name`: its Deployment, or its Rollout (blue-green or
 * canary releases). Throws when there is neither, or both: two objects would run two sets of pods.
 */
export function workloadObject(objects: Json[], name: string): Json {
  const found = objects.filter((o) => REPLICATED_KINDS.includes(o.kind) && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one Deployment or Rollout '${name}', found ${found.map((o) => o.kind).join(' and ') || 'none'}`);
  return found[0];
}

export function kinds(objects: Json[], kind: string): Json[] {
  return objects.filter((o) => o.kind === kind);
}

export function mainContainer(workload: Json): Json {
  const spec = workload.spec.template?.spec ?? workload.spec.jobTemplate.spec.template.spec;
  return spec.containers[0];
}

export function envOf(container: Json): Record<string, Json> {
  return Object.fromEntries((container.env ?? []).map((e: Json) => [e.name, e]));
}

/** The generated README of one system in one environment. */
export function readmeOf(system: string, env: EnvironmentName): string {
  const out = tmpdir(`readme-${system}-${env}`);
  synthesize(buildRepositoryApp({ envs: [env], systems: [system], outdir: out }), { outdir: out, replaceAll: false });
  return fs.readFileSync(path.join(out, env, system, 'README.md'), 'utf8');
}
