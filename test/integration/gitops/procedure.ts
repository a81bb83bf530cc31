import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from '../cluster/control-plane';
import { yamlData } from './argocd';

/**
 * The README's "From a blank cluster", read by the suite so that what users are told and what
 * the suite runs cannot drift: the `argocd-cm` settings of its `yaml` block (applied as a
 * user would, merged into the release's argocd-cm) and the commands of its `sh` blocks, run
 * as written with the environment's name in place of `prod`, in a working copy of the
 * repository. Only `kubectl` commands are accepted: anything else would be a step the suite
 * cannot run for the user, and must be said in prose instead.
 */
export interface BlankClusterProcedure {
  /** The data the README asks users to add to `argocd-cm`. */
  readonly argocdCm: Readonly<Record<string, string>>;
  /** The bootstrap commands, for prod as written. */
  readonly commands: readonly string[];
}

export const README = path.join(REPO, 'README.md');

export function blankClusterProcedure(readme = fs.readFileSync(README, 'utf8')): BlankClusterProcedure {
  const start = readme.indexOf('\n## From a blank cluster\n');
  if (start < 0) throw new Error(`${README} has no section '## From a blank cluster'`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/^( *)```(\w+)\n([\s\S]*?)^\1```$/gm)].map((m) => ({
    lang: m[2],
    body: m[3]
      .split('\n')
      .map((l) => l.slice(m[1].length))
      .join('\n'),
  }));
  const cm = blocks.filter((b) => b.lang === 'yaml' && b.body.includes('resource.customizations.health.argoproj.io_Application'));
  if (cm.length !== 1)
    throw new Error(`the README's 'From a blank cluster' must hold exactly one yaml block of argocd-cm settings (found ${cm.length})`);
  const commands = blocks
    .filter((b) => b.lang === 'sh')
    .flatMap((b) => b.body.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (commands.length === 0) throw new Error("the README's 'From a blank cluster' has no sh block of bootstrap commands");
  const foreign = commands.filter((c) => !/^kubectl\s/.test(c));
  if (foreign.length > 0) throw new Error(`the README's bootstrap commands must be kubectl commands the suite can run; not: ${foreign.join('; ')}`);
  return { argocdCm: yamlData(cm[0].body), commands };
}

/** The commands for `env` (the README writes them for prod). */
export function commandsFor(procedure: BlankClusterProcedure, env: string): string[] {
  return procedure.commands.map((c) => c.replace(/\bprod\b/g, env));
}

/** Runs the bootstrap commands in `workTree` with this kubectl and kubeconfig; the first failure throws with its output. */
export function runCommands(commands: readonly string[], options: { workTree: string; kubectl: string; kubeconfig: string }): string[] {
  const out: string[] = [];
  for (const command of commands) {
    const result = spawnSync('sh', ['-c', command], {
      cwd: options.workTree,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${path.dirname(options.kubectl)}:${process.env.PATH}`, KUBECONFIG: options.kubeconfig },
    });
    if (result.status !== 0) throw new Error(`README command '${command}' failed (${result.status}):\n${result.stderr}${result.stdout}`);
    out.push(`$ ${command}\n${result.stdout}${result.stderr}`);
  }
  return out;
}
