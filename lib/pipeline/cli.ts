import * as path from 'path';
import { App } from 'cdk8s';
import { synthesize, SynthOptions, SynthResult } from './synth';
import { formatIssue, SynthesisError, ValidationIssue } from '../core/validation';

export interface CliSynthOptions extends Pick<SynthOptions, 'outdir' | 'replaceAll' | 'rules'> {
  /** Builds the app; exceptions thrown here are reported like collected errors. */
  readonly build: () => App;
  /** Runs after dist was written (e.g. copies for the cdk8s CLI); what it throws is reported like a build error. @default nothing */
  readonly afterWrite?: (result: SynthResult) => void;
  /** Where normal output goes. @default console.log */
  readonly log?: (line: string) => void;
  /** Where warnings and errors go. @default console.error */
  readonly error?: (line: string) => void;
}

/**
 * What `npm run synth` does around the pipeline: build, synthesize, print the summary,
 * warnings and waivers; on failure print every collected error (never a stack trace)
 * and return exit code 1. dist is untouched on failure (writeDist runs last, atomically).
 */
export function runSynthCli(options: CliSynthOptions): number {
  const log = options.log ?? ((line: string) => console.log(line));
  const error = options.error ?? ((line: string) => console.error(line));
  try {
    const result = synthesize(options.build(), { outdir: options.outdir, replaceAll: options.replaceAll, rules: options.rules });
    printWarnings(result.warnings, error);
    const total = result.folders.reduce((n, f) => n + f.objects, 0);
    log(`Synthesized ${total} objects into ${path.relative(process.cwd(), options.outdir) || '.'}/`);
    for (const folder of result.folders)
      log(`  ${folder.folder.padEnd(28)} ${String(folder.objects).padStart(4)} objects  ${String(folder.files).padStart(4)} files`);
    log(`Policy waivers: ${result.waivers.length}`);
    for (const w of result.waivers) log(`  ${w.folder} ${w.object} [${w.rule}]: ${w.reason}`);
    log(`Security exceptions: ${result.securityExceptions.length}`);
    for (const e of result.securityExceptions) log(`  ${e.folder} ${e.workload} (${e.grants}; admitted by ${e.level}): ${e.reason}`);
    options.afterWrite?.(result);
    return 0;
  } catch (e) {
    if (e instanceof SynthesisError) {
      printWarnings(e.warnings, error);
      error(`Synthesis failed; dist/ was not changed.\n${e.message}`);
    } else {
      // Thrown while the charts were being built, before any check could collect it.
      error(`Synthesis failed; dist/ was not changed.\n1 error while building the charts:\n  ${describeBuildError(e)}`);
    }
    return 1;
  }
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
