/**
 * writeDist and the recovery of interrupted synths: the journal in the staging folder, and a
 * real process SIGKILLed at every file-system call that changes something (full, subset and
 * nested-folder writes, and a first write with no dist yet). After each kill, the recovery
 * the next run performs must leave dist byte-identical to before or to the complete new
 * output, with no staging folder behind.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { buildSync } from 'esbuild';
import { DistBusyError, DistFolder, DistScope, recoverStaging, treeFingerprint, treeStamp, writeDist } from '../../lib/core/dist-writer';
import { tmpdir, treeDigest } from '../support/synth';

const ROOT = path.join(__dirname, '..', '..');
const CHILD = path.join(ROOT, '.build', `dist-writer-child-${process.pid}.js`);

beforeAll(() => {
  buildSync({
    entryPoints: [path.join(ROOT, 'test/fixtures/dist-writer-child/main.ts')],
    outfile: CHILD,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'warning',
  });
});
afterAll(() => fs.rmSync(CHILD, { force: true }));

/** A pid that surely exited: a child that has already been reaped. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid as number;

function writeTree(root: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
}

const folder = (name: string, files: Record<string, string>): DistFolder => ({ folder: name, files: new Map(Object.entries(files)) });

describe('recovering what interrupted synths left', () => {
  test('folders of dead synths and without a pid are removed; those of live processes are kept', () => {
    const parent = tmpdir('staging');
    const dead = deadPid();
    for (const name of [`.dist-staging-${dead}-abc`, '.dist-staging-XyZ12', `.dist-staging-${process.pid}-live`, `.dist-staging-1-init`, 'other']) {
      fs.mkdirSync(path.join(parent, name, 'prod'), { recursive: true });
    }
    const done = recoverStaging(parent);
    expect(done.map((r) => [path.basename(r.staging), r.action]).sort()).toEqual([
      [`.dist-staging-${dead}-abc`, 'discarded'],
      ['.dist-staging-XyZ12', 'discarded'],
    ]);
    expect(fs.readdirSync(parent).sort()).toEqual([`.dist-staging-${process.pid}-live`, '.dist-staging-1-init', 'other'].sort());
  });

  test('a complete new tree whose swap was cut between the two renames is moved in', () => {
    const parent = tmpdir('staging-swap');
    const staging = path.join(parent, `.dist-staging-${deadPid()}-cut`);
    writeTree(staging, { target: path.join(parent, 'dist'), ready: '', 'next/prod/a/x.yaml': 'new\n', 'old/prod/a/x.yaml': 'old\n' });
    expect(recoverStaging(parent)).toEqual([{ staging, target: path.join(parent, 'dist'), action: 'completed' }]);
    expect(fs.readFileSync(path.join(parent, 'dist/prod/a/x.yaml'), 'utf8')).toBe('new\n');
    expect(fs.readdirSync(parent)).toEqual(['dist']);
  });

  test('an incomplete new tree is discarded and dist left as it is', () => {
    const parent = tmpdir('staging-incomplete');
    writeTree(path.join(parent, 'dist'), { 'prod/a/x.yaml': 'old\n' });
    const staging = path.join(parent, `.dist-staging-${deadPid()}-half`);
    writeTree(staging, { target: path.join(parent, 'dist'), 'next/prod/a/x.yaml': 'ne' });
    expect(recoverStaging(parent).map((r) => r.action)).toEqual(['discarded']);
    expect(fs.readFileSync(path.join(parent, 'dist/prod/a/x.yaml'), 'utf8')).toBe('old\n');
    expect(fs.readdirSync(parent)).toEqual(['dist']);
  });

  test('a journal naming a folder elsewhere is never followed', () => {
    const parent = tmpdir('staging-elsewhere');
    const elsewhere = path.join(tmpdir('elsewhere'), 'dist');
    const staging = path.join(parent, `.dist-staging-${deadPid()}-x`);
    writeTree(staging, { target: elsewhere, ready: '', 'next/a.yaml': 'a\n' });
    recoverStaging(parent);
    expect(fs.existsSync(elsewhere)).toBe(false);
    expect(fs.readdirSync(parent)).toEqual([]);
  });
});

describe('writeDist', () => {
  test('a synth recovers leftovers before writing, and leaves no staging folder of its own', () => {
    const parent = tmpdir('staging-write');
    fs.mkdirSync(path.join(parent, `.dist-staging-${deadPid()}-old`, 'dev'), { recursive: true });
    writeDist(path.join(parent, 'dist'), [folder('dev/x', { 'a.yaml': 'a: 1\n' })], 'all');
    expect(fs.readdirSync(parent)).toEqual(['dist']);
    expect(fs.readFileSync(path.join(parent, 'dist/dev/x/a.yaml'), 'utf8')).toBe('a: 1\n');
  });

  test('a subset replaces its folders with everything below them (nested folders once) and copies the rest', () => {
    const dist = path.join(tmpdir('subset'), 'dist');
    writeTree(dist, {
      'prod/platform/a.yaml': 'old',
      'prod/platform/stale.yaml': 'old',
      'prod/platform/prometheus/p.yaml': 'old',
      'prod/platform/prometheus/stale.yaml': 'old',
      'prod/loopi/l.yaml': 'kept',
      'dev/platform/a.yaml': 'kept',
    });
    writeDist(dist, [folder('prod/platform', { 'a.yaml': 'new' }), folder('prod/platform/prometheus', { 'p.yaml': 'new' })], { folders: [] });
    expect(treeDigest(dist)).toEqual(
      treeDigestOf({
        'prod/platform/a.yaml': 'new',
        'prod/platform/prometheus/p.yaml': 'new',
        'prod/loopi/l.yaml': 'kept',
        'dev/platform/a.yaml': 'kept',
      }),
    );
    // A whole environment: a folder it no longer produces disappears.
    writeDist(dist, [folder('prod/loopi', { 'l.yaml': 'new' })], { folders: ['prod'] });
    expect(treeDigest(dist)).toEqual(treeDigestOf({ 'prod/loopi/l.yaml': 'new', 'dev/platform/a.yaml': 'kept' }));
  });

  test('refuses to write while another live synth writes the same folder, and writes nothing', () => {
    const parent = tmpdir('busy');
    const dist = path.join(parent, 'dist');
    writeTree(dist, { 'a.yaml': 'old' });
    // pid 1 is always alive.
    writeTree(path.join(parent, '.dist-staging-1-live'), { target: dist });
    expect(() => writeDist(dist, [folder('x', { 'a.yaml': 'new' })], 'all')).toThrow(DistBusyError);
    expect(() => writeDist(dist, [folder('x', { 'a.yaml': 'new' })], 'all')).toThrow(/another synth \(pid 1\) is writing .*; wait for it to finish/);
    expect(treeDigest(dist)).toEqual(treeDigestOf({ 'a.yaml': 'old' }));
    expect(fs.readdirSync(parent).sort()).toEqual(['.dist-staging-1-live', 'dist']);
  });

  test('the fingerprint tells byte-identical trees from changed ones', () => {
    const a = path.join(tmpdir('fp'), 'dist');
    writeTree(a, { 'x/a.yaml': 'a', 'y/b.yaml': 'b' });
    const before = treeFingerprint(a);
    expect(treeFingerprint(a)).toBe(before);
    fs.writeFileSync(path.join(a, 'y/b.yaml'), 'B');
    expect(treeFingerprint(a)).not.toBe(before);
    fs.writeFileSync(path.join(a, 'y/b.yaml'), 'b');
    fs.mkdirSync(path.join(a, 'z'));
    expect(treeFingerprint(a)).not.toBe(before);
    expect(treeFingerprint(path.join(a, 'missing'))).toBeUndefined();
  });

  test('the stamp sees every write without reading a file: in place, same size, swapped in, added', () => {
    const parent = tmpdir('stamp');
    const a = path.join(parent, 'dist');
    writeTree(a, { 'x/a.yaml': 'a', 'y/b.yaml': 'b' });
    const before = treeStamp(a);
    expect(treeStamp(a)).toBe(before);
    // Same size, same content, a later modification time: written, so not "unchanged".
    const file = path.join(a, 'y/b.yaml');
    const { mtime } = fs.statSync(file);
    fs.writeFileSync(file, 'b');
    fs.utimesSync(file, mtime, new Date(mtime.getTime() + 1000));
    expect(treeStamp(a)).not.toBe(before);
    // A byte-identical tree swapped in (what a synth that wrote dist does) has new inodes.
    const now = treeStamp(a);
    writeDist(a, [folder('x', { 'a.yaml': 'a' }), folder('y', { 'b.yaml': 'b' })], 'all');
    expect(treeStamp(a)).not.toBe(now);
    const swapped = treeStamp(a);
    fs.mkdirSync(path.join(a, 'z'));
    expect(treeStamp(a)).not.toBe(swapped);
    expect(treeStamp(path.join(a, 'missing'))).toBeUndefined();
  });
});

function treeDigestOf(files: Record<string, string>): Record<string, string> {
  const dir = tmpdir('expected');
  writeTree(dir, files);
  return treeDigest(dir);
}

/** One write to stop at every step: the tree before, what is written, and the tree expected after. */
interface Scenario {
  readonly name: string;
  readonly before?: Record<string, string>;
  readonly folders: Array<{ folder: string; files: Record<string, string> }>;
  readonly scope: DistScope;
  readonly after: Record<string, string>;
}

