import * as path from 'path';
import { App } from 'cdk8s';
import { isMainThread, MessageChannel, MessagePort, receiveMessageOnPort, Worker, workerData } from 'worker_threads';
import type { EnvironmentName } from '../core/environment';
import { SynthesisError } from '../core/validation';
import { describeBuildError } from './cli';
import { collect, completeEnvironments, ElsewhereOutcome, FileSink, RenderedElsewhere, SynthOptions } from './synth';
import { IncrementalSynth, SynthCacheSession } from './synth-cache';

/**
 * `npm run synth` on several cores (`CDK8S_STACKS_RENDER_THREADS=2`; see renderThreads for
 * why it is not the default): the environments are independent (each its own cluster, its
 * own folders of dist, nothing checked across them), so a thread renders the first
 * environment while the main thread renders the others, and the main thread writes every
 * file in one atomic swap (synthesizeAlongside). The output, the summary, the errors and
 * the warnings are those of one thread (test/pipeline/environment-shards.test.ts compares
 * them).
 *
 * The other thread needs the charts, which only the user's entry point makes: it runs the
 * same bundle (`npm run synth`'s, named by runStacksCli's `bundleInputs`), whose entry calls
 * runStacksCli again; there runStacksCli finds this module's assignment in `workerData` and
 * renders the assigned environments instead of running the command. Files and the outcome
 * come back as messages, which the main thread reads synchronously (receiveMessageOnPort,
 * Atomics.wait on a shared counter), like the file writer threads' progress.
 */

/** The environment variable that sets the number of threads that render (1: the main thread alone). */
export const RENDER_THREADS_VARIABLE = 'CDK8S_STACKS_RENDER_THREADS';

/** The key of the assignment in the thread's workerData. */
const ASSIGNMENT = 'cdk8s-stacks.environment-shard';

/** Files per message. */
const BATCH_FILES = 64;

/** How long the other thread may post nothing before the synth gives up on it. */
const STALL_MS = 120_000;

/** What one thread is asked to render. */
interface Assignment {
  readonly bundle: string;
  /** run-bundle.cjs, which runs the bundle with the code cache the main thread's run keeps. */
  readonly runner: string;
  readonly environments: readonly EnvironmentName[];
  /** The systems selected (`--system`); undefined: all of them. */
  readonly systems?: readonly string[];
  readonly outdir: string;
  /** Whether the synth records the incremental cache (the thread then records its folders' part). */
  readonly record: boolean;
  readonly port: MessagePort;
  /** [messages posted, outcome posted] */
  readonly signal: SharedArrayBuffer;
}

/** An outcome with nothing rendered: what a thread that failed reports, with its issues or build error. */
function failedOutcome(found: Partial<ElsewhereOutcome>): ElsewhereOutcome {
  return { issues: [], warnings: [], folders: [], waivers: [], securityExceptions: [], completeEnvironments: [], ...found };
}

/** One message of the thread: a batch of files (folder, name, text, ...) or its outcome. */
type ShardMessage = { readonly files: readonly string[] } | { readonly outcome: ElsewhereOutcome };

/**
 * The threads that render: `CDK8S_STACKS_RENDER_THREADS` when set, else 1 (the main thread
 * alone). Not more by default: measured by `npm run bench` on this project's 2-core machines
 * (BENCHMARKS.md), the second thread gained nothing (its own start-up, and a second heap in
 * the process, cost what its share of the rendering saved), so it is for machines where
 * the bench shows it pays.
 */
export function renderThreads(variables: Readonly<Record<string, string | undefined>> = process.env): number {
  const given = variables[RENDER_THREADS_VARIABLE];
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 1 || n > 16)
      throw new Error(`${RENDER_THREADS_VARIABLE}: '${given}' is not a number of threads (1 to 16; 1 renders in the main thread alone)`);
    return n;
  }
  return 1;
}

/**
 * Which environments each thread renders: every other thread one environment from the front
 * (it pays its own start-up, so it takes less), the main thread the rest. Fewer threads than
 * asked when there are not enough environments.
 */
export function planEnvironmentShards(
  environments: readonly EnvironmentName[],
  threads: number,
): { readonly elsewhere: ReadonlyArray<readonly EnvironmentName[]>; readonly here: readonly EnvironmentName[] } {
  const others = Math.max(0, Math.min(threads - 1, environments.length - 1));
  return { elsewhere: environments.slice(0, others).map((e) => [e]), here: environments.slice(others) };
}

/**
 * The source of the thread: runs the bundle (with the code cache of the main thread's runs:
 * compiling the 4 MB bundle is most of a thread's start-up), and reports a bundle that did not
 * render (or threw) as a build error. The main thread's run writes the cache when it is missing.
 */
