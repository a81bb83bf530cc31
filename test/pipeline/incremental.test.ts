/**
 * The incremental synth (lib/pipeline/synth-cache.ts): which systems count as changed (from
 * the bundle's input list), and that carrying the unchanged ones over gives exactly the dist
 * a full synth gives.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { buildStacksApp } from '../../lib/pipeline/stacks-cli';
import { synthesize } from '../../lib/pipeline/synth';
import { SynthCacheSession, systemInputDigests } from '../../lib/pipeline/synth-cache';
import { recordSynthInput } from '../../lib/core/synth-inputs';
import { treeFingerprint } from '../../lib/core/dist-writer';
import { Environment, SystemChart } from '../../lib';
import { ENVIRONMENTS, SYSTEMS } from '../../charts';
import { testChart, tmpdir } from '../support/synth';

describe('which systems changed: digests from the bundle input list', () => {
  /** A repository with two systems, a shared library, environments and a runtime script file. */
  function repo(): { root: string; stamp: string; set: (file: string, hash: string) => void } {
    const root = tmpdir('inputs');
    fs.mkdirSync(path.join(root, 'lib', 'scripts'), { recursive: true });
    fs.writeFileSync(path.join(root, 'lib', 'scripts', 'init.sh'), 'echo one\n');
    const inputs: Record<string, string> = {
      'main.ts': 'm1',
      'charts/index.ts': 'i1',
      'charts/a.ts': 'a1',
      'charts/a-helper.ts': 'ah1',
      'charts/b/index.ts': 'b1',
      'charts/b/helper.ts': 'bh1',
      'charts/environments.ts': 'e1',
      'charts/shared.ts': 's1',
      'lib/index.ts': 'l1',
      'package-lock.json': 'p1',
    };
    const imports = {
      'main.ts': ['charts/index.ts', 'lib/index.ts'],
      'charts/index.ts': ['charts/a.ts', 'charts/b/index.ts', 'charts/environments.ts'],
      'charts/a.ts': ['charts/a-helper.ts', 'charts/shared.ts', 'lib/index.ts'],
      'charts/b/index.ts': ['charts/b/helper.ts', 'charts/shared.ts', 'lib/index.ts'],
    };
    const stamp = path.join(root, '.build', 'main.js.inputs.json');
    const write = () => {
      fs.mkdirSync(path.dirname(stamp), { recursive: true });
      fs.writeFileSync(stamp, JSON.stringify({ inputs, imports }));
    };
    write();
    return { root, stamp, set: (file, hash) => ((inputs[file] = hash), write()) };
  }
  const digests = (r: ReturnType<typeof repo>) => systemInputDigests(r.stamp, r.root, ['a', 'b'])!;

  test("a system's own files change only its digest; shared files, the library and runtime files change both", () => {
    const r = repo();
    const start = digests(r);
    expect(start.get('a')).not.toBe(start.get('b'));
    expect(digests(r)).toEqual(start);

    r.set('charts/a-helper.ts', 'ah2');
    const afterA = digests(r);
    expect([afterA.get('a') !== start.get('a'), afterA.get('b') === start.get('b')]).toEqual([true, true]);

    r.set('charts/b/helper.ts', 'bh2');
    const afterB = digests(r);
    expect([afterB.get('a') === afterA.get('a'), afterB.get('b') !== afterA.get('b')]).toEqual([true, true]);

    for (const shared of ['charts/shared.ts', 'charts/environments.ts', 'charts/index.ts', 'lib/index.ts', 'main.ts', 'package-lock.json']) {
      const before = digests(r);
      r.set(shared, `${shared}-changed`);
      const after = digests(r);
      expect({ shared, a: after.get('a') !== before.get('a'), b: after.get('b') !== before.get('b') }).toEqual({ shared, a: true, b: true });
    }
    const before = digests(r);
    fs.writeFileSync(path.join(r.root, 'lib', 'scripts', 'init.sh'), 'echo two\n');
    const after = digests(r);
    expect([after.get('a') !== before.get('a'), after.get('b') !== before.get('b')]).toEqual([true, true]);
  });

  test('a system without a module of its own depends on everything; an unreadable list gives no digests', () => {
    const r = repo();
    const before = systemInputDigests(r.stamp, r.root, ['a', 'b', 'c'])!;
    r.set('charts/a-helper.ts', 'ah2');
    r.set('charts/b/helper.ts', 'bh2');
    expect(systemInputDigests(r.stamp, r.root, ['a', 'b', 'c'])!.get('c')).not.toBe(before.get('c'));
    expect(systemInputDigests(path.join(r.root, 'missing.json'), r.root, ['a'])).toBeUndefined();
  });
});