const OLD_TREE = {
  'dev/a/k.yaml': 'dev a',
  'prod/a/k.yaml': 'prod a old',
  'prod/a/stale.yaml': 'stale',
  'prod/platform/k.yaml': 'platform old',
  'prod/platform/prometheus/k.yaml': 'prometheus old',
  'prod/gone/k.yaml': 'a system no longer produced',
};
const NEW_PROD = [
  { folder: 'prod/a', files: { 'k.yaml': 'prod a new' } },
  { folder: 'prod/platform', files: { 'k.yaml': 'platform new' } },
  { folder: 'prod/platform/prometheus', files: { 'k.yaml': 'prometheus new' } },
];
const SCENARIOS: Scenario[] = [
  {
    name: 'one environment (--env prod), nested folder included',
    before: OLD_TREE,
    folders: NEW_PROD,
    scope: { folders: ['prod'] },
    after: {
      'dev/a/k.yaml': 'dev a',
      'prod/a/k.yaml': 'prod a new',
      'prod/platform/k.yaml': 'platform new',
      'prod/platform/prometheus/k.yaml': 'prometheus new',
    },
  },
  {
    name: 'one system (--env prod --system a)',
    before: OLD_TREE,
    folders: [NEW_PROD[0]],
    scope: { folders: [] },
    after: without({ ...OLD_TREE, 'prod/a/k.yaml': 'prod a new' }, 'prod/a/stale.yaml'),
  },
  {
    name: 'everything',
    before: OLD_TREE,
    folders: [{ folder: 'dev/a', files: { 'k.yaml': 'dev a' } }, ...NEW_PROD],
    scope: 'all',
    after: {
      'dev/a/k.yaml': 'dev a',
      'prod/a/k.yaml': 'prod a new',
      'prod/platform/k.yaml': 'platform new',
      'prod/platform/prometheus/k.yaml': 'prometheus new',
    },
  },
  {
    name: 'a first write (no dist yet)',
    folders: NEW_PROD,
    scope: { folders: ['prod'] },
    after: { 'prod/a/k.yaml': 'prod a new', 'prod/platform/k.yaml': 'platform new', 'prod/platform/prometheus/k.yaml': 'prometheus new' },
  },
];

