import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { SynthesisError, synthesize, WebService, Probe } from '../../lib';
import { buildRepositoryApp } from '../../charts/app';
import { SYSTEMS } from '../../charts';
import { testEnv, tmpdir, treeDigest, UNUSED_OUTDIR } from '../support/synth';

const ROOT = path.join(__dirname, '..', '..');

function synthRepository(outdir: string): void {
  synthesize(buildRepositoryApp({ outdir: UNUSED_OUTDIR }), { outdir });
}

describe('synthesis of the repository', () => {
  test('is deterministic: two synths give byte-identical trees', () => {
    const a = tmpdir('dist-a');
    const b = tmpdir('dist-b');
    synthRepository(path.join(a, 'dist'));
    synthRepository(path.join(b, 'dist'));
    const digestA = treeDigest(path.join(a, 'dist'));
    expect(Object.keys(digestA).length).toBeGreaterThan(10);
    expect(treeDigest(path.join(b, 'dist'))).toEqual(digestA);
  });

  test('produces every system for every environment, with kustomization and Argo CD apps', () => {
    const out = path.join(tmpdir('dist'), 'dist');
    synthRepository(out);
    for (const env of ['dev', 'staging', 'prod']) {
      for (const system of Object.keys(SYSTEMS)) {
        expect(fs.existsSync(path.join(out, env, system, 'kustomization.yaml'))).toBe(true);
        expect(fs.existsSync(path.join(out, env, system, 'README.md'))).toBe(true);
      }
      const apps = fs.readdirSync(path.join(out, env, 'argocd')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
      expect(apps.sort()).toEqual([
        `91-appproject-stacks-${env}.yaml`,
        `92-application-stacks-${env}.yaml`,
        `93-application-platform-${env}.yaml`,
        `94-application-prometheus-${env}.yaml`,
        ...Object.keys(SYSTEMS)
          .sort()
          .map((s) => `95-application-${s}-${env}.yaml`),
      ]);
      expect(fs.existsSync(path.join(out, env, 'platform', 'kustomization.yaml'))).toBe(true);
      expect(fs.existsSync(path.join(out, env, 'platform', 'README.md'))).toBe(true);
    }
  });

  test('the committed dist/ is what the code synthesizes', () => {
    const out = path.join(tmpdir('dist'), 'dist');
    synthRepository(out);
    expect(treeDigest(path.join(ROOT, 'dist'))).toEqual(treeDigest(out));
  });

  test('prunes files that are no longer produced', () => {
    const out = path.join(tmpdir('dist'), 'dist');
    fs.mkdirSync(path.join(out, 'prod', 'gone'), { recursive: true });
    fs.writeFileSync(path.join(out, 'prod', 'gone', '60-deployment-old.yaml'), 'stale');
    synthRepository(out);
    expect(fs.existsSync(path.join(out, 'prod', 'gone'))).toBe(false);
  });
});

describe('a failed synthesis', () => {
  test('reports every error with construct path and field, and leaves dist byte-identical', () => {
    const out = path.join(tmpdir('dist'), 'dist');
    synthRepository(out);
    const before = treeDigest(out);

    const app = buildRepositoryApp({ outdir: UNUSED_OUTDIR, envs: ['prod'] });
    const chart = app.node.findChild('loopi-prod');
    new WebService(chart, 'broken', {
      image: 'registry.stackworks.io/broken:latest',
      ports: [{ name: 'http', port: 80 }],
      readiness: Probe.http('/ready', { port: 'web' }),
    });
    new WebService(chart, 'Also_Broken', {
      image: 'registry.stackworks.io/x:1',
      ports: [{ name: 'http', port: 80 }],
      readiness: Probe.http('/'),
      resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: 'lots', memory: '512Mi' } },
    });

    let error: unknown;
    try {
      synthesize(app, { outdir: out });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthesisError);
    const messages = (error as SynthesisError).issues.map((i) => `[${i.path}] ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\[loopi-prod\/broken\] image: 'registry\.stackworks\.io\/broken:latest' is not pinned/),
        expect.stringMatching(/^\[loopi-prod\/broken\] resources: required in prod/),
        expect.stringMatching(/^\[loopi-prod\/broken\] readiness\.port: 'web' is not a declared port/),
        expect.stringMatching(/^\[loopi-prod\/Also_Broken\] id: 'Also_Broken' must consist of lower case/),
        expect.stringMatching(/^\[loopi-prod\/Also_Broken\] resources\.limits\.cpu: 'lots' is not a valid quantity/),
        expect.stringMatching(/^\[loopi-prod\/Also_Broken\] resources\.limits\.memory: 512Mi is below the request 1Gi/),
      ]),
    );
    expect(treeDigest(out)).toEqual(before);
  });
});

describe('partial synthesis', () => {
  test('replaces only the selected folder and leaves the rest of dist untouched', () => {
    const out = path.join(tmpdir('dist'), 'dist');
    synthRepository(out);
    fs.writeFileSync(path.join(out, 'dev', 'loopi', 'marker.txt'), 'untouched');
    fs.writeFileSync(path.join(out, 'prod', 'loopi', 'stale.yaml'), 'stale');
    synthesize(buildRepositoryApp({ outdir: UNUSED_OUTDIR, envs: ['prod'], systems: ['loopi'] }), { outdir: out, replaceAll: false });
    expect(fs.readFileSync(path.join(out, 'dev', 'loopi', 'marker.txt'), 'utf8')).toBe('untouched');
    expect(fs.existsSync(path.join(out, 'prod', 'loopi', 'stale.yaml'))).toBe(false);
    expect(fs.existsSync(path.join(out, 'prod', 'loopi', 'kustomization.yaml'))).toBe(true);
  });
});

describe('the synth command', () => {
  const mainJs = path.join(ROOT, '.build', 'main.js');
  beforeAll(() => {
    execFileSync('node', [path.join(ROOT, 'scripts', 'build.mjs')]);
  });

  test('rejects an unknown environment or system, listing the valid ones, without touching dist', () => {
    const out = path.join(tmpdir('dist'), 'dist');
    const result = spawnSync('node', [mainJs, '--env', 'qa', '--system', 'nope', '--outdir', out], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("unknown environment 'qa'; valid environments: dev, staging, prod");
    expect(result.stderr).toContain(`unknown system 'nope'; valid systems: ${Object.keys(SYSTEMS).join(', ')}`);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('synthesizes a subset and prints a summary per environment and system', () => {
    const out = path.join(tmpdir('dist'), 'dist');
    const result = spawnSync('node', [mainJs, '--env', 'prod', '--system', 'loopi', '--outdir', out], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/prod\/loopi\s+\d+ objects\s+\d+ files/);
    expect(fs.readdirSync(out)).toEqual(['prod']);
    expect(fs.readdirSync(path.join(out, 'prod'))).toContain('loopi');
    expect(fs.readdirSync(path.join(out, 'prod')).filter((f) => f !== 'loopi' && f !== 'argocd')).toEqual([]);
  });

  test('the environment test helper keeps the real environments', () => {
    expect(testEnv('prod').requirePinnedImages).toBe(true);
  });
});