const THREAD_SOURCE = `
const { workerData } = require('worker_threads');
const a = workerData[${JSON.stringify(ASSIGNMENT)}];
const signal = new Int32Array(a.signal);
const fail = (message) => {
  a.port.postMessage({ outcome: { buildError: message, issues: [], warnings: [], folders: [], waivers: [], securityExceptions: [], completeEnvironments: [] } });
  Atomics.store(signal, 1, 1);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
};
try {
  require(a.runner).runBundle(a.bundle, { writeCache: false });
} catch (error) {
  if (Atomics.load(signal, 1) === 0) fail(error && error.message ? String(error.message) : String(error));
}
if (Atomics.load(signal, 1) === 0) fail(a.bundle + ' ran without rendering its environments: its entry point must call runStacksCli');
`;

/**
 * Starts a thread that renders `environments` of the app that `bundle` builds.
 * @returns the handle synthesizeAlongside waits on
 */
export function startShard(bundle: string, assignment: Pick<Assignment, 'environments' | 'systems' | 'outdir' | 'record'>): RenderedElsewhere {
  const channel = new MessageChannel();
  const signal = new SharedArrayBuffer(8);
  const counters = new Int32Array(signal);
  const worker = new Worker(THREAD_SOURCE, {
    eval: true,
    workerData: { [ASSIGNMENT]: { ...assignment, bundle, runner: path.join(__dirname, 'run-bundle.cjs'), port: channel.port2, signal } },
    transferList: [channel.port2],
  });
  // A synth that fails must still exit: the thread never holds the process open.
  worker.unref();
  let handled = 0;
  let stopped = false;
  const abandon = (): void => {
    if (stopped) return;
    stopped = true;
    void worker.terminate();
    channel.port1.close();
  };
  return {
    abandon,
    finish(file) {
      if (stopped) throw new Error('the environment thread was already stopped');
      for (;;) {
        for (let m = receiveMessageOnPort(channel.port1); m !== undefined; m = receiveMessageOnPort(channel.port1)) {
          handled++;
          const message = m.message as ShardMessage;
          if ('outcome' in message) {
            abandon();
            return message.outcome;
          }
          for (let i = 0; i < message.files.length; i += 3) file(message.files[i], message.files[i + 1], message.files[i + 2]);
        }
        const posted = Atomics.load(counters, 0);
        if (posted > handled) continue;
        if (Atomics.wait(counters, 0, posted, STALL_MS) === 'timed-out' && Atomics.load(counters, 0) === posted) {
          abandon();
          throw new Error(`the thread rendering ${assignment.environments.join(', ')} posted nothing for ${STALL_MS / 1000} s`);
        }
      }
    },
  };
}

/** This thread's assignment, when it was started by startShard; undefined in the main thread. */
export function shardAssignment(): Assignment | undefined {
  if (isMainThread) return undefined;
  const data = workerData as Record<string, Assignment> | null | undefined;
  return data !== null && typeof data === 'object' ? data[ASSIGNMENT] : undefined;
}

/**
 * In a thread started by startShard: builds the assigned environments' app, renders it like
 * synthesize (the files go to the main thread as they are made), and posts the outcome.
 */
export function runShard(
  assignment: Assignment,
  options: Pick<SynthOptions, 'rules' | 'sourceFolder'> & {
    readonly build: (environments: readonly EnvironmentName[], systems: readonly string[] | undefined) => App;
    /** The incremental cache's configuration, when the synth records one. */
    readonly incremental?: IncrementalSynth;
  },
): void {
  const signal = new Int32Array(assignment.signal);
  const post = (message: ShardMessage): void => {
    assignment.port.postMessage(message);
    if ('outcome' in message) Atomics.store(signal, 1, 1);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  let outcome: ElsewhereOutcome;
  try {
    const app = options.build(assignment.environments, assignment.systems);
    const cache =
      assignment.record && options.incremental
        ? new SynthCacheSession(
            { ...options.incremental, reuse: false },
            { outdir: assignment.outdir, rules: options.rules, sourceFolder: options.sourceFolder },
          )
        : undefined;
    let batch: string[] = [];
    const sink: FileSink = {
      file: (folder, name, text) => {
        cache?.file(folder, name, text);
        batch.push(folder, name, text);
        if (batch.length >= BATCH_FILES * 3) {
          post({ files: batch });
          batch = [];
        }
      },
      reused: () => {
        throw new Error('an environment thread never carries folders over');
      },
      cached: cache ? (chart, folder) => cache.reusable(chart, folder) : undefined,
    };
    const { result, issues } = collect(app, options, sink);
    if (batch.length > 0) post({ files: batch });
    outcome = {
      issues,
      warnings: result.warnings,
      folders: result.folders,
      waivers: result.waivers,
      securityExceptions: result.securityExceptions,
      completeEnvironments: completeEnvironments(app),
      cacheRecord: cache?.record(),
    };
  } catch (error) {
    // As in the main thread: a check's SynthesisError is its issues; anything else a build error.
    outcome =
      error instanceof SynthesisError
        ? failedOutcome({ issues: error.issues, warnings: error.warnings })
        : failedOutcome({ buildError: describeBuildError(error) });
  }
  post({ outcome });
}
