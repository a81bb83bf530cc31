/**
 * The synth writes dist from worker threads (lib/core/file-writer-pool.ts); the output must
 * not depend on it: the repository and the benchmark's 1,000-service workload, written by the
 * main thread alone and by writer threads, byte for byte.
 */
import * as fs from 'fs';
import * as path from 'path';
import { treeFingerprint, writeDist } from '../../lib/core/dist-writer';
import { defaultWriteThreads } from '../../lib/core/file-writer-pool';
import { buildStacksApp } from '../../lib/pipeline/stacks-cli';
import { synthesize } from '../../lib/pipeline/synth';
import { buildScaleApp } from '../../scripts/bench/scale';
import { ENVIRONMENTS, SYSTEMS } from '../../charts';
import { tmpdir, treeDigest } from '../support/synth';

const COMMITTED_DIST = path.join(__dirname, '..', '..', 'dist');

describe('writing dist from worker threads', () => {
  test('the repository: single-threaded, with one and with three writer threads, byte-identical to the committed dist/', () => {
    const fingerprints = [0, 1, 3].map((threads) => {
      const dist = path.join(tmpdir(`threads-${threads}`), 'dist');
      synthesize(buildStacksApp({ systems: SYSTEMS, environments: ENVIRONMENTS, appOutdir: tmpdir('app') }), { outdir: dist, writeThreads: threads });
      return treeFingerprint(dist);
    });
    expect(fingerprints).toEqual([0, 1, 3].map(() => treeFingerprint(COMMITTED_DIST)));
  });

  test('the 1,000-service benchmark workload: single-threaded and with two writer threads, byte for byte', () => {
    const dists = [0, 2].map((threads) => {
      const dist = path.join(tmpdir(`scale-${threads}`), 'dist');
      synthesize(buildScaleApp(1000, tmpdir('scale-app')), { outdir: dist, writeThreads: threads });
      return dist;
    });
    const [single, parallel] = dists.map((d) => treeDigest(d));
    expect(Object.keys(single)).toHaveLength(20007 + 2);
    expect(parallel).toEqual(single);
  }, 900_000);

  test('a write the threads cannot do fails the synth with the file named, and dist is left as it was', () => {
    const parent = tmpdir('threads-fail');
    const dist = path.join(parent, 'dist');
    writeDist(dist, [{ folder: 'x', files: new Map([['a.yaml', 'old']]) }], 'all');
    // 500 files (the threads start from 400), one of them a name the file system refuses.
    const files = new Map(Array.from({ length: 500 }, (_, i) => [`f-${i}.yaml`, `n: ${i}\n`] as [string, string]));
    files.set(`${'x'.repeat(300)}.yaml`, 'too long a name');
    expect(() => writeDist(dist, [{ folder: 'x', files }], 'all', { threads: 2 })).toThrow(/ENAMETOOLONG.*x{300}\.yaml/);
    expect(treeDigest(dist)).toEqual({ 'x/a.yaml': expect.any(String) });
    expect(fs.readdirSync(parent)).toEqual(['dist']);
  });

  test('CDK8S_STACKS_WRITE_THREADS sets the number of threads; a bad value is refused with the range', () => {
    expect(defaultWriteThreads({ CDK8S_STACKS_WRITE_THREADS: '0' })).toBe(0);
    expect(defaultWriteThreads({ CDK8S_STACKS_WRITE_THREADS: '2' })).toBe(2);
    expect(defaultWriteThreads({})).toBeGreaterThanOrEqual(1);
    expect(() => defaultWriteThreads({ CDK8S_STACKS_WRITE_THREADS: 'many' })).toThrow(
      "CDK8S_STACKS_WRITE_THREADS: 'many' is not a number of threads (0 to 64",
    );
  });
});