describe.each(SCENARIOS)('kill -9 at every changing file-system call: $name', (scenario) => {
  const after = treeDigestOf(scenario.after);
  const before = scenario.before ? treeDigestOf(scenario.before) : undefined;

  /** Runs the child on a fresh copy of the tree before; returns the parent folder and the child's result. */
  function run(killAt: number): { parent: string; dist: string; status: number | null; signal: NodeJS.Signals | null; stdout: string } {
    const parent = tmpdir('kill');
    const dist = path.join(parent, 'dist');
    if (scenario.before) writeTree(dist, scenario.before);
    const spec = path.join(tmpdir('spec'), 'spec.json');
    fs.writeFileSync(spec, JSON.stringify({ outdir: dist, folders: scenario.folders, scope: scenario.scope, killAt }));
    const result = spawnSync(process.execPath, [CHILD, spec], { encoding: 'utf8' });
    return { parent, dist, status: result.status, signal: result.signal, stdout: result.stdout };
  }

  test('uninterrupted, it writes the expected tree; killed at each step, the next run leaves dist before or after', () => {
    const full = run(0);
    expect(full.status).toBe(0);
    expect(treeDigest(full.dist)).toEqual(after);
    expect(fs.readdirSync(full.parent)).toEqual(['dist']);
    const calls = Number(full.stdout);
    expect(calls).toBeGreaterThan(10);

    const outcomes = new Set<string>();
    for (let killAt = 1; killAt <= calls; killAt++) {
      const killed = run(killAt);
      const where = `killed at changing call ${killAt} of ${calls}`;
      expect({ where, signal: killed.signal }).toEqual({ where, signal: 'SIGKILL' });
      // Before the next run: dist is before, after, or (between the two renames) missing with a journal to finish.
      const now = fs.existsSync(killed.dist) ? treeDigest(killed.dist) : undefined;
      const staging = fs.readdirSync(killed.parent).filter((e) => e.startsWith('.dist-staging-'));
      if (now === undefined && before !== undefined) {
        expect({ where, staging: staging.length, ready: fs.existsSync(path.join(killed.parent, staging[0] ?? '-', 'ready')) }).toEqual({
          where,
          staging: 1,
          ready: true,
        });
      } else if (now !== undefined) expect({ where, same: [before, after].some((t) => equal(t, now)) }).toEqual({ where, same: true });

      // What the next run does first.
      recoverStaging(killed.parent);
      const recovered = fs.existsSync(killed.dist) ? treeDigest(killed.dist) : undefined;
      const state = equal(recovered, after) ? 'after' : equal(recovered, before) ? 'before' : 'neither';
      expect({ where, state }).toEqual({ where, state: expect.stringMatching(/^(before|after)$/) });
      expect({ where, left: fs.readdirSync(killed.parent) }).toEqual({ where, left: recovered === undefined ? [] : ['dist'] });
      outcomes.add(state);
    }
    // Both outcomes happen: the kills reach before and after the swap.
    expect([...outcomes].sort()).toEqual(['after', 'before']);
  }, 120_000);
});

function without(files: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(files).filter(([f]) => f !== name));
}

function equal(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
