import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { acknowledgementsUnder } from '../core/change-acknowledgement';
import { SynthesisError } from '../core/validation';
import { describeBuildError } from '../pipeline/cli';
import { renderApp } from '../pipeline/synth';
import type { PolicyRule } from '../policy/rule';
import { BaselineError, BaselineSource, readBaseline } from './baseline';
import { CurrentFolder } from './model';
import { computePlan, DEFAULT_KUBERNETES_MINOR, Plan } from './plan';
import { markdownReport, textReport } from './report';

/** What `plan` was asked on the command line. */
export interface PlanArgs {
  /** Git revision whose committed dist/ is the baseline. @default 'HEAD' */
  readonly baseline?: string;
  /** A folder to compare with instead of a git revision. @default - the git revision */
  readonly baselineDir?: string;
  /** Write the plan as Markdown (for a pull request comment) to this file. @default - not written */
  readonly markdown?: string;
  /** Exit 1 when a blocking change has no acknowledgement. @default false */
  readonly check?: boolean;
  /** Stale acknowledgements fail `--check` too. @default false (they are reported, to be removed) */
  readonly strictAcknowledgements?: boolean;
  /** Minor version of the clusters' Kubernetes, e.g. 30 for 1.30. @default DEFAULT_KUBERNETES_MINOR */
  readonly kubernetesMinor?: number;
}

export const PLAN_USAGE = [
  'plan options:',
  '  --baseline <git-ref>      compare with dist/ as committed at <git-ref> (default HEAD; read with git, no checkout)',
  '  --baseline-dir <folder>   compare with a dist folder instead',
  '  --markdown <file>         also write the plan as Markdown (for a pull request comment)',
  '  --check                   exit 1 when a blocking change has no acknowledgement',
  '  --strict-acknowledgements with --check, stale acknowledgements fail too',
  "  --kubernetes <1.N>        the clusters' Kubernetes release (default 1.27): immutable fields differ between releases",
].join('\n');

/** Parses the plan's own options; what it does not know is returned in `rest` for the caller. */
export function parsePlanArgs(argv: readonly string[]): { args: PlanArgs; rest: string[]; errors: string[] } {
  const args: { -readonly [K in keyof PlanArgs]: PlanArgs[K] } = {};
  const rest: string[] = [];
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(baseline|baseline-dir|markdown|kubernetes)(?:=(.*))?$/.exec(argv[i]);
    if (argv[i] === '--check') args.check = true;
    else if (argv[i] === '--strict-acknowledgements') args.strictAcknowledgements = true;
    else if (m) {
      const value = m[2] ?? argv[++i];
      if (value === undefined || value === '') errors.push(`--${m[1]} needs a value`);
      else if (m[1] === 'baseline') args.baseline = value;
      else if (m[1] === 'baseline-dir') args.baselineDir = value;
      else if (m[1] === 'markdown') args.markdown = value;
      else {
        const v = /^1\.(\d+)$/.exec(value);
        if (!v) errors.push(`--kubernetes ${JSON.stringify(value)} must be a release such as 1.27 or 1.30`);
        else args.kubernetesMinor = Number(v[1]);
      }
    } else rest.push(argv[i]);
  }
  if (args.baseline !== undefined && args.baselineDir !== undefined) errors.push('--baseline and --baseline-dir exclude each other');
  return { args, rest, errors };
}

export interface CliPlanOptions extends PlanArgs {
  /** Builds the app (the same as for synth). */
  readonly build: () => App;
  /** The dist folder the charts synthesize into (its committed content is the baseline). */
  readonly distDir: string;
  /** Baseline folders outside the selection are not compared (a partial build). @default every folder */
  readonly selected?: (folder: string) => boolean;
  /** Policy rules, as for synth. @default DEFAULT_RULES */
  readonly rules?: readonly PolicyRule[];
  /** @default console.log */
  readonly log?: (line: string) => void;
  /** @default console.error */
  readonly error?: (line: string) => void;
}

/** The rendered folders as the plan compares them: object files only (no README, no kustomization). */
export function currentFolders(app: App, rules?: readonly PolicyRule[]): CurrentFolder[] {
  const { result, folders } = renderApp(app, { rules });
  const constructs = new Map(result.objects.map((o) => [`${o.folder}\0${o.file}`, o]));
  return folders.map((f) => ({
    folder: f.folder,
    objects: [...f.files]
      .filter(([file]) => constructs.has(`${f.folder}\0${file}`))
      .map(([file, text]) => {
        const o = constructs.get(`${f.folder}\0${file}`)!;
        return { file, text, object: o.object, constructPath: o.construct.node.path };
      }),
  }));
}

function gitBaseline(distDir: string, ref: string): BaselineSource {
  const top = spawnSync('git', ['-C', fs.existsSync(distDir) ? distDir : path.dirname(distDir), 'rev-parse', '--show-toplevel'], {
    encoding: 'utf8',
  });
  if (top.status !== 0) throw new BaselineError(`${distDir} is not in a git repository: use --baseline-dir <folder>`);
  const repo = top.stdout.trim();
  return { kind: 'git', ref, repo, distPath: path.relative(repo, path.resolve(distDir)).split(path.sep).join('/') };
}

/**
 * `plan`: synthesizes in memory (nothing is written to dist/), compares with the baseline
 * per folder, prints the changes and their risks, writes the Markdown, and returns the exit
 * code: 1 with `--check` when a blocking change is not acknowledged (or, with
 * `--strict-acknowledgements`, an acknowledgement is stale), 1 when the charts do not
 * synthesize, 2 when the baseline cannot be read.
 */
export function runPlanCli(options: CliPlanOptions): number {
  const log = options.log ?? ((line: string) => console.log(line));
  const error = options.error ?? ((line: string) => console.error(line));
  let app: App;
  let current: CurrentFolder[];
  try {
    app = options.build();
    current = currentFolders(app, options.rules);
  } catch (e) {
    if (e instanceof SynthesisError) error(`Plan failed: the charts do not synthesize.\n${e.message}`);
    else error(`Plan failed: 1 error while building the charts:\n  ${describeBuildError(e)}`);
    return 1;
  }
  let source: BaselineSource;
  let plan: Plan;
  try {
    source =
      options.baselineDir !== undefined
        ? { kind: 'folder', dir: path.resolve(options.baselineDir) }
        : gitBaseline(options.distDir, options.baseline ?? 'HEAD');
    plan = computePlan(current, readBaseline(source), {
      kubernetesMinor: options.kubernetesMinor ?? DEFAULT_KUBERNETES_MINOR,
      selected: options.selected,
      acknowledgements: acknowledgementsUnder(app),
    });
  } catch (e) {
    if (!(e instanceof BaselineError)) throw e;
    error(`Plan failed: ${e.message}`);
    return 2;
  }
  const baseline = source.kind === 'git' ? `${source.ref}:${source.distPath}/` : source.dir;
  const context = { baseline, strictAcknowledgements: options.strictAcknowledgements };
  for (const line of textReport(plan, context)) log(line);
  if (options.markdown) fs.writeFileSync(options.markdown, markdownReport(plan, context));
  const stale = plan.acknowledgements.filter((a) => a.covers.length === 0);
  if (options.check && plan.unacknowledged.length > 0) {
    error(`plan --check: ${plan.unacknowledged.length} blocking change(s) without acknowledgement (see Risks above).`);
    return 1;
  }
  if (options.check && options.strictAcknowledgements && stale.length > 0) {
    error(`plan --check --strict-acknowledgements: ${stale.length} stale acknowledgement(s); remove them.`);
    return 1;
  }
  return 0;
}
