import * as os from 'os';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';

/**
 * Writes files from worker threads while the main thread goes on rendering and serializing
 * the next ones. At a thousand services a synth writes twenty thousand files, and each
 * `writeFileSync` blocks the main thread in the kernel (creating the file, copying the
 * text); from a worker the same writes overlap with the YAML of the next objects.
 *
 * Synchronous to its caller, like the rest of the pipeline: `flush` waits on a shared
 * counter (Atomics.wait) until every batch is written, then reads the workers' errors with
 * receiveMessageOnPort. Only text crosses to the workers (a copy of each string, no
 * structured clone of object trees). The worker's code is a few lines given to it as source,
 * so it needs no file of its own (the synth runs from an esbuild bundle, from the TypeScript
 * sources under jest, and from the published package alike).
 *
 * A write that fails is reported by `flush` as an Error naming the file, like writeFileSync's.
 * The content of every file does not depend on which thread wrote it.
 */

const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
const fs = require('fs');
const done = new Int32Array(workerData.done);
const errors = workerData.errors;
parentPort.on('message', (batch) => {
  for (let i = 0; i < batch.length; i += 2) {
    try {
      fs.writeFileSync(batch[i], batch[i + 1]);
    } catch (error) {
      errors.postMessage(error && error.message ? error.message : String(error));
    }
  }
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
});
`;

/** Files per message: large enough that messages cost little, small enough that every worker gets work early. */
const BATCH_FILES = 64;

/**
 * Batches queued per thread before the main thread waits for the writers: enough that a
 * thread never runs dry while the main thread serializes, few enough that the texts waiting
 * in memory stay a few hundred files, not the whole of dist.
 */
export const IN_FLIGHT_PER_THREAD = 4;

/**
 * The young generation of a writer thread's heap. A writer keeps nothing but the batch it
 * writes, so V8's default (sized for programs that allocate) is resident memory added to the
 * synth's peak for no use.
 */
const WORKER_YOUNG_GENERATION_MB = 2;

/** How long the writers may make no progress before the synth gives up on them. */
const STALL_MS = 120_000;

/** The environment variable that sets the number of writer threads (0: the main thread writes). */
export const WRITE_THREADS_VARIABLE = 'CDK8S_STACKS_WRITE_THREADS';

/**
 * The writer threads a synth uses: `CDK8S_STACKS_WRITE_THREADS` when set (0 turns them off),
 * else one per core besides the main thread's, at least one and at most three.
 */
export function defaultWriteThreads(variables: Readonly<Record<string, string | undefined>> = process.env): number {
  const given = variables[WRITE_THREADS_VARIABLE];
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 0 || n > 64)
      throw new Error(`${WRITE_THREADS_VARIABLE}: '${given}' is not a number of threads (0 to 64; 0 writes from the main thread)`);
    return n;
  }
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.min(3, Math.max(1, cores - 1));
}

export class FileWriterPool {
  private readonly workers: Worker[] = [];
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  /** One port per worker, on which it reports failed writes. */
  private readonly errors: MessagePort[] = [];
  private batch: string[] = [];
  private sent = 0;
  private next = 0;
  private peak = 0;

  /** @param threads the number of worker threads (at least 1) */
  constructor(threads: number) {
    for (let i = 0; i < threads; i++) {
      const channel = new MessageChannel();
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { done: this.done.buffer, errors: channel.port2 },
        transferList: [channel.port2],
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
      });
      // A synth that fails must still exit: the workers never hold the process open.
      worker.unref();
      this.workers.push(worker);
      this.errors.push(channel.port1);
    }
  }

  /** Queues `text` to be written to `file` (its folder must exist). */
  public write(file: string, text: string): void {
    this.batch.push(file, text);
    if (this.batch.length >= BATCH_FILES * 2) this.send();
  }

  private send(): void {
    if (this.batch.length === 0) return;
    // Bounded: texts queued for the threads stay in memory until written, so a main thread
    // faster than the disk waits here instead of holding the whole of dist (peak RSS).
    this.waitUntil(this.sent - IN_FLIGHT_PER_THREAD * this.workers.length + 1);
    this.peak = Math.max(this.peak, this.sent + 1 - Atomics.load(this.done, 0));
    this.workers[this.next].postMessage(this.batch);
    this.next = (this.next + 1) % this.workers.length;
    this.batch = [];
    this.sent++;
  }

  /** The most batches that were ever queued and not yet written at once (the bound on the texts held in memory). */
  public get peakPendingBatches(): number {
    return this.peak;
  }

  /** Waits until every queued file is written; throws the first write error. */
  public flush(): void {
    this.send();
    this.waitUntil(this.sent);
    for (const port of this.errors) {
      const error = receiveMessageOnPort(port);
      if (error) throw new Error(String(error.message));
    }
  }

  /** Waits until at least `batches` batches are written. */
  private waitUntil(batches: number): void {
    for (;;) {
      const written = Atomics.load(this.done, 0);
      if (written >= batches) return;
      // A worker that died (killed, out of memory) never counts its batch: give up rather than hang.
      if (Atomics.wait(this.done, 0, written, STALL_MS) === 'timed-out' && Atomics.load(this.done, 0) === written)
        throw new Error(`the file writer threads wrote nothing for ${STALL_MS / 1000} s (${this.sent - written} batches of files pending)`);
    }
  }

  /** Stops the workers (after flush, or to abandon what is queued). */
  public close(): void {
    for (const worker of this.workers) void worker.terminate();
    for (const port of this.errors) port.close();
  }
}
