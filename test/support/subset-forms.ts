import * as fs from 'fs';
import * as path from 'path';
import { synthesize } from '../../lib';
import { buildRepositoryApp } from '../../charts/app';
import { tmpdir, treeDigest, UNUSED_OUTDIR } from './synth';

/** One way of asking for a subset synth, and the folders of dist it must replace (the rest is kept). */
export interface SubsetForm {
  readonly name: string;
  readonly argv: readonly string[];
  readonly variables: Readonly<Record<string, string>>;
  readonly replaces: readonly string[];
}

const SYSTEM_FOLDERS = (system: string) => ['dev', 'staging', 'prod'].map((e) => `${e}/${system}`);

/** Every form the README and main.ts document: --env, --system, both, and the variables the cdk8s CLI path uses. */
export const SUBSET_FORMS: readonly SubsetForm[] = [
  { name: '--env dev', argv: ['--env', 'dev'], variables: {}, replaces: ['dev'] },
  { name: '--env staging', argv: ['--env', 'staging'], variables: {}, replaces: ['staging'] },
  { name: '--env prod', argv: ['--env', 'prod'], variables: {}, replaces: ['prod'] },
  { name: '--system loopi', argv: ['--system', 'loopi'], variables: {}, replaces: SYSTEM_FOLDERS('loopi') },
  { name: '--env prod --system loopi', argv: ['--env', 'prod', '--system', 'loopi'], variables: {}, replaces: ['prod/loopi'] },
  {
    name: '--env=staging,prod --system=techshop,chatnomina',
    argv: ['--env=staging,prod', '--system=techshop,chatnomina'],
    variables: {},
    replaces: ['staging/techshop', 'staging/chatnomina', 'prod/techshop', 'prod/chatnomina'],
  },
  { name: 'CDK8S_STACKS_ENV=prod', argv: [], variables: { CDK8S_STACKS_ENV: 'prod' }, replaces: ['prod'] },
  {
    name: 'CDK8S_STACKS_ENV=staging CDK8S_STACKS_SYSTEM=loopi',
    argv: [],
    variables: { CDK8S_STACKS_ENV: 'staging', CDK8S_STACKS_SYSTEM: 'loopi' },
    replaces: ['staging/loopi'],
  },
];

/**
 * The complete output (a full synth, in a temporary folder) and a dist that differs from it
 * where a subset synth must show what it replaces and what it keeps: in every environment a
 * stale file in a system folder and in the nested platform/prometheus folder, a system folder
 * no longer produced, an edited kustomization, and a file at the top.
 */
export interface SubsetFixture {
  readonly complete: string;
  readonly before: string;
  /** treeDigest of each, computed once. */
  readonly completeDigest: Record<string, string>;
  readonly beforeDigest: Record<string, string>;
}

export function subsetFixture(): SubsetFixture {
  const complete = path.join(tmpdir('complete'), 'dist');
  synthesize(buildRepositoryApp({ outdir: UNUSED_OUTDIR }), { outdir: complete });
  const before = path.join(tmpdir('before'), 'dist');
  fs.cpSync(complete, before, { recursive: true });
  for (const env of ['dev', 'staging', 'prod']) {
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(before, env, file)), { recursive: true });
      fs.writeFileSync(path.join(before, env, file), text);
    };
    write('loopi/70-stale.yaml', 'stale: true\n');
    write('techshop/70-stale.yaml', 'stale: true\n');
    write('platform/prometheus/70-stale.yaml', 'stale: true\n');
    write('retired-system/kustomization.yaml', 'resources: []\n');
    fs.appendFileSync(path.join(before, env, 'chatnomina', 'kustomization.yaml'), '# edited by hand\n');
  }
  fs.writeFileSync(path.join(before, 'NOTES.txt'), 'not produced by the synth, outside every environment\n');
  return { complete, before, completeDigest: treeDigest(complete), beforeDigest: treeDigest(before) };
}

/** The digest dist must have after the form: the folders it replaces as in the complete output, everything else as before. */
export function expectedAfter(form: SubsetForm, fixture: SubsetFixture): Record<string, string> {
  const inReplaced = (file: string) => form.replaces.some((r) => file === r || file.startsWith(`${r}/`));
  const kept = Object.entries(fixture.beforeDigest).filter(([file]) => !inReplaced(file));
  const replaced = Object.entries(fixture.completeDigest).filter(([file]) => inReplaced(file));
  return Object.fromEntries([...kept, ...replaced].sort(([a], [b]) => (a < b ? -1 : 1)));
}
