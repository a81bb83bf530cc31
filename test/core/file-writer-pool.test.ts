/**
 * The writer threads of the synth (lib/core/file-writer-pool.ts): every file written with
 * its text, and the texts waiting for the threads bounded, so that a main thread faster
 * than the disk waits instead of holding the whole of dist in memory (peak RSS at 1,000
 * services).
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { FileWriterPool, IN_FLIGHT_PER_THREAD } from '../../lib/core/file-writer-pool';
import { tmpdir } from '../support/synth';

/** 64 files a batch (BATCH_FILES): `batches` full batches of small files. */
const filesFor = (batches: number) => Array.from({ length: batches * 64 }, (_, i) => [`f-${i}.yaml`, `index: ${i}\n`] as const);

describe('FileWriterPool', () => {
  test.each([1, 3])('with %i thread(s): every file is written with its text, and the queue stays bounded', (threads) => {
    const dir = tmpdir(`pool-${threads}`);
    const files = filesFor(40);
    const pool = new FileWriterPool(threads);
    try {
      for (const [name, text] of files) pool.write(path.join(dir, name), text);
      pool.flush();
      expect(pool.peakPendingBatches).toBeGreaterThanOrEqual(1);
      expect(pool.peakPendingBatches).toBeLessThanOrEqual(IN_FLIGHT_PER_THREAD * threads);
    } finally {
      pool.close();
    }
    expect(fs.readdirSync(dir).sort()).toEqual(files.map(([name]) => name).sort());
    for (const [name, text] of files) expect(fs.readFileSync(path.join(dir, name), 'utf8')).toBe(text);
  });

  test('a writer that cannot go on makes the main thread wait: no more than the bound is ever queued', () => {
    const dir = tmpdir('pool-blocked');
    // The first file is a named pipe: its write blocks the only thread until a reader opens it.
    const fifo = path.join(dir, 'blocked.yaml');
    execFileSync('mkfifo', [fifo]);
    // The reader starts a second later, from another process (this thread will be waiting).
    const reader: ChildProcess = spawn('sh', ['-c', `sleep 1; exec cat "${fifo}" > "${fifo}.read"`], { stdio: 'ignore' });
    const files = filesFor(30);
    const pool = new FileWriterPool(1);
    try {
      pool.write(fifo, 'through the pipe\n');
      for (const [name, text] of files) pool.write(path.join(dir, name), text);
      pool.flush();
      // Unbounded, all 31 batches would be queued behind the blocked one.
      expect(pool.peakPendingBatches).toBe(IN_FLIGHT_PER_THREAD);
    } finally {
      pool.close();
      reader.kill();
    }
    for (const [name, text] of files) expect(fs.readFileSync(path.join(dir, name), 'utf8')).toBe(text);
  });

  test("a text far larger than a writer's young generation is written whole", () => {
    const dir = tmpdir('pool-large');
    const large = `${'data: 0123456789abcdef\n'.repeat(1_500_000)}end\n`;
    const pool = new FileWriterPool(1);
    try {
      pool.write(path.join(dir, 'large.yaml'), large);
      pool.flush();
    } finally {
      pool.close();
    }
    expect(fs.statSync(path.join(dir, 'large.yaml')).size).toBe(Buffer.byteLength(large));
    expect(fs.readFileSync(path.join(dir, 'large.yaml'), 'utf8') === large).toBe(true);
  });

  test('a failed write is reported by flush with the file named', () => {
    const dir = tmpdir('pool-error');
    const pool = new FileWriterPool(2);
    try {
      for (const [name, text] of filesFor(3)) pool.write(path.join(dir, name), text);
      pool.write(path.join(dir, 'missing-folder', 'a.yaml'), 'x');
      expect(() => pool.flush()).toThrow(/ENOENT.*missing-folder\/a\.yaml/);
    } finally {
      pool.close();
    }
  });
});