test("files a system's constructs read (init scripts) are part of its key; a system that reads none keeps the key it had", () => {
  const dir = tmpdir('cache-key');
  const cacheFile = path.join(dir, 'synth-cache.json');
  const keyOf = (chart: SystemChart): string => {
    const session = new SynthCacheSession({ cacheFile, inputsOf: () => 'same inputs' }, { outdir: dir });
    session.reusable(chart, 'folder');
    session.save({ folders: [{ folder: 'folder', objects: 0, files: 0 }], waivers: [], securityExceptions: [] });
    return JSON.parse(fs.readFileSync(cacheFile, 'utf8')).folders.folder.key;
  };
  const plain = keyOf(testChart().chart);
  expect(keyOf(testChart().chart)).toBe(plain);
  const reading = (content: string) => {
    const { chart } = testChart();
    recordSynthInput(chart, '/repo/scripts/tables.sql', content);
    return chart;
  };
  const withFile = keyOf(reading('CREATE TABLE a (id int);'));
  expect(withFile).not.toBe(plain);
  expect(keyOf(reading('CREATE TABLE a (id int);'))).toBe(withFile);
  expect(keyOf(reading('CREATE TABLE b (id int);'))).not.toBe(withFile);
});

describe('incremental synth of the repository', () => {
  /** loopi with one more object: a change to its inputs. */
  const changedSystems = {
    ...SYSTEMS,
    loopi: (scope: Construct, env: Environment): SystemChart => {
      const chart = SYSTEMS.loopi(scope, env);
      new ApiObject(chart, 'extra', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra-settings' } });
      return chart;
    },
  };
  const build = (systems = SYSTEMS) => buildStacksApp({ systems, environments: ENVIRONMENTS, appOutdir: tmpdir('app') });

  test('only the changed system is rendered again, and the result is byte-identical to a full synth', () => {
    const dir = tmpdir('incremental');
    const dist = path.join(dir, 'dist');
    const cacheFile = path.join(dir, 'synth-cache.json');
    let loopiInputs = 'loopi-1';
    const incremental = (reuse: boolean) => ({
      cacheFile,
      reuse,
      inputsOf: (chart: SystemChart) => (chart.system === 'loopi' ? loopiInputs : 'unchanged'),
    });

    // A full synth records what each folder was made from.
    synthesize(build(), { outdir: dist, incremental: incremental(false), writeThreads: 0 });
    expect(treeFingerprint(dist)).toBe(treeFingerprint(path.join(__dirname, '..', '..', 'dist')));

    // Nothing changed: every system folder is carried over, and dist stays the same.
    const reused: string[] = [];
    synthesize(build(), { outdir: dist, incremental: incremental(true), onReused: (f) => reused.push(f) });
    expect(reused.sort()).toEqual(
      Object.keys(SYSTEMS)
        .flatMap((s) => ['dev', 'staging', 'prod'].map((e) => `${e}/${s}`))
        .sort(),
    );
    expect(treeFingerprint(dist)).toBe(treeFingerprint(path.join(__dirname, '..', '..', 'dist')));

    // loopi changed: its three folders are rendered, the twelve others carried over.
    loopiInputs = 'loopi-2';
    const again: string[] = [];
    synthesize(build(changedSystems), { outdir: dist, incremental: incremental(true), onReused: (f) => again.push(f) });
    expect(again.filter((f) => f.endsWith('/loopi'))).toEqual([]);
    expect(again).toHaveLength(12);
    const full = path.join(tmpdir('full'), 'dist');
    synthesize(build(changedSystems), { outdir: full });
    expect(fs.readdirSync(path.join(dist, 'prod', 'loopi')).filter((f) => f.endsWith('-configmap-extra-settings.yaml'))).toHaveLength(1);
    expect(treeFingerprint(dist)).toBe(treeFingerprint(full));
  });

  test('a system folder changed in dist since it was written is rendered again, not carried over', () => {
    const dir = tmpdir('incremental-tampered');
    const dist = path.join(dir, 'dist');
    const incremental = { cacheFile: path.join(dir, 'synth-cache.json'), inputsOf: () => 'unchanged' };
    synthesize(build(), { outdir: dist, incremental: { ...incremental, reuse: false } });
    const file = path.join(dist, 'prod', 'techshop', 'kustomization.yaml');
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, `${original}# edited by hand\n`);
    const reused: string[] = [];
    synthesize(build(), { outdir: dist, incremental, onReused: (f) => reused.push(f) });
    expect(reused).not.toContain('prod/techshop');
    expect(reused).toHaveLength(14);
    expect(fs.readFileSync(file, 'utf8')).toBe(original);
    expect(treeFingerprint(dist)).toBe(treeFingerprint(path.join(__dirname, '..', '..', 'dist')));
  });
});
