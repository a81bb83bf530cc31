import * as path from 'path';
import { App } from 'cdk8s';
import { RenderedElsewhere, synthesize, synthesizeAlongside, SynthOptions, SynthResult } from './synth';
import { formatIssue, SynthesisError, ValidationIssue } from '../core/validation';
import { recoverStaging, StagingRecovery, treeStamp } from '../core/dist-writer';

export interface CliSynthOptions extends Pick<SynthOptions, 'outdir' | 'replaceAll' | 'rules' | 'sourceFolder' | 'incremental'> {
  /** Builds the app; exceptions thrown here are reported like collected errors. */
  readonly build: () => App;
  /** Runs after dist was written (e.g. copies for the cdk8s CLI); what it throws is reported like a build error. @default nothing */
  readonly afterWrite?: (result: SynthResult) => void;
  /** Where normal output goes. @default console.log */
  readonly log?: (line: string) => void;
  /** Where warnings and errors go. @default console.error */
  readonly error?: (line: string) => void;
  /**
   * Threads rendering the environments before the app's (runStacksCli starts them, see
   * environment-shards.ts); their files go into the same atomic write. Not with `afterWrite`:
   * the result then lacks their objects. @default none
   * @internal
   */
  readonly elsewhere?: readonly RenderedElsewhere[];
}

/**
 * What `npm run synth` does around the pipeline: finish or discard what an interrupted synth
 * left, build, synthesize, print the summary, warnings, waivers and security exceptions; on
 * failure print every collected error (never a stack trace) and return exit code 1. Whether
 * dist was changed is checked (a digest of what the tree is on disk before and after:
 * treeStamp), never assumed.
 */
export function runSynthCli(options: CliSynthOptions): number {
  const log = options.log ?? ((line: string) => console.log(line));
  const error = options.error ?? ((line: string) => console.error(line));
  const outdir = path.resolve(options.outdir);
  const shown = `${path.basename(outdir)}/`;
  let before: string | undefined;
  try {
    for (const r of recoverStaging(path.dirname(outdir))) log(describeRecovery(r, r.target ? `${path.basename(r.target)}/` : shown));
    before = treeStamp(outdir);
  } catch (e) {
    // Nothing was synthesized; what the recovery of an interrupted synth did is its own message.
    error(`Synthesis did not start: ${shown} could not be read or recovered.\n  ${describeBuildError(e)}`);
    for (const other of options.elsewhere ?? []) other.abandon();
    return 1;
  }
  const others = options.elsewhere ?? [];
  try {
    if (others.length > 0 && options.afterWrite) throw new Error('runSynthCli: afterWrite needs every object, which other threads keep');
    const reused = new Set<string>();
    const app = buildFirst(options.build, others);
    const synthOptions: SynthOptions = {
      outdir,
      replaceAll: options.replaceAll,
      rules: options.rules,
      sourceFolder: options.sourceFolder,
      incremental: options.incremental,
      onReused: (folder) => reused.add(folder),
    };
    const result = others.length > 0 ? synthesizeAlongside(app, synthOptions, others) : synthesize(app, synthOptions);
    printWarnings(result.warnings, error);
    const total = result.folders.reduce((n, f) => n + f.objects, 0);
    log(`Synthesized ${total} objects into ${path.relative(process.cwd(), outdir) || '.'}/`);
    for (const folder of result.folders)
      log(
        `  ${folder.folder.padEnd(28)} ${String(folder.objects).padStart(4)} objects  ${String(folder.files).padStart(4)} files${reused.has(folder.folder) ? '  (inputs unchanged: carried over)' : ''}`,
      );
    log(`Policy waivers: ${result.waivers.length}`);
    for (const w of result.waivers) log(`  ${w.folder} ${w.object} [${w.rule}]: ${w.reason}`);
    log(`Security exceptions: ${result.securityExceptions.length}`);
    for (const e of result.securityExceptions) log(`  ${e.folder} ${e.workload} (${e.grants}; admitted by ${e.level}): ${e.reason}`);
    options.afterWrite?.(result);
    return 0;
  } catch (e) {
    for (const other of others) other.abandon();
    const state = distState(outdir, before, shown);
    if (e instanceof SynthesisError) {
      printWarnings(e.warnings, error);
      error(`Synthesis failed; ${state}\n${e.message}`);
    } else {
      // Thrown while the charts were being built (or written), before any check could collect it.
      error(`Synthesis failed; ${state}\n1 error while building the charts:\n  ${describeBuildError(e)}`);
    }
    return 1;
  }
}

/**
 * Builds the app. When that throws and a thread rendering earlier environments failed to
 * build too, its error is the one thrown: one app of every environment would have met it first.
 */
function buildFirst(build: () => App, others: readonly RenderedElsewhere[]): App {
  try {
    return build();
  } catch (error) {
    for (const other of others) {
      const earlier = other.finish(() => undefined).buildError;
      if (earlier !== undefined) throw new Error(earlier);
    }
    throw error;
  }
}

/** Whether dist is what it was before the run, as checked, in words. */
function distState(outdir: string, before: string | undefined, shown: string): string {
  let after: string | undefined;
  try {
    after = treeStamp(outdir);
  } catch (e) {
    return `could not check whether ${shown} changed (${describeBuildError(e)}).`;
  }
  if (after === before) return `${shown} was not changed.`;
  return `${shown} differs from before this run (another process may have written it, or the failure came after it was written); synthesize again once the error is fixed.`;
}

function describeRecovery(r: StagingRecovery, shown: string): string {
  const name = path.basename(r.staging);
  return r.action === 'completed'
    ? `An earlier synth was interrupted while it swapped in its output; finished it: ${shown} is its complete output (${name} removed).`
    : `Removed ${name}, left by an interrupted synth before it touched ${shown}.`;
}

function printWarnings(warnings: readonly ValidationIssue[], error: (line: string) => void): void {
  if (warnings.length === 0) return;
  error(`${warnings.length} warning${warnings.length === 1 ? '' : 's'} (not errors):\n${warnings.map(formatIssue).join('\n')}`);
}

/** A build-time exception as one line; the constructs library's duplicate-id message made readable. */
export function describeBuildError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const duplicate = /^There is already a Construct with name '([^']*)' in \S+(?: \[([^\]]*)\])?/.exec(message);
  if (duplicate) return `[${duplicate[2] ?? 'app'}] id: '${duplicate[1]}' is used by two constructs in the same scope; ids must be unique`;
  return message.split('\n')[0];
}
